"""Property-based checks of the indicator arithmetic (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from miniapps.core.indicators.arithmetic import (
    Counts,
    IndicatorResult,
    IndicatorSpec,
    indicator_result,
)
from miniapps.core.indicators.planning import rollup


@st.composite
def specs(draw: st.DrawFn) -> IndicatorSpec:
    """Indicators with thresholds in whole percent, as IIF publishes them."""
    low, high = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2, unique=True)))
    direction = draw(st.sampled_from(["higher", "lower"]))
    if direction == "lower":
        low, high = high, low
    return IndicatorSpec.from_json(
        {
            "code": "X-01",
            "title": "Property",
            "numerator": "/n",
            "denominator": "/d",
            "lower_threshold": low / 100,
            "upper_threshold": high / 100,
            "direction": direction,
            "max_points": draw(st.integers(1, 100)),
            "value_per_point": float(draw(st.decimals("0", "500", places=2))),
        }
    )


@st.composite
def counts(draw: st.DrawFn, denominator: int | None = None) -> Counts:
    den = denominator if denominator is not None else draw(st.integers(1, 20000))
    return Counts(draw(st.integers(0, den)), den)


def _meets(spec: IndicatorSpec, result: IndicatorResult, threshold: Decimal) -> bool:
    assert result.achievement is not None
    if spec.direction == "higher":
        return result.achievement >= Fraction(threshold)
    return result.achievement <= Fraction(threshold)


@settings(deadline=None)
@given(specs(), st.integers(1, 5000), st.data())
def test_points_are_monotone_in_achievement(spec: IndicatorSpec, den: int, data) -> None:
    low, high = sorted(data.draw(st.lists(st.integers(0, den), min_size=2, max_size=2)))
    worse, better = (low, high) if spec.direction == "higher" else (high, low)
    first = indicator_result(spec, Counts(worse, den))
    second = indicator_result(spec, Counts(better, den))
    assert first.exact_points <= second.exact_points
    assert first.earned is not None and second.earned is not None
    assert first.earned <= second.earned


@settings(deadline=None)
@given(specs(), counts())
def test_bounds_and_money_consistency(spec: IndicatorSpec, given_counts: Counts) -> None:
    result = indicator_result(spec, given_counts)
    assert 0 <= result.exact_points <= Fraction(spec.max_points)
    assert 0 <= result.points <= spec.max_points
    assert result.earned is not None and result.potential is not None
    assert result.remaining is not None and result.remaining >= 0
    assert result.earned <= result.potential
    assert result.earned + result.remaining == result.potential
    assert result.earned.as_tuple().exponent == -2  # to the penny


@settings(deadline=None)
@given(specs(), counts())
def test_patients_needed_are_exact_and_minimal(spec: IndicatorSpec, given_counts: Counts) -> None:
    result = indicator_result(spec, given_counts)
    num, den = given_counts.numerator, given_counts.denominator
    for threshold, needed in (
        (spec.upper_threshold, result.to_upper),
        (spec.lower_threshold, result.to_lower),
    ):
        assert needed is not None and needed >= 0
        assert (needed == 0) == _meets(spec, result, threshold)
        # Integer arithmetic on whole percent: threshold = k / 100
        k = int(threshold * 100)
        gap = k * den - 100 * num if spec.direction == "higher" else 100 * num - k * den
        assert needed == max(0, -(-gap // 100))
        step = 1 if spec.direction == "higher" else -1
        moved = indicator_result(spec, Counts(num + step * needed, den))
        assert _meets(spec, moved, threshold)
    assert (result.to_upper == 0) == (result.rag == "green")


@settings(deadline=None)
@given(specs(), counts())
def test_rag_matches_thresholds(spec: IndicatorSpec, given_counts: Counts) -> None:
    result = indicator_result(spec, given_counts)
    if _meets(spec, result, spec.upper_threshold):
        assert result.rag == "green" and result.exact_points == Fraction(spec.max_points)
    elif _meets(spec, result, spec.lower_threshold):
        assert result.rag == "amber" and not result.below_lower
    else:
        assert result.rag == "red" and result.below_lower and result.exact_points == 0


@settings(deadline=None)
@given(specs(), st.lists(counts(), min_size=1, max_size=6))
def test_rollup_achievement_is_summed_counts(spec: IndicatorSpec, parts: list[Counts]) -> None:
    total = rollup(parts)
    result = indicator_result(spec, total)
    expected = Fraction(sum(c.numerator for c in parts), sum(c.denominator for c in parts))
    assert result.achievement == expected


@settings(deadline=None)
@given(specs(), counts())
def test_money_is_exact_from_unrounded_points(spec: IndicatorSpec, given_counts: Counts) -> None:
    result = indicator_result(spec, given_counts)
    assert spec.value_per_point is not None and result.earned is not None
    exact = result.exact_points * Fraction(spec.value_per_point)
    assert abs(Fraction(result.earned) - exact) <= Fraction(1, 200)


@given(
    st.lists(
        st.tuples(st.integers(0, 500), st.integers(1, 500)),
        min_size=1,
        max_size=12,
    )
)
def test_cumulative_projection_is_a_fraction_at_least_the_latest(rows) -> None:
    from miniapps.core.indicators.planning import project_cumulative

    months = [f"{2025 + (3 + i) // 12}-{(3 + i) % 12 + 1:02d}" for i in range(len(rows))]
    monthly = [(m, min(n, d), d) for m, (n, d) in zip(months, rows, strict=True)]
    projected = project_cumulative(monthly)
    assert projected is not None and 0 <= projected <= 1
    _, numerator, denominator = monthly[-1]
    assert projected >= numerator / denominator - 1e-12
