"""studio: server-side drafts of app definitions and their saves (issue 16, app studio)

``studio_drafts`` holds one row per draft an app builder works on (shared by the
publishers of its organisation; none: platform admins), ``studio_draft_saves`` every save
of it, so a draft can go back to any earlier save. ``revision`` on the draft is the
compare-and-set counter that turns two people's overlapping saves into a conflict.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "studio_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("based_on_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_studio_drafts_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_studio_drafts_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_drafts")),
    )
    with op.batch_alter_table("studio_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_studio_drafts_app_id"), ["app_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_studio_drafts_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "studio_draft_saves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["studio_drafts.id"],
            name=op.f("fk_studio_draft_saves_draft_id_studio_drafts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_by_id"],
            ["users.id"],
            name=op.f("fk_studio_draft_saves_saved_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_draft_saves")),
        sa.UniqueConstraint("draft_id", "revision", name=op.f("uq_studio_draft_saves_draft_id")),
    )


def downgrade() -> None:
    op.drop_table("studio_draft_saves")
    with op.batch_alter_table("studio_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_studio_drafts_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_studio_drafts_app_id"))
    op.drop_table("studio_drafts")
