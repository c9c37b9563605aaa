"""audits: unique answer keys per organisation and follow-up actions from failed
audit items (issue 14)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "record_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("key_index", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        _fk("record_keys", "organisation_id", "organisations"),
        _fk("record_keys", "record_id", "records"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_keys")),
        sa.UniqueConstraint(
            "app_id",
            "organisation_id",
            "key_index",
            "key_hash",
            name=op.f("uq_record_keys_app_id"),
        ),
    )
    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_keys_record_id"), ["record_id"], unique=False)

    op.create_table(
        "record_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("last_chased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'done')", name=op.f("ck_record_follow_ups_status")),
        _fk("record_follow_ups", "done_by_id", "users"),
        _fk("record_follow_ups", "organisation_id", "organisations"),
        _fk("record_follow_ups", "record_id", "records"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_follow_ups")),
        sa.UniqueConstraint("record_id", "item_index", name=op.f("uq_record_follow_ups_record_id")),
    )
    with op.batch_alter_table("record_follow_ups", schema=None) as batch_op:
        for column in ("app_id", "organisation_id"):
            batch_op.create_index(
                batch_op.f(f"ix_record_follow_ups_{column}"), [column], unique=False
            )
        batch_op.create_index("ix_record_follow_ups_status_due", ["status", "due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("record_follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_record_follow_ups_status_due")
        batch_op.drop_index(batch_op.f("ix_record_follow_ups_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_record_follow_ups_app_id"))
    op.drop_table("record_follow_ups")
    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_keys_record_id"))
    op.drop_table("record_keys")
