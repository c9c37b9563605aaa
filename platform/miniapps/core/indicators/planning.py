"""Indicators up the tree and over the year: rollup, money above PCN, year-end
projection, easy wins and missed opportunities.

Pure and Flask-free, built on the arithmetic of :mod:`miniapps.core.indicators.arithmetic`:

- :func:`rollup` sums counts (PCN and above are computed from sums, never a mean of
  percentages) and :func:`with_money_of` makes the £ figures above PCN level the sums of
  each PCN's own (IIF money is paid to PCNs);
- :func:`project_year_end` fits a least-squares line through the monthly achievements
  and reads it at the end of the financial year (April-March); :func:`project_cumulative`
  extends the numerator at its rate so far, for activity that builds up over the year;
- :func:`easy_wins` ranks indicators by £ per patient still needed;
- :func:`missed_opportunities` is the £ the projection says will not be earned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from miniapps.core.indicators.arithmetic import (
    Counts,
    IndicatorResult,
    points_for,
    pounds,
    threshold_span,
)

QUICK_WIN_PATIENTS = 5  # "a handful of patients" reaches the next threshold


def rollup(counts_list: Iterable[Counts]) -> Counts:
    """Sum counts (PCN and above are computed from sums, never a mean of percentages).

    The list size is the sum only when every part has one (else unknown: ``None``).
    """
    parts = list(counts_list)
    sizes = [c.list_size for c in parts]
    return Counts(
        numerator=sum(c.numerator for c in parts),
        denominator=sum(c.denominator for c in parts),
        exclusions=sum(c.exclusions for c in parts),
        list_size=sum(s for s in sizes if s is not None) if None not in sizes and parts else None,
    )


def _total(amounts: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of ``amounts`` from 0.00, or None when any of them is None."""
    total = Decimal("0.00")
    for amount in amounts:
        if amount is None:
            return None
        total += amount
    return total


def with_money_of(result: IndicatorResult, parts: Sequence[IndicatorResult]) -> IndicatorResult:
    """``result`` (from summed counts) with its £ figures replaced by the sums over ``parts``
    (the PCNs beneath a Place or ICB: IIF money is paid to PCNs)."""
    earned = _total(p.earned for p in parts)
    potential = _total(p.potential for p in parts)
    if result.potential is None or earned is None or potential is None:
        return result
    exact = sum((p.exact_potential or Fraction(0) for p in parts), Fraction(0))
    per_patient = result.value_per_patient
    if result.rag in ("red", "amber"):
        per_patient = pounds(exact / (threshold_span(result.spec) * result.counts.denominator))
    return replace(
        result,
        earned=earned,
        potential=potential,
        remaining=potential - earned,
        value_per_patient=per_patient,
        adjustment_applied=all(p.adjustment_applied for p in parts),
        exact_potential=exact,
    )


def _month_index(period: str) -> int:
    """``2025-04`` → months since year 0 (raises ValueError on another shape)."""
    year, month = period.split("-")
    if len(year) != 4 or not 1 <= int(month) <= 12 or len(month) != 2:
        raise ValueError(f"not a month period: {period!r}")
    return int(year) * 12 + int(month) - 1


def financial_year_end(period: str) -> str:
    """The March that ends the financial year (April-March) containing ``period``."""
    index = _month_index(period)
    year = index // 12 + (1 if index % 12 >= 3 else 0)
    return f"{year:04d}-03"


def project_year_end(
    monthly: Sequence[tuple[str, Fraction | float | None]], fy_end: str | None = None
) -> float | None:
    """Achievement projected to ``fy_end`` (``YYYY-03``; default: the end of the financial
    year of the latest month) by a least-squares line through the monthly achievements,
    clamped to [0, 1]. None with fewer than two months that have an achievement."""
    points = [(_month_index(p), Fraction(a)) for p, a in monthly if a is not None]
    xs = {x for x, _ in points}
    if len(xs) < 2:
        return None
    end = _month_index(fy_end or financial_year_end(max(p for p, _ in monthly)))
    n = len(points)
    mean_x = Fraction(sum(x for x, _ in points), n)
    mean_y = sum((y for _, y in points), Fraction(0)) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum(
        (x - mean_x) ** 2 for x, _ in points
    )
    projected = mean_y + slope * (end - mean_x)
    return float(min(max(projected, Fraction(0)), Fraction(1)))


def project_cumulative(
    monthly: Sequence[tuple[str, int, int]], fy_end: str | None = None
) -> float | None:
    """Achievement projected to ``fy_end`` for activity that builds up over the year (a
    health check done in May still counts in March): the numerator keeps growing at its
    average monthly rate since the year began, over the latest denominator; clamped to
    [0, 1]. ``monthly`` is ``(period, numerator, denominator)``. None without a month that
    has a denominator."""
    known = [(p, n, d) for p, n, d in monthly if d > 0]
    if not known:
        return None
    period, numerator, denominator = max(known)
    end = _month_index(fy_end or financial_year_end(period))
    elapsed = _month_index(period) - (end - 12)  # months of the year so far, 1..12
    rate = Fraction(numerator, max(elapsed, 1))
    projected = (numerator + rate * (end - _month_index(period))) / Fraction(denominator)
    return float(min(max(projected, Fraction(0)), Fraction(1)))


def easy_wins(results: Iterable[IndicatorResult]) -> list[dict[str, Any]]:
    """Indicators not yet green ranked by £ gained per patient still needed, best first.

    The gain is the £ remaining (earned in full at the upper threshold) over the patients
    needed to reach it: below the lower threshold the first patients earn nothing alone,
    so an average over the whole way is the fair rate. ``quick_win`` flags those where at
    most :data:`QUICK_WIN_PATIENTS` patients reach the *next* threshold (lower if below it).
    Indicators without £ figures or nothing remaining are left out.
    """
    wins = []
    for result in results:
        if result.rag not in ("red", "amber") or not result.remaining or not result.to_upper:
            continue
        next_needed = result.to_lower if result.below_lower else result.to_upper
        wins.append(
            {
                "code": result.spec.code,
                "title": result.spec.title,
                "rag": result.rag,
                "next_threshold": "lower" if result.below_lower else "upper",
                "patients_to_next": next_needed,
                "patients_to_upper": result.to_upper,
                "gain": float(result.remaining),
                "gain_per_patient": float(pounds(Fraction(result.remaining) / result.to_upper)),
                "quick_win": next_needed is not None and next_needed <= QUICK_WIN_PATIENTS,
            }
        )
    return sorted(wins, key=lambda w: (-w["gain_per_patient"], w["patients_to_next"], w["code"]))


def missed_opportunities(
    results: Iterable[IndicatorResult], projections: Mapping[str, float | None]
) -> list[dict[str, Any]]:
    """£ the year-end projection says will not be earned, by indicator, largest first.

    ``projections`` maps indicator codes to projected achievement (see
    :func:`project_year_end`). ``missed = potential - £ earned at the projected
    achievement``; it can exceed today's ``remaining`` when the trend is falling.
    """
    missed = []
    for result in results:
        projected = projections.get(result.spec.code)
        if projected is None or result.potential is None or result.exact_potential is None:
            continue
        # The float's shortest text: 0.8 must read as exactly 0.8, not 0.8000000000000000444.
        share = points_for(result.spec, Fraction(repr(projected))) / Fraction(
            result.spec.max_points
        )
        projected_earned = pounds(result.exact_potential * share)
        lost = result.potential - projected_earned
        if lost > 0:
            missed.append(
                {
                    "code": result.spec.code,
                    "title": result.spec.title,
                    "projected_achievement": projected,
                    "projected_earned": float(projected_earned),
                    "missed": float(lost),
                }
            )
    return sorted(missed, key=lambda m: (-m["missed"], m["code"]))
