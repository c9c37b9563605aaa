"""documents: controlled documents, their versions, practice adoptions with tracked
local changes and read-and-sign (issue 14)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("attachment_id", sa.String(length=36), nullable=True),
        sa.Column("change_summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("readopt_due", sa.Date(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        _fk("document_versions", "approved_by_id", "users"),
        _fk("document_versions", "attachment_id", "attachments"),
        _fk("document_versions", "created_by_id", "users"),
        _fk("document_versions", "published_by_id", "users"),
        _fk("document_versions", "record_id", "records"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_versions")),
        sa.UniqueConstraint("record_id", "number", name=op.f("uq_document_versions_record_id")),
    )
    _indexes("document_versions", "record_id", "status")

    op.create_table(
        "document_adoptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("local_text", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("adopted_by_id", sa.Integer(), nullable=True),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        _fk("document_adoptions", "adopted_by_id", "users"),
        _fk("document_adoptions", "organisation_id", "organisations"),
        _fk("document_adoptions", "record_id", "records"),
        _fk("document_adoptions", "version_id", "document_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_adoptions")),
        sa.UniqueConstraint(
            "organisation_id", "version_id", name=op.f("uq_document_adoptions_organisation_id")
        ),
    )
    _indexes("document_adoptions", "organisation_id", "record_id", "version_id")

    op.create_table(
        "document_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        _fk("document_signatures", "adoption_id", "document_adoptions"),
        _fk("document_signatures", "organisation_id", "organisations"),
        _fk("document_signatures", "record_id", "records"),
        _fk("document_signatures", "user_id", "users"),
        _fk("document_signatures", "version_id", "document_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_signatures")),
        sa.UniqueConstraint("user_id", "version_id", name=op.f("uq_document_signatures_user_id")),
    )
    _indexes("document_signatures", "organisation_id", "record_id", "user_id", "version_id")


def downgrade() -> None:
    for table, columns in (
        ("document_signatures", ("organisation_id", "record_id", "user_id", "version_id")),
        ("document_adoptions", ("organisation_id", "record_id", "version_id")),
        ("document_versions", ("record_id", "status")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
