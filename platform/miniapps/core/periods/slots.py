"""One record per organisation and period: the slot a new record takes.

A periodic app holds at most one live record per organisation and period, unless its
``period`` member declares ``"several": true`` (a daily fridge log kept by month). The
record that holds a period carries it in ``period_slot``; the database refuses a second
holder, so two racing requests cannot both win.
"""

from __future__ import annotations

from typing import Any


def holds_one_per_period(period_spec: dict[str, Any] | None) -> bool:
    """Whether an app with this ``period`` member holds one record per organisation and
    period: it is periodic and does not declare ``"several": true``."""
    spec = period_spec or {}
    return spec.get("frequency", "none") != "none" and not spec.get("several", False)


def period_slot(period_spec: dict[str, Any] | None, period: str | None) -> str | None:
    """The slot a record for ``period`` takes: the period itself for an app that holds one
    record per period, else None (any number of records may share a period)."""
    return period if period and holds_one_per_period(period_spec) else None
