"""one_record_per_period: issue 11: a periodic app holds one live record per period

Records get ``period_slot``: the record's period when its app holds one record per
organisation and period (a periodic app whose ``period`` does not declare
``"several": true``), NULL otherwise. A unique index on (app, organisation, slot) lets
only one record hold a period, however many requests race for it.

Backfill: for each (app, organisation, period) of such an app, the newest submitted
record (the newest draft when none was submitted) takes the slot; any other record of
that period is marked ``superseded``, and dashboards and indicators leave it out.
Nothing is deleted: the duplicates stay readable, with their history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

versions = sa.table(
    "app_versions",
    sa.column("app_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("definition", sa.JSON),
)
records = sa.table(
    "records",
    sa.column("id", sa.Integer),
    sa.column("app_id", sa.String),
    sa.column("app_version", sa.Integer),
    sa.column("organisation_id", sa.Integer),
    sa.column("period", sa.String),
    sa.column("submitted_at", sa.DateTime),
    sa.column("period_slot", sa.String),
    sa.column("superseded", sa.Boolean),
)


def _one_per_period(definition: dict[str, Any]) -> bool:
    period = definition.get("period") or {}
    return period.get("frequency", "none") != "none" and not period.get("several", False)


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN: a batch copy would drop and recreate "records",
    # which audit entries and comments reference.
    op.add_column("records", sa.Column("period_slot", sa.String(length=10), nullable=True))
    op.add_column(
        "records",
        sa.Column("superseded", sa.Boolean(), server_default=sa.false(), nullable=False),
    )

    bind = op.get_bind()
    single = {
        (app_id, version)
        for app_id, version, definition in bind.execute(
            sa.select(versions.c.app_id, versions.c.version, versions.c.definition)
        )
        if _one_per_period(definition or {})
    }
    groups: dict[tuple[str, int, str], list[tuple[bool, int]]] = defaultdict(list)
    rows = bind.execute(
        sa.select(
            records.c.id,
            records.c.app_id,
            records.c.app_version,
            records.c.organisation_id,
            records.c.period,
            records.c.submitted_at,
        ).where(records.c.period.is_not(None))
    )
    for rid, app_id, app_version, org_id, period, submitted_at in rows:
        if (app_id, app_version) in single:
            groups[(app_id, org_id, period)].append((submitted_at is not None, rid))
    slotted: list[dict[str, Any]] = []
    superseded: list[dict[str, Any]] = []
    for (_app, _org, period), candidates in groups.items():
        keeper = max(candidates)[1]
        slotted.append({"rid": keeper, "slot": period})
        superseded.extend({"rid": rid} for _, rid in candidates if rid != keeper)
    if slotted:
        bind.execute(
            records.update()
            .where(records.c.id == sa.bindparam("rid"))
            .values(period_slot=sa.bindparam("slot")),
            slotted,
        )
    if superseded:
        bind.execute(
            records.update().where(records.c.id == sa.bindparam("rid")).values(superseded=True),
            superseded,
        )

    op.create_index(
        "uq_records_app_org_period_slot",
        "records",
        ["app_id", "organisation_id", "period_slot"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_records_app_org_period_slot", table_name="records")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0007 does.
    op.drop_column("records", "superseded")
    op.drop_column("records", "period_slot")
