"""Period strings: the period before another, of every shape."""

from __future__ import annotations

import pytest
from miniapps.core.periods.keys import previous_period


@pytest.mark.parametrize(
    ("period", "before"),
    [
        ("2025-04", "2025-03"),
        ("2025-01", "2024-12"),
        ("2025-Q1", "2024-Q4"),
        ("2025-Q3", "2025-Q2"),
        ("2025", "2024"),
        ("2025-W01", "2024-W52"),
        ("2021-W01", "2020-W53"),  # 2020 had 53 ISO weeks
        ("2025-W10", "2025-W09"),
    ],
)
def test_previous_period(period: str, before: str) -> None:
    assert previous_period(period) == before


@pytest.mark.parametrize("period", ["", "April", "2025-13x", "2025-Wxx"])
def test_other_text_has_no_previous_period(period: str) -> None:
    assert previous_period(period) is None
