"""indicator sets: indicator_sets (centrally loaded indicator year sets)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_indicator_sets_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["loaded_by_id"], ["users.id"], name=op.f("fk_indicator_sets_loaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_sets")),
        sa.UniqueConstraint("app_id", "year", "version", name=op.f("uq_indicator_sets_app_id")),
    )
    with op.batch_alter_table("indicator_sets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_sets_app_id"), ["app_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicator_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_sets_app_id"))

    op.drop_table("indicator_sets")
