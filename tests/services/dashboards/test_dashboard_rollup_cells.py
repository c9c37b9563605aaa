"""The roll-up groups the records once and counts each choice in that one statement; a
field holding values that are not one of its choices is counted again by its own
statement. On SQLite the records of pinned organisations are read by id, unless the
scope holds much of the table, which is then scanned; on PostgreSQL the organisations'
ids are written into the statement, and their records grouped into cells only when they
hold many each (one small statement decides, on each database)."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.models import Organisation
from miniapps.models.organisation import subtree
from miniapps.services.dashboards import scoped_records
from miniapps.services.dashboards.rollup import record_widgets
from miniapps.services.dashboards.rollup_sql import counted_choices
from miniapps.services.dashboards.trends import Breakdown
from miniapps.services.dashboards.widgets import WidgetQuery, build_value_counts
from sqlalchemy.orm import Session

from tests.statements import SAVEPOINTS, recorded_statements

DEFINITION: dict[str, Any] = {
    "id": "rollup_cells_test",
    "title": "Roll-up cells test",
    "version": 1,
    "period": {"frequency": "monthly", "several": True},
    "schema": {
        "type": "object",
        "properties": {
            "visits": {"type": "integer"},
            "role": {"enum": ["gp", "nurse"]},
            "grade": {"oneOf": [{"const": 1, "title": "One"}, {"const": 2, "title": "Two"}]},
            "alarm": {"type": "boolean"},
        },
    },
}
# Only choices: a grade written 2.0 is the choice 2; "2" (a string) is no grade at all.
CHOICES_ONLY = [
    ("A00001", "2025-04", {"visits": 3, "role": "gp", "grade": 2.0, "alarm": True}),
    ("A00002", "2025-04", {"visits": 5, "role": "nurse", "grade": 1, "alarm": False}),
    ("A00003", "2025-05", {"visits": 7, "role": "gp", "grade": "2", "alarm": 1}),
    ("U00001", "2025-05", {"visits": 1, "grade": 2}),
]


def fields() -> tuple[list[Field], list[Field]]:
    every = list(iter_fields(DEFINITION["schema"]))
    return [f for f in every if f.kind == "integer"], [f for f in every if f.kind != "integer"]


def run(session: Session, orgs: dict[str, Organisation]) -> tuple[dict[str, Any], list[str]]:
    """The roll-up's widgets for the place and the statements it ran."""
    place = Breakdown(orgs["PLC01"], [orgs["U00001"], orgs["U00002"]])
    query = WidgetQuery(session, DEFINITION["id"], subtree(orgs["PLC01"].path))
    query.pin_subtree()
    numbers, counted = fields()
    with recorded_statements(session.get_bind(), skip=SAVEPOINTS) as statements:
        found = record_widgets(query, True, numbers, counted, place)
    for field in counted:  # the per-field builder gives the same counts
        assert found[field.pointer] == build_value_counts(query, field)
    return found, statements


def test_choices_are_counted_in_the_one_statement(
    db_session: Session, seeded_app: Any, orgs: dict[str, Organisation]
) -> None:
    seeded_app(DEFINITION, CHOICES_ONLY)
    found, statements = run(db_session, orgs)
    assert len(statements) == 2  # one small statement chooses the shape, then the roll-up
    assert found["/role"]["data"]["counts"] == {"gp": 2, "nurse": 1}
    assert found["/grade"]["data"]["counts"] == {"1": 1, "2": 2}
    assert found["/alarm"]["data"]["counts"] == {"true": 1, "false": 1}
    assert found["records"]["data"]["total"] == 4


def test_values_beside_the_choices_take_one_statement_per_field(
    db_session: Session, seeded_app: Any, orgs: dict[str, Organisation]
) -> None:
    rows = [*CHOICES_ONLY, ("A00004", "2025-05", {"role": "doctor", "grade": 3})]
    seeded_app(DEFINITION, rows)
    found, statements = run(db_session, orgs)
    # The choice, the roll-up, then on SQLite /role's and /grade's own (PostgreSQL, with
    # few records per organisation, groups every value in the roll-up's own branches).
    sqlite = db_session.get_bind().dialect.name == "sqlite"
    assert len(statements) == (4 if sqlite else 2)
    assert found["/role"]["data"]["counts"] == {"gp": 2, "nurse": 1, "doctor": 1}
    assert found["/grade"]["data"]["counts"] == {"1": 1, "2": 2, "3": 1}
    assert found["/alarm"]["data"]["counts"] == {"true": 1, "false": 1}


def test_counted_choices() -> None:
    role, grade, alarm = fields()[1]
    assert counted_choices(role) == (("string", "gp"), ("string", "nurse"))
    assert counted_choices(grade) == (("number", "1"), ("number", "2"))
    assert counted_choices(alarm) == (("boolean", "true"), ("boolean", "false"))


def rollup_of(session: Session, scope: Organisation) -> str:
    """The roll-up statement of the dashboard of ``scope``, on one line."""
    query = WidgetQuery(session, DEFINITION["id"], subtree(scope.path))
    query.pin_subtree()
    numbers, counted = fields()
    with recorded_statements(session.get_bind()) as seen:
        record_widgets(query, True, numbers, counted, None)
    statements = [" ".join(statement.split()) for statement in seen]
    return next(s for s in statements if "AS figures" in s)


def test_sqlite_reads_a_small_scope_by_id_and_scans_for_a_large_one(
    db_session: Session, seeded_app: Any, orgs: dict[str, Organisation]
) -> None:
    if db_session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses itself (it estimates from the ids in the statement)")
    north = [("A00001", "2025-04", {"visits": 1})]
    south = [("A00003", f"2025-{month:02d}", {"visits": month}) for month in range(1, 10)]
    seeded_app(DEFINITION, north + south)
    # The North PCN holds 1 record in 10: read by id from the index.
    small = rollup_of(db_session, orgs["U00001"])
    assert "records.id IN (SELECT records.id FROM records WHERE records.app_id = ?" in small
    assert "records.app_id || ?" not in small
    # The place holds them all: the table is scanned (no index answers these comparisons).
    large = rollup_of(db_session, orgs["PLC01"])
    assert "(records.app_id || ?) = ?" in large
    assert "records.organisation_id + ? IN (SELECT organisations.id" in large
    assert "records.id IN" not in large


def test_postgresql_is_given_the_organisation_ids_and_groups_many_records_into_cells(
    db_session: Session,
    seeded_app: Any,
    orgs: dict[str, Organisation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite reads them from a subquery, and always groups into cells")
    rows = [*CHOICES_ONLY, ("A00002", "2025-05", {"role": "doctor", "grade": 3, "visits": 2})]
    seeded_app(DEFINITION, rows)
    statement = rollup_of(db_session, orgs["U00001"])
    ids = sorted(o.id for o in orgs.values() if o.path.startswith(orgs["U00001"].path))
    assert f"records.organisation_id IN ({', '.join(map(str, ids))})" in statement
    assert "WITH facts AS" in statement  # few records per organisation: grouped by branch
    by_record, _ = run(db_session, orgs)
    monkeypatch.setattr(scoped_records, "RECORDS_PER_ORGANISATION", 1)
    assert "JOIN organisations ON organisations.id = by_org.org AND" in rollup_of(
        db_session, orgs["U00001"]
    )
    by_cells, _ = run(db_session, orgs)
    assert by_cells == by_record
    assert by_cells["/role"]["data"]["counts"] == {"gp": 2, "nurse": 1, "doctor": 1}
