"""People out of date or missing required items (the training matrix) as compliance gaps,
and the matrix in the inspection pack: the ``training`` source of
:data:`~miniapps.services.compliance.sources.SOURCES`.

For each published app declaring ``matrix`` and mapped to the framework with
``evidence``, each organisation it is published to with anyone out of date, or missing
an item required of their role, has **one gap** (kind ``training_out_of_date``)
counting them per item: "Staff training: 6 of 48 people out of date or missing for
Basic life support; 1 of 48 for Fire safety". The matrices of all the organisations
asked about are built together (two statements per app). The pack holds the
organisation's matrix and its totals per item.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.records.matrix import cell_text
from miniapps.models import App, AppTarget, AppVersion, Organisation
from miniapps.services.compliance.source_types import Gap, PackTable, SourceBase
from miniapps.services.records.deadlines import london_day
from miniapps.services.records.matrix import Matrix, matrices

SOURCE = "training"
KIND = "training_out_of_date"


class TrainingSource(SourceBase):
    """Matrix apps (training): out-of-date and missing items as gaps, the matrix in packs."""

    def gaps(
        self, session: Session, orgs: Sequence[Organisation], framework: str, now: datetime
    ) -> Iterator[Gap]:
        for app, definition in matrix_apps(session):
            statements = _statements(definition, framework)
            paths = _target_paths(session, app)
            targeted = [o for o in orgs if any(o.path.startswith(p) for p in paths)]
            if not statements or not targeted:
                continue
            found = matrices(session, app, definition, targeted, london_day(now))
            for org in targeted:
                text = gap_text(found[org.id])
                if text is not None:
                    yield Gap(
                        org_id=org.id,
                        framework=framework,
                        statements=statements,
                        kind=KIND,
                        text=text,
                        source=SOURCE,
                        link=f"/apps/{app.id}/matrix?org={org.ods}&show=problems",
                    )

    def pack_tables(
        self, session: Session, org: Organisation, since: datetime, now: datetime
    ) -> Iterator[PackTable]:
        for app, definition in matrix_apps(session):
            if not any(org.path.startswith(p) for p in _target_paths(session, app)):
                continue
            matrix = matrices(session, app, definition, [org], london_day(now))[org.id]
            head = ["Person", "Role", *(title for _, title in matrix.items)]
            rows: list[list[Any]] = [
                [r.person.name, r.person.role_text, *(cell_text(c) for c in r.cells.values())]
                for r in matrix.rows
            ]
            yield PackTable(f"{app.id}_matrix", f"{matrix.title} on {now:%d %B %Y}", head, rows)
            totals = [
                [
                    t.title,
                    t.applicable,
                    t.in_date,
                    t.due_soon,
                    t.out_of_date,
                    t.missing,
                    "" if t.percent_in_date is None else f"{t.percent_in_date}%",
                ]
                for t in matrix.totals
            ]
            columns = [matrix.item_title, "People", "In date", "Due soon", "Out of date",
                       "Missing", "% in date"]  # fmt: skip
            yield PackTable(f"{app.id}_matrix_totals", f"{matrix.title}: totals", columns, totals)


def gap_text(matrix: Matrix) -> str | None:
    """The one gap sentence for ``matrix``, or None when nobody is out of date or missing."""
    parts = [
        (total.problems, total.applicable, total.title) for total in matrix.totals if total.problems
    ]
    if not parts:
        return None
    first, *rest = parts
    text = f"{matrix.title}: {first[0]} of {first[1]} people out of date or missing for {first[2]}"
    return "; ".join([text, *(f"{n} of {of} for {title}" for n, of, title in rest)])


def matrix_apps(session: Session) -> Iterator[tuple[App, AppDefinition]]:
    """Every published app whose latest definition declares ``matrix`` (one statement)."""
    latest = (AppVersion.app_id == App.id) & (AppVersion.version == App.latest_version)
    query = select(App, AppVersion.definition).join(AppVersion, latest)
    for app, raw in session.execute(query.where(App.status == "published").order_by(App.id)):
        if raw.get("matrix"):
            yield app, AppDefinition(raw=raw)


def _statements(definition: AppDefinition, framework: str) -> tuple[str, ...]:
    named = [
        statement
        for mapping in definition.evidence
        if mapping.get("framework") == framework
        for statement in mapping.get("statements") or []
    ]
    return tuple(dict.fromkeys(named))


def _target_paths(session: Session, app: App) -> list[str]:
    """The paths of the organisations ``app`` is published to (it reaches those beneath)."""
    query = (
        select(Organisation.path)
        .join(AppTarget, AppTarget.organisation_id == Organisation.id)
        .where(AppTarget.app_id == app.id)
    )
    return list(session.scalars(query))
