"""The indicator overview service: projection status, and organisations beneath a level
computed in grouped statements agreeing with each organisation's own results."""

from __future__ import annotations

from decimal import Decimal

import pytest
from miniapps.core.indicators.arithmetic import IndicatorSpec
from miniapps.services.indicators.overview import (
    NoIndicators,
    NotAnIndicatorLevel,
    indicator_overview,
    projection_status,
)
from miniapps.services.indicators.results import results_for
from miniapps.services.permissions import Access, Forbidden

from tests.web.test_indicator_pages import iif  # noqa: F401 (fixture)


def spec(direction: str) -> IndicatorSpec:
    low, high = ("0.65", "0.80") if direction == "higher" else ("0.40", "0.20")
    return IndicatorSpec("X", "X", Decimal(low), Decimal(high), direction, Decimal(10))


@pytest.mark.parametrize(
    ("direction", "projected", "status"),
    [
        ("higher", 0.80, "on_track"),
        ("higher", 0.95, "on_track"),
        ("higher", 0.7999, "at_risk"),
        ("higher", 0.65, "at_risk"),
        ("higher", 0.6499, "will_miss"),
        ("lower", 0.20, "on_track"),
        ("lower", 0.05, "on_track"),
        ("lower", 0.30, "at_risk"),
        ("lower", 0.40, "at_risk"),
        ("lower", 0.41, "will_miss"),
        ("higher", None, None),
    ],
)
def test_projection_status(direction: str, projected: float | None, status: str | None) -> None:
    assert projection_status(spec(direction), projected) == status


def test_organisations_beneath_agree_with_their_own_results(db_session, users, orgs, iif) -> None:  # noqa: F811
    access = Access(users["platform_admin"])
    for ods in ("U00001", "PLC01", "QWE"):
        overview = indicator_overview(db_session, access, iif, orgs[ods], "2025-06")
        for item in [*overview.children, *overview.pcns]:
            own = results_for(db_session, access, iif, item.org, "2025-06")
            assert [item.results[r.spec.code].as_json() for r in own] == [
                r.as_json() for r in own
            ], item.org.ods
    icb = indicator_overview(db_session, access, iif, orgs["QWE"], "2025-06")
    assert [c.org.ods for c in icb.children] == ["PLC01"]
    assert [p.org.ods for p in icb.pcns] == ["U00001", "U00002"]
    assert icb.totals["earned"] == Decimal("1212.51")


def test_refusals(db_session, users, orgs, iif, fridge_app) -> None:  # noqa: F811
    admin = Access(users["platform_admin"])
    with pytest.raises(NotAnIndicatorLevel):
        indicator_overview(db_session, admin, iif, orgs["LA001"], "2025-06")
    with pytest.raises(NoIndicators):
        indicator_overview(db_session, admin, fridge_app, orgs["A00001"], "2025-06")
    with pytest.raises(Forbidden):
        practice = Access(users["practice_manager"])
        indicator_overview(db_session, practice, iif, orgs["A00002"], "2025-06")
