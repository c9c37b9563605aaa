"""period locks: period_locks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "period_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("locked_by_id", sa.Integer(), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], name=op.f("fk_period_locks_app_id_apps")),
        sa.ForeignKeyConstraint(
            ["locked_by_id"], ["users.id"], name=op.f("fk_period_locks_locked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_period_locks_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_locks")),
        sa.UniqueConstraint(
            "app_id", "organisation_id", "period", name=op.f("uq_period_locks_app_id")
        ),
    )
    with op.batch_alter_table("period_locks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_period_locks_app_id"), ["app_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("period_locks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_period_locks_app_id"))

    op.drop_table("period_locks")
