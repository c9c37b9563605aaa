"""The ``duration`` widget: days to the first time records reached a state, from the audit
trail; hand-checked figures from ``tests/dashboard_widgets_data.py`` on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from miniapps.core.dashboards.durations import Durations, days_between
from miniapps.models import App, Organisation, User
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.dashboards.durations import moved_into
from miniapps.services.permissions import Access
from sqlalchemy.orm import Session

from tests.dashboard_widgets_data import OPEN_SUBMITTED, seed_incidents

NOTHING = {"count": 0, "median_days": None, "max_days": None}


@pytest.fixture
def incidents(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return seed_incidents(db_session, orgs)


def durations(
    db_session: Session, user: User, app: App, org: Organisation | None
) -> tuple[dict[str, Any], datetime]:
    before = datetime.now(UTC)
    result = app_dashboard(db_session, Access(user), app, org)
    return {w["id"]: w for w in result["widgets"]}, before


def ages(starts: list[datetime], now: datetime) -> list[float]:
    return sorted(days_between(start, now) for start in starts)


def test_figures_arithmetic() -> None:
    figures = Durations(done=[10.0, 1.0, 5.0, 58 / 24], open=[3.0]).figures()
    # Sorted 1.0, 2.4167, 5.0, 10.0: the median is the middle pair's mean, the 90th
    # percentile is at rank 2.7, 70 % of the way from 5.0 to 10.0.
    assert figures == {
        "count": 4,
        "median_days": 3.7,
        "p90_days": 8.5,
        "open": {"count": 1, "median_days": 3.0, "max_days": 3.0},
    }
    assert Durations().figures() == {
        "count": 0,
        "median_days": None,
        "p90_days": None,
        "open": NOTHING,
    }


def test_moved_into_reads_the_status_change() -> None:
    assert moved_into([{"pointer": "/status", "old": "triage", "new": "closed"}], "closed")
    assert not moved_into(
        [{"pointer": "/status", "old": "submitted", "new": "withdrawn"}], "closed"
    )
    assert not moved_into([{"pointer": "/kind", "old": None, "new": "closed"}], "closed")
    assert not moved_into(None, "closed")


def test_time_to_close(
    db_session: Session, incidents: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got, now = durations(db_session, users["icb_viewer"], incidents, orgs["PLC01"])
    widget = got["to_close"]
    assert (widget["type"], widget["title"]) == ("duration", "Time to close")
    data = widget["data"]
    opened = data.pop("open")
    # R1 5.0, R2 2.4167 (23:30 on 31 January to 09:30 on 3 February), R3 10.0 and R7 1.0
    # (its first close; it was reopened and closed again). R5's "close" led to withdrawn
    # (final): neither closed nor open. R4 and R8 are not closed yet.
    assert data == {
        "from": "submitted",
        "to": "closed",
        "state_title": "Closed",
        "group_by": None,
        "count": 4,
        "median_days": 3.7,
        "p90_days": 8.5,
        "groups": [],
    }
    assert opened["count"] == 2
    expected = ages(OPEN_SUBMITTED, now)
    assert opened["max_days"] == pytest.approx(round(expected[-1], 1), abs=0.11)
    assert opened["median_days"] == pytest.approx(round(sum(expected) / 2, 1), abs=0.11)


def test_by_month_from_created(
    db_session: Session, incidents: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got, now = durations(db_session, users["icb_viewer"], incidents, orgs["PLC01"])
    data = got["to_close_by_month"]["data"]
    assert (data["from"], data["group_by"]) == ("created", "month")
    # Created a day before submission: 6.0, 3.4167, 11.0 and 2.0 days.
    assert (data["count"], data["median_days"], data["p90_days"]) == (4, 4.7, 9.5)
    groups = {g["key"]: g for g in data["groups"]}
    assert list(groups) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    january = groups["2026-01"]
    assert (january["count"], january["median_days"], january["p90_days"]) == (2, 4.7, 5.7)
    assert january["open"] == NOTHING
    february = groups["2026-02"]  # R7 closed in a day; R8 still open
    assert (february["count"], february["median_days"], february["p90_days"]) == (1, 2.0, 2.0)
    r8 = days_between(OPEN_SUBMITTED[1] - timedelta(days=1), now)
    assert february["open"]["count"] == 1
    assert february["open"]["max_days"] == pytest.approx(round(r8, 1), abs=0.11)
    assert groups["2026-03"] == {
        "key": "2026-03",
        "label": "2026-03",
        "count": 0,
        "median_days": None,
        "p90_days": None,
        "open": NOTHING,
    }
    april = groups["2026-04"]  # R3 (submitted 00:30 BST on 1 April) and R4 open
    assert (april["count"], april["median_days"], april["open"]["count"]) == (1, 11.0, 1)


def test_by_org_with_where(
    db_session: Session, incidents: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got, _ = durations(db_session, users["icb_viewer"], incidents, orgs["PLC01"])
    data = got["to_close_by_org"]["data"]
    # Patient safety events only: North PCN R1 5.0, R2 2.4167, R7 1.0; South PCN R4 open.
    assert (data["count"], data["median_days"], data["p90_days"]) == (3, 2.4, 4.5)
    north, south = data["groups"]
    assert (north["key"], north["label"], north["count"]) == ("U00001", "North PCN", 3)
    assert (north["median_days"], north["p90_days"], north["open"]) == (2.4, 4.5, NOTHING)
    assert (south["key"], south["count"], south["open"]["count"]) == ("U00002", 0, 1)


def test_scope_of_the_reader(
    db_session: Session, incidents: App, orgs: dict[str, Organisation], users: dict[str, User]
) -> None:
    got, _ = durations(db_session, users["practice_manager"], incidents, orgs["A00001"])
    data = got["to_close"]["data"]
    assert (data["count"], data["median_days"], data["open"]["count"]) == (2, 3.7, 0)
    # Nothing below a practice to group by.
    assert got["to_close_by_org"]["data"]["groups"] == []
