"""The values the roll-up reads once per record (``WidgetQuery.plain_rows``: on SQLite one
JSON function per value, ``json_type`` asked only where the SQL value leaves the type
open) are typed exactly as a record's values read directly, whatever the data holds."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.schema_fields import iter_fields
from miniapps.models import App, Record
from miniapps.services.dashboards.json_values import record_value
from miniapps.services.dashboards.query import WidgetQuery
from sqlalchemy import select, true
from sqlalchemy.orm import Session

KINDS: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "enum": {"type": "string", "enum": ["a", "{b"]},
    "boolean": {"type": "boolean"},
}
DEFINITION: dict[str, Any] = {
    "id": "json_values_test",
    "title": "JSON values test",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {f"{kind}_field": schema for kind, schema in KINDS.items()},
    },
}
# What any field may hold: 0 and 1 (also what SQLite makes of false and true), reals
# that equal them, integers past 2**53 and past 64 bits, text that looks like a number,
# a boolean, an object or an array, objects and arrays, a JSON null, and nothing.
VALUES: list[Any] = [
    0,
    1,
    2,
    -1,
    0.0,
    1.0,
    2.5,
    9_007_199_254_740_993,
    10**20,
    True,
    False,
    "0",
    "1",
    "true",
    "a",
    "{b",
    "[c",
    "",
    {},
    {"a": 1},
    [],
    [1, 2],
    None,
]


@pytest.fixture
def values_app(seeded_app: Any) -> App:
    rows: list[tuple[Any, ...]] = [
        ("A00001", None, {f"{kind}_field": value for kind in KINDS}) for value in VALUES
    ]
    rows.append(("A00001", None, {}))  # every field absent
    return seeded_app(DEFINITION, rows)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_values_read_once_are_typed_as_read_directly(
    db_session: Session, values_app: App, kind: str
) -> None:
    field = next(f for f in iter_fields(DEFINITION["schema"]) if f.key == f"{kind}_field")
    assert field.kind == kind
    query = WidgetQuery(db_session, DEFINITION["id"], true())
    rows = query.plain_rows([field], [Record.id.label("record_id")], query.records())
    once = _read_once(db_session, rows)
    assert len(once) == len(VALUES) + 1
    assert once == _read_directly(db_session, record_value(query.dialect, (field.key,)))


def _labelled(value: Any) -> list[Any]:
    return [value.kind.label("kind"), value.text.label("text"), value.number.label("number")]


def _read_once(session: Session, rows: Any) -> dict[int, tuple]:
    value = rows.values[0]
    statement = select(*rows.keys, *_labelled(value)).select_from(rows.source)
    return {int(row[0]): tuple(row[1:]) for row in session.execute(statement)}


def _read_directly(session: Session, value: Any) -> dict[int, tuple]:
    statement = select(Record.id, *_labelled(value)).where(Record.app_id == DEFINITION["id"])
    return {int(row[0]): tuple(row[1:]) for row in session.execute(statement)}


def test_a_number_is_read_with_one_json_function_on_sqlite(
    db_session: Session, values_app: App
) -> None:
    """On SQLite the subquery reads each value with one function: ``json_extract`` for an
    integer, number or choice, ``json_type`` for a boolean (the record's data passed on
    for the rest)."""
    query = WidgetQuery(db_session, DEFINITION["id"], true())
    if query.dialect != "sqlite":
        pytest.skip("SQLite's JSON functions")
    fields = list(iter_fields(DEFINITION["schema"]))
    rows = query.plain_rows(fields, [Record.id.label("record_id")], query.records())
    inner = str(rows.source.element.compile(db_session.get_bind()))  # type: ignore[attr-defined]
    assert inner.count("json_extract(") == 3
    assert inner.count("json_type(") == 1
