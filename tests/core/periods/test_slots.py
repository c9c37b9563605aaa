"""The slot a new record takes: its period, unless the app keeps several per period."""

from __future__ import annotations

from miniapps.core.periods.slots import holds_one_per_period, period_slot


def test_a_periodic_app_holds_one_record_per_period() -> None:
    assert holds_one_per_period({"frequency": "monthly"})
    assert period_slot({"frequency": "monthly"}, "2025-11") == "2025-11"


def test_several_per_period_and_apps_without_periods_take_no_slot() -> None:
    assert period_slot({"frequency": "monthly", "several": True}, "2025-11") is None
    assert period_slot({"frequency": "none"}, None) is None
    assert period_slot(None, None) is None
    assert not holds_one_per_period({"frequency": "weekly", "several": True})
