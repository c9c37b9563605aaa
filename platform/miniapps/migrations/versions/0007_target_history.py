"""target_history: issue 5: history of activation and targeting

Organisations get ``active_from`` and ``closed_on``; app targets get ``targeted_from``;
targets that a publish drops move to ``app_targets_ended``.

Backfill: every existing target is targeted since its app's first publish (the app's
creation when it has no version); an organisation already inactive is taken as closed on
the day of this upgrade, the first day it is known to be closed, so it keeps counting
for the periods before (as an organisation marked inactive from now on does).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

apps = sa.table("apps", sa.column("id", sa.String), sa.column("created_at", sa.DateTime))
versions = sa.table(
    "app_versions", sa.column("app_id", sa.String), sa.column("published_at", sa.DateTime)
)
targets = sa.table(
    "app_targets",
    sa.column("id", sa.Integer),
    sa.column("app_id", sa.String),
    sa.column("targeted_from", sa.Date),
)
organisations = sa.table(
    "organisations",
    sa.column("id", sa.Integer),
    sa.column("active", sa.Boolean),
    sa.column("closed_on", sa.Date),
)


def _day(moment: datetime | date | None) -> date:
    if isinstance(moment, datetime):
        return moment.date()
    return moment or date.today()


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("app_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("targeted_from", sa.Date(), nullable=True))

    bind = op.get_bind()
    bind.execute(
        organisations.update()
        .where(organisations.c.active.is_(False))
        .values(closed_on=date.today())
    )
    first_publish = dict(
        bind.execute(
            sa.select(versions.c.app_id, sa.func.min(versions.c.published_at)).group_by(
                versions.c.app_id
            )
        ).all()
    )
    created = dict(bind.execute(sa.select(apps.c.id, apps.c.created_at)).all())
    app_ids = bind.execute(sa.select(targets.c.app_id).distinct()).scalars().all()
    for app_id in app_ids:
        since = _day(first_publish.get(app_id) or created.get(app_id))
        bind.execute(targets.update().where(targets.c.app_id == app_id).values(targeted_from=since))

    with op.batch_alter_table("app_targets", schema=None) as batch_op:
        batch_op.alter_column("targeted_from", existing_type=sa.Date(), nullable=False)

    op.create_table(
        "app_targets_ended",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("targeted_from", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_app_targets_ended_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_app_targets_ended_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_targets_ended")),
    )
    with op.batch_alter_table("app_targets_ended", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_targets_ended_app_id"), ["app_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("app_targets_ended", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_targets_ended_app_id"))
    op.drop_table("app_targets_ended")
    with op.batch_alter_table("app_targets", schema=None) as batch_op:
        batch_op.drop_column("targeted_from")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy would drop and
    # recreate "organisations", which every other table references.
    op.drop_column("organisations", "closed_on")
    op.drop_column("organisations", "active_from")
