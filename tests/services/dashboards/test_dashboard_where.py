"""``where`` and ``item_where`` in SQL give exactly what the condition language gives in
Python, value types and absent members included, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.dashboards.conditions import Term, count_items, simple_terms
from miniapps.core.definitions.schema_fields import find_field
from miniapps.core.forms.condition_language import matches
from miniapps.models import App
from miniapps.services.dashboards.declared_figures import Context, Measure, grouped
from miniapps.services.dashboards.trends import Breakdown
from miniapps.services.dashboards.where import narrowed
from miniapps.services.dashboards.widgets import WidgetQuery
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

VALUES: list[Any] = [1, 1.0, "1", True, False, None, "a", 2.5, [1], {"a": 1}, "b", 0]
ABSENT = object()
DATA: list[dict[str, Any]] = [
    {
        **({} if x is ABSENT else {"x": x}),
        **({} if y is ABSENT else {"y": y}),
        "items": [{"x": x} if x is not ABSENT else {}, {"x": y} if y is not ABSENT else {}, 7],
    }
    for x, y in zip([*VALUES, ABSENT, ABSENT], [ABSENT, *reversed(VALUES), "b"], strict=True)
]
DEFINITION: dict[str, Any] = {
    "id": "where_cases",
    "title": "Where cases",
    "version": 1,
    "schema": {
        "type": "object",
        "properties": {
            "x": {},
            "y": {},
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"x": {}}},
            },
        },
    },
}
SIMPLE: list[Any] = [
    True,
    {"properties": {"x": {"const": 1}}},
    {"properties": {"x": {"const": "1"}}, "required": ["x"]},
    {"properties": {"x": {"const": True}}},
    {"properties": {"x": {"const": False}}, "required": ["x"]},
    {"properties": {"x": {"const": None}}},
    {"properties": {"x": {"enum": [2.5, "a", False]}}},
    {"properties": {"x": {"enum": []}}},
    {"properties": {"x": {"const": 1, "enum": [1, 2]}, "y": {"title": "y", "enum": ["b"]}}},
    {"required": ["x", "y"]},
    {"allOf": [{"properties": {"x": {"const": 0}}}, {"required": ["y"]}], "$comment": "c"},
]


@pytest.fixture
def cases(seeded_app: Any) -> App:
    return seeded_app(DEFINITION, [("A00001", None, data) for data in DATA])


def _context(db_session: Session) -> Context:
    query = WidgetQuery(db_session, "where_cases", true())
    return Context(query, DEFINITION["schema"], False, Breakdown(None, []), lambda code: "")


def test_simple_terms() -> None:
    assert simple_terms(True) == []
    assert simple_terms({"properties": {"x": {"const": 1}}, "required": ["y"]}) == [
        Term("x", (1,)),
        Term("y", None),
    ]
    for hard in (
        False,
        {"not": {"required": ["x"]}},
        {"anyOf": [{"required": ["x"]}]},
        {"properties": {"x": {"minimum": 1}}},
        {"properties": {"x": {"const": [1]}}},
        {"properties": {"x": False}},
        {"allOf": [{"required": ["x"]}, {"contains": {"const": 1}}]},
    ):
        assert simple_terms(hard) is None, hard


def test_count_items() -> None:
    data = {"a": [{"b": [{"done": False}, {}]}, {"b": [{"done": True}]}, 3], "c": [1, 2]}
    assert count_items(data, "/c") == 2
    assert count_items(data, "/a/-/b") == 3
    assert count_items(data, "/a/-/b", {"properties": {"done": {"const": False}}}) == 2
    assert count_items({"c": "x"}, "/c") == 0


@pytest.mark.parametrize("where", SIMPLE, ids=lambda c: str(c)[:60])
def test_sql_where_equals_the_language(db_session: Session, cases: App, where: Any) -> None:
    assert simple_terms(where) is not None
    query = narrowed(_context(db_session).query, where, {})
    counted = db_session.execute(
        select(func.count()).select_from(query.records()).where(*query.conditions)
    ).scalar()
    assert counted == sum(1 for data in DATA if matches(where, data))


@pytest.mark.parametrize("where", [{"anyOf": SIMPLE[1:4]}, {"not": SIMPLE[6]}])
def test_python_where_counts_the_matching_records(
    db_session: Session, cases: App, where: Any
) -> None:
    found: dict[str, list[int]] = {}
    query = narrowed(_context(db_session).query, where, found)
    counted = db_session.execute(
        select(func.count()).select_from(query.records()).where(*query.conditions)
    ).scalar()
    assert counted == sum(1 for data in DATA if matches(where, data)) == len(*found.values())


@pytest.mark.parametrize("item_where", [None, *SIMPLE[1:], {"not": SIMPLE[1]}])
def test_item_where_in_sql_equals_the_language(
    db_session: Session, cases: App, item_where: Any
) -> None:
    ctx = _context(db_session)
    section = find_field(DEFINITION["schema"], "/items")
    counted = grouped(ctx, Measure(section, "items", item_where), None)[None]
    assert counted == sum(count_items(data, "/items", item_where) for data in DATA)
