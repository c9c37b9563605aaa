"""channels: stakeholder categories, channel items and breaches, webhooks and their
delivery log, the working-day calendar, and apps owned by a stakeholder (issue 12)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 20:13:18.293148
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_holidays",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_bank_holidays")),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_webhooks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_webhooks_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhooks_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "channel_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decide_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisations.id"],
            name=op.f("fk_channel_items_provider_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_channel_items_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["organisations.id"],
            name=op.f("fk_channel_items_stakeholder_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_items")),
        sa.UniqueConstraint(
            "record_id", "channel", "stakeholder_id", name=op.f("uq_channel_items_record_id")
        ),
    )
    with op.batch_alter_table("channel_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_items_app_id"), ["app_id"], unique=False)
        batch_op.create_index("ix_channel_items_acknowledge_by", ["acknowledge_by"], unique=False)
        batch_op.create_index("ix_channel_items_decide_by", ["decide_by"], unique=False)
        batch_op.create_index(
            "ix_channel_items_provider_changed", ["provider_id", "changed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_channel_items_record_id"), ["record_id"], unique=False)
        batch_op.create_index(
            "ix_channel_items_stakeholder_changed", ["stakeholder_id", "changed_at"], unique=False
        )

    op.create_table(
        "channel_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["channel_items.id"],
            name=op.f("fk_channel_breaches_item_id_channel_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_breaches")),
        sa.UniqueConstraint("item_id", "clock", "level", name=op.f("uq_channel_breaches_item_id")),
    )
    with op.batch_alter_table("channel_breaches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_breaches_item_id"), ["item_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("delivery", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["channel_items.id"],
            name=op.f("fk_webhook_deliveries_item_id_channel_items"),
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["webhooks.id"], name=op.f("fk_webhook_deliveries_webhook_id_webhooks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("delivery", name=op.f("uq_webhook_deliveries_delivery")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_item_id"), ["item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_webhook_id"), ["webhook_id"], unique=False
        )

    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_attempts_delivery_id"), ["delivery_id"], unique=False
        )

    op.add_column("apps", sa.Column("owner_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_apps_owner_id"), "apps", ["owner_id"], unique=False)

    op.add_column("organisations", sa.Column("category", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_organisations_category"), "organisations", ["category"], unique=False)


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0007 and 0008 do.
    op.drop_index(op.f("ix_organisations_category"), table_name="organisations")
    op.drop_column("organisations", "category")

    op.drop_index(op.f("ix_apps_owner_id"), table_name="apps")
    op.drop_column("apps", "owner_id")

    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_attempts_delivery_id"))

    op.drop_table("webhook_attempts")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_webhook_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_item_id"))
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("channel_breaches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_breaches_item_id"))

    op.drop_table("channel_breaches")
    with op.batch_alter_table("channel_items", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_items_stakeholder_changed")
        batch_op.drop_index(batch_op.f("ix_channel_items_record_id"))
        batch_op.drop_index("ix_channel_items_provider_changed")
        batch_op.drop_index(batch_op.f("ix_channel_items_app_id"))
        batch_op.drop_index("ix_channel_items_decide_by")
        batch_op.drop_index("ix_channel_items_acknowledge_by")

    op.drop_table("channel_items")
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhooks_organisation_id"))

    op.drop_table("webhooks")
    op.drop_table("bank_holidays")
