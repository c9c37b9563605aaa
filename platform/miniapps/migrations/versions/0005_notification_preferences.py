"""notification_preferences: per-user delivery (immediate or daily digest), per-app
overrides, and the notifications held for a digest

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "notification_delivery",
                sa.String(length=20),
                server_default="immediate",
                nullable=False,
            )
        )

    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["apps.id"],
            name=op.f("fk_notification_preferences_app_id_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "app_id", name=op.f("pk_notification_preferences")),
    )

    op.create_table(
        "held_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("digest_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["apps.id"],
            name=op.f("fk_held_notifications_app_id_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["digest_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_held_notifications_digest_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_held_notifications_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_held_notifications_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_held_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_held_notifications_dedupe_key")),
    )
    with op.batch_alter_table("held_notifications", schema=None) as batch_op:
        batch_op.create_index("ix_held_notifications_pending", ["status", "user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_held_notifications_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_held_notifications_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_held_notifications_digest_message_id"),
            ["digest_message_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("held_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_notifications_digest_message_id"))
        batch_op.drop_index(batch_op.f("ix_held_notifications_record_id"))
        batch_op.drop_index(batch_op.f("ix_held_notifications_user_id"))
        batch_op.drop_index("ix_held_notifications_pending")

    op.drop_table("held_notifications")
    op.drop_table("notification_preferences")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("notification_delivery")
