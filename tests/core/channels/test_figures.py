"""The channel dashboard's arithmetic: type 7 percentiles, and London months."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from miniapps.core.channels.figures import (
    Spread,
    hours_between,
    is_month,
    london_month,
    month_start,
    months_from_to,
    next_month,
    percentile,
)


def test_percentiles_interpolate_between_closest_ranks():
    values = [10, 1, 4, 3, 2]  # sorted: 1 2 3 4 10
    assert percentile(values, 0.5) == 3
    assert percentile(values, 0.9) == pytest.approx(7.6)  # rank 3.6: 4 + 0.6 * 6
    assert percentile(values, 0) == 1
    assert percentile(values, 1) == 10
    assert percentile([1, 2, 3, 4], 0.5) == 2.5  # the mean of the two middle values
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


def test_a_fraction_outside_0_to_1_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1], 90)


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40))
def test_percentiles_agree_with_the_statistics_module(values):
    # statistics.quantiles(method="inclusive") is the same type 7 definition.
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    assert percentile(values, 0.9) == pytest.approx(deciles[8], abs=1e-6)
    assert percentile(values, 0.5) == pytest.approx(statistics.median(values), abs=1e-6)


def test_spread_counts_and_rounds():
    assert Spread.of([1, 2, 3, 4, 10]) == Spread(5, 3, 7.6)
    assert Spread.of([1 / 3]) == Spread(1, 0.33, 0.33)
    assert Spread.of([]) == Spread(0, None, None)


def test_hours_between_reads_naive_values_as_utc():
    start = datetime(2026, 6, 1, 9, 0)
    assert hours_between(start, datetime(2026, 6, 1, 10, 30, tzinfo=UTC)) == 1.5


def test_london_months_follow_summer_time():
    assert london_month(datetime(2026, 5, 31, 23, 30, tzinfo=UTC)) == "2026-06"  # 00:30 BST
    assert london_month(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == "2026-01"  # GMT
    assert month_start("2026-06") == datetime(2026, 5, 31, 23, 0, tzinfo=UTC)
    assert month_start("2026-01") == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


def test_month_keys():
    assert is_month("2026-04") and not is_month("2026-13") and not is_month("April")
    with pytest.raises(ValueError, match="2026-04"):
        month_start("2026-4")
    assert next_month("2026-12") == "2027-01"
    assert months_from_to("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months_from_to("2026-05", "2026-04") == []
