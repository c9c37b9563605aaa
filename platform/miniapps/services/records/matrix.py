"""The people-by-items matrix of an app declaring ``matrix`` (the training matrix), for
one organisation or many at once.

Rows are the organisation's people (:func:`~miniapps.services.records.people.people_of`),
columns the choices of the item field in the app's latest definition, each cell the
person's latest completion (:mod:`miniapps.core.records.matrix`). The latest completions
come from one aggregate statement (organisation, person, item, latest date) over the
submitted records, the people from one more: two statements whatever the number of
organisations, people and items (500 staff by 10 courses is at most 5,000 rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import find_field
from miniapps.core.pointers import pointer_parts
from miniapps.core.records.matrix import Cell, ItemTotal, MatrixSpec, cell_for, item_totals
from miniapps.core.workflow import Workflow
from miniapps.models import App, Organisation, Record
from miniapps.services.records.people import Person, people_of

Completions = dict[tuple[int, str, str], date]  # (org id, email, item) -> latest date


@dataclass(frozen=True)
class MatrixRow:
    person: Person
    cells: dict[str, Cell]  # item value -> cell, in column order

    def has(self, statuses: frozenset[str]) -> bool:
        return any(cell.status in statuses for cell in self.cells.values())


@dataclass(frozen=True)
class Matrix:
    """One organisation's matrix on ``today``."""

    org: Organisation
    spec: MatrixSpec
    title: str
    item_title: str  # the item field's title ("Course")
    items: list[tuple[str, str]]  # (value, title) of each column
    rows: list[MatrixRow]
    totals: list[ItemTotal]
    today: date


def matrix_spec(definition: AppDefinition) -> MatrixSpec | None:
    return MatrixSpec.from_json(definition.matrix) if definition.matrix else None


def matrix_items(definition: AppDefinition, spec: MatrixSpec) -> list[tuple[str, str]]:
    """The columns: ``(value, title)`` of each choice of the item field."""
    field = find_field(definition.schema, spec.item)
    return [(str(v), label) for v, label in field.choices] if field is not None else []


def matrices(
    session: Session,
    app: App,
    definition: AppDefinition,
    orgs: Sequence[Organisation],
    today: date,
) -> dict[int, Matrix]:
    """org id -> its matrix for ``app`` (whose latest definition is ``definition``)."""
    spec = matrix_spec(definition)
    if spec is None or not orgs:
        return {}
    items = matrix_items(definition, spec)
    item_field = find_field(definition.schema, spec.item)
    item_title = item_field.title if item_field is not None else "Item"
    initial = Workflow(definition.workflow).initial
    done = latest_completions(session, app.id, spec, [o.id for o in orgs], initial)
    people = people_of(session, [o.id for o in orgs])
    title = spec.title or app.title
    # Thousands of people share a few hundred completion dates and a few sets of roles:
    # work each distinct cell out once (cells are immutable).
    cells_by: dict[tuple[str, date | None, bool], Cell] = {}
    required_by: dict[tuple[str, ...], set[str]] = {}
    found: dict[int, Matrix] = {}
    for org in orgs:
        org_id, rows = org.id, []
        for person in people.get(org_id, []):
            if person.roles not in required_by:
                required_by[person.roles] = spec.required_of(person.roles)
            required = required_by[person.roles]
            cells = {}
            for value, _ in items:
                key = (value, done.get((org_id, person.email, value)), value in required)
                if key not in cells_by:
                    cells_by[key] = cell_for(spec, value, key[1], required, today)
                cells[value] = cells_by[key]
            rows.append(MatrixRow(person, cells))
        totals = item_totals(items, (row.cells for row in rows))
        found[org_id] = Matrix(org, spec, title, item_title, items, rows, totals, today)
    return found


def org_matrix(
    session: Session, app: App, definition: AppDefinition, org: Organisation, today: date
) -> Matrix | None:
    """``org``'s matrix, or None when the app has no ``matrix``."""
    return matrices(session, app, definition, [org], today).get(org.id)


def latest_completions(
    session: Session, app_id: str, spec: MatrixSpec, org_ids: list[int], initial: str
) -> Completions:
    """(org id, person's email in lower case, item) -> the latest date it was done, from the
    records past ``initial`` (drafts do not count) that are not superseded."""
    dialect = session.get_bind().dialect.name
    person = func.lower(_text(dialect, spec.person))
    item, done = _text(dialect, spec.item), _text(dialect, spec.date)
    # ISO dates sort as text, so the greatest is the latest.
    query = (
        select(Record.organisation_id, person, item, func.max(done))
        .where(
            Record.app_id == app_id,
            Record.organisation_id.in_(org_ids),
            Record.status != initial,
            Record.superseded.is_(False),
            person.is_not(None),
            item.is_not(None),
            done.is_not(None),
        )
        .group_by(Record.organisation_id, person, item)
    )
    found: Completions = {}
    for org_id, email, value, latest in session.execute(query):
        day = _day(latest)
        if day is not None:
            found[(org_id, str(email), str(value))] = day
    return found


def _text(dialect: str, pointer: str) -> ColumnElement[Any]:
    """The text of a top-level member of a record's data (NULL when absent)."""
    [key] = pointer_parts(pointer)
    if dialect == "postgresql":
        return Record.data.op("->>", return_type=String)(literal(key, String))
    path = '$."' + key.replace('"', '\\"') + '"'
    return func.json_extract(Record.data, path)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
