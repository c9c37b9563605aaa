"""audit source: where an audit entry's change came from (issue 17, bulk import)

``audit_entries.source`` names what a change was read from when it did not come through
a form or the API: the file of an import (``fridge.csv``), so a record's history says
"Imported from fridge.csv by Jane Smith". NULL for every other change.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("source")
