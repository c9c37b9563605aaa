"""record_subjects: the organisation a record is about (a peer review audit of another
practice of the PCN), beside the organisation that wrote it (issue 14)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_records_subject_id"), ["subject_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_records_subject_id_organisations"),
            "organisations",
            ["subject_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_records_subject_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_records_subject_id"))
        batch_op.drop_column("subject_id")
