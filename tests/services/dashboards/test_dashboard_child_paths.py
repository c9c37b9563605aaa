"""The roll-up finds the child organisation above each record from the record's own path
when the children to compare are one level below the dashboard's organisation (no join
to the children), and joins them otherwise; both give the per-kind builders' figures, in
one statement."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.schema_fields import iter_fields
from miniapps.models import App, Organisation
from miniapps.models.organisation import subtree
from miniapps.services.dashboards import rollup, rollup_sql
from miniapps.services.dashboards.trends import (
    Breakdown,
    build_numbers_by_org,
    build_records_by_org,
)
from miniapps.services.dashboards.widgets import WidgetQuery, build_number_summaries
from sqlalchemy.orm import Session

from tests.statements import SAVEPOINTS, recorded_statements

DEFINITION: dict[str, Any] = {
    "id": "child_paths_test",
    "title": "Child paths test",
    "version": 1,
    "period": {"frequency": "monthly", "several": True},
    "schema": {
        "type": "object",
        "properties": {"visits": {"type": "integer"}, "role": {"enum": ["gp", "nurse"]}},
    },
}
# Records in practices, in a PCN itself and in the place itself (under no child).
ROWS = [
    ("A00001", "2025-04", {"visits": 3, "role": "gp"}),
    ("A00002", "2025-04", {"visits": 5}),
    ("A00003", "2025-05", {"visits": 7, "role": "nurse"}),
    ("A00004", "2025-05", {"visits": 1}),
    ("U00001", "2025-05", {"visits": 11}),
    ("PLC01", "2025-04", {"visits": 13, "role": "gp"}),
]


@pytest.fixture
def child_app(seeded_app: Any) -> App:
    return seeded_app(DEFINITION, ROWS)


def by_org_widgets(query: WidgetQuery, breakdown: Breakdown) -> dict[str, Any]:
    """``records#by_org`` and ``/visits#by_org`` from the roll-up, with the statements run."""
    fields = list(iter_fields(DEFINITION["schema"]))
    numbers = [f for f in fields if f.kind == "integer"]
    counted = [f for f in fields if f.kind == "enum"]
    with recorded_statements(query.session.get_bind(), skip=SAVEPOINTS) as statements:
        found = rollup.record_widgets(query, True, numbers, counted, breakdown)
    return {
        "statements": statements,
        "records#by_org": found["records#by_org"],
        "/visits#by_org": found["/visits#by_org"],
        "/role": found["/role"],
    }


def probes(session: Session) -> int:
    """SQLite asks first whether the scope holds much of the records table."""
    return 1 if session.get_bind().dialect.name == "sqlite" else 0


def reference(query: WidgetQuery, breakdown: Breakdown) -> dict[str, Any]:
    """The same widgets from the per-kind builders (which join the children)."""
    visits = next(f for f in iter_fields(DEFINITION["schema"]) if f.key == "visits")
    summary = build_number_summaries(query, [visits])[0]["data"]
    records = build_records_by_org(query, breakdown, 6)
    return {
        "records#by_org": records,
        "/visits#by_org": build_numbers_by_org(query, [(visits, summary)], breakdown)[0],
    }


def test_children_one_level_below_are_found_by_path(
    db_session: Session, child_app: App, orgs: dict[str, Organisation]
) -> None:
    place = Breakdown(orgs["PLC01"], [orgs["U00001"], orgs["U00002"]])
    assert rollup_sql.child_paths(place.parent, place.children) == {
        orgs["U00001"].path: orgs["U00001"].id,
        orgs["U00002"].path: orgs["U00002"].id,
    }
    query = WidgetQuery(db_session, DEFINITION["id"], subtree(orgs["PLC01"].path))
    found = by_org_widgets(query, place)
    assert len(found["statements"]) == 1 + probes(db_session)
    assert "child_org" not in found["statements"][-1]
    expected = reference(query, place)
    assert found["records#by_org"] == expected["records#by_org"]
    assert found["/visits#by_org"] == expected["/visits#by_org"]
    children = {c["ods"]: c["count"] for c in found["records#by_org"]["data"]["children"]}
    assert children == {"U00001": 3, "U00002": 2}  # the place's own record under neither
    assert found["/role"]["data"]["counts"] == {"gp": 2, "nurse": 1}


def test_children_further_down_are_joined(
    db_session: Session, child_app: App, orgs: dict[str, Organisation]
) -> None:
    """Children that are not one level below (here the ICB's grandchildren) are found by
    joining them, as before, with the same figures."""
    icb = Breakdown(orgs["QWE"], [orgs["U00001"], orgs["U00002"]])
    assert rollup_sql.child_paths(icb.parent, icb.children) == {}
    query = WidgetQuery(db_session, DEFINITION["id"], subtree(orgs["QWE"].path))
    found = by_org_widgets(query, icb)
    assert len(found["statements"]) == 1 + probes(db_session)
    assert "child_org" in found["statements"][-1]
    expected = reference(query, icb)
    assert found["records#by_org"] == expected["records#by_org"]
    assert found["/visits#by_org"] == expected["/visits#by_org"]


def test_path_and_join_give_the_same_widgets(
    db_session: Session,
    child_app: App,
    orgs: dict[str, Organisation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pcn = Breakdown(orgs["U00001"], [orgs["A00001"], orgs["A00002"]])
    place = Breakdown(orgs["PLC01"], [orgs["U00001"], orgs["U00002"]])
    for breakdown in (pcn, place):
        assert breakdown.parent is not None
        query = WidgetQuery(db_session, DEFINITION["id"], subtree(breakdown.parent.path))
        by_path = by_org_widgets(query, breakdown)
        with monkeypatch.context() as patched:
            patched.setattr(rollup, "child_paths", lambda parent, children: {})
            joined = by_org_widgets(query, breakdown)
        assert "child_org" in joined["statements"][-1]
        assert {k: v for k, v in by_path.items() if k != "statements"} == {
            k: v for k, v in joined.items() if k != "statements"
        }
