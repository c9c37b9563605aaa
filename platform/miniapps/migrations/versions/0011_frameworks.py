"""frameworks: compliance frameworks loaded centrally as versioned data (issue 14)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 22:21:41.982855
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loaded_by_id"], ["users.id"], name=op.f("fk_frameworks_loaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frameworks")),
        sa.UniqueConstraint("framework_id", "version", name=op.f("uq_frameworks_framework_id")),
    )
    with op.batch_alter_table("frameworks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_frameworks_framework_id"), ["framework_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("frameworks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frameworks_framework_id"))

    op.drop_table("frameworks")
