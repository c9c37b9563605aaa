"""Plausible monthly indicator figures for one practice over one financial year (demo data).

Pure: no database. Each practice gets a list size; each indicator a denominator rate
(from the year set's ``national_prevalence`` when it gives one) and a *course*: where
achievement starts and ends in the year, in threshold units (0 is the lower threshold,
1 the upper, whatever the direction), so courses read the same for higher- and
lower-is-better indicators. Indicators are biased in turn towards green, amber and red
so that a PCN or ICB total shows all three; practices vary around that (a shared skill,
their own noise), some improve through the year and a few slip. Accumulating indicators
build up from near 0 in April towards their year-end achievement.

Every random draw is seeded by the app id, practice, year and indicator, so figures do
not depend on the order they are asked for. Numerators never exceed denominators.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

from miniapps.core.indicators.arithmetic import IndicatorSpec
from miniapps.core.indicators.year_sets import YearSet

LIST_SIZE = (4000, 22000)
MONTHLY_LIST_GROWTH = (-0.001, 0.003)
DEFAULT_RATE = (0.005, 0.025)  # eligible patients per registered patient, without a prevalence
PRACTICE_RATE_SPREAD = (0.7, 1.3)
EXCLUSION_SHARE = (0.01, 0.06)
# Year-end position of an indicator's practices on average, in threshold units, taken in
# turn: green, amber, red.
CENTRES = (1.4, 0.45, -0.5)
ACCUMULATING_CENTRES = (1.25, 0.4)
PRACTICE_SKILL_SD = 0.45
INDICATOR_NOISE_SD = 0.5
MONTH_NOISE_SD = 0.07
IMPROVING, SLIPPING = 0.25, 0.1  # shares of courses (practice by indicator)
LOWEST, HIGHEST = 0.01, 0.98  # achievement kept within


@dataclass(frozen=True)
class Course:
    """One practice's year on one indicator."""

    start: float  # position in April, threshold units
    end: float  # position in March
    rate: float  # denominator per registered patient
    exclusion_share: float
    shape: float  # accumulating: 1 spreads activity evenly, above 1 leaves it late


@dataclass(frozen=True)
class MonthFigures:
    numerator: int
    denominator: int
    exclusions: int


def seeded(*parts: object) -> random.Random:
    return random.Random(":".join(["miniapps-demo", *map(str, parts)]))


def list_sizes(app_id: str, ods: str, months: int) -> list[int]:
    """A practice's list size for each of ``months`` consecutive months (slow drift)."""
    rng = seeded(app_id, ods, "list")
    base, growth = rng.randint(*LIST_SIZE), rng.uniform(*MONTHLY_LIST_GROWTH)
    return [round(base * (1 + growth * m)) for m in range(months)]


def indicator_centres(app_id: str, year_set: YearSet) -> dict[str, float]:
    """Each indicator's average year-end position: in turn green, amber, red (seeded order)."""
    centres: dict[str, float] = {}
    for accumulating, cycle in ((False, CENTRES), (True, ACCUMULATING_CENTRES)):
        codes = [c for c in year_set.codes if (c in year_set.accumulating) == accumulating]
        seeded(app_id, year_set.year, accumulating).shuffle(codes)
        centres |= {code: cycle[i % len(cycle)] for i, code in enumerate(codes)}
    return centres


def course(
    app_id: str,
    year_set: YearSet,
    spec: IndicatorSpec,
    ods: str,
    centre: float,
    carried: float | None = None,
) -> Course:
    """The practice's course on ``spec`` this year; ``carried`` is where it ended last
    year (an indicator that does not accumulate starts the year from there)."""
    skill = seeded(app_id, ods, "skill").gauss(0, PRACTICE_SKILL_SD)
    rng = seeded(app_id, ods, year_set.year, spec.code)
    end = centre + skill + rng.gauss(0, INDICATOR_NOISE_SD)
    kind = rng.random()
    if spec.code in year_set.accumulating:
        start = end
    elif carried is not None:
        start = carried + rng.gauss(0, 0.1)
    elif kind < IMPROVING:
        start = end - rng.uniform(0.9, 1.8)
    elif kind < IMPROVING + SLIPPING:
        start = end + rng.uniform(0.4, 0.9)
    else:
        start = end + rng.gauss(0, 0.25)
    if spec.national_prevalence is not None:
        rate = float(spec.national_prevalence) * rng.uniform(*PRACTICE_RATE_SPREAD)
    else:
        rate = seeded(app_id, spec.code, "rate").uniform(*DEFAULT_RATE)
        rate *= rng.uniform(*PRACTICE_RATE_SPREAD)
    return Course(start, end, rate, rng.uniform(*EXCLUSION_SHARE), rng.uniform(0.8, 1.4))


def achievement_at(spec: IndicatorSpec, position: float) -> float:
    """The achievement at a position in threshold units, kept within (0, 1)."""
    low, high = float(spec.lower_threshold), float(spec.upper_threshold)
    return min(max(low + position * (high - low), LOWEST), HIGHEST)


def year_figures(
    app_id: str,
    year_set: YearSet,
    ods: str,
    sizes: list[int],
    previous: YearSet | None = None,
) -> dict[str, list[MonthFigures]]:
    """Figures per indicator code for the months of the year (April first) whose list
    sizes are given (``sizes[i]`` is month ``i``'s). An indicator that was in the
    ``previous`` year's set carries on from where it ended."""
    centres = indicator_centres(app_id, year_set)
    out: dict[str, list[MonthFigures]] = {}
    for spec in year_set.specs:
        carried = _last_year_end(app_id, previous, spec.code, ods)
        path = course(app_id, year_set, spec, ods, centres[spec.code], carried)
        rng = seeded(app_id, ods, year_set.year, spec.code, "months")
        accumulates = spec.code in year_set.accumulating
        months: list[MonthFigures] = []
        for i, size in enumerate(sizes):
            denominator = max(0, round(size * path.rate * (1 + rng.gauss(0, 0.015))))
            if accumulates:
                done = ((i + 1) / 12) ** path.shape * (1 + rng.gauss(0, 0.03))
                target = achievement_at(spec, path.end) * min(max(done, 0.0), 1.0)
            else:
                position = path.start + (path.end - path.start) * i / 11
                target = achievement_at(spec, position + rng.gauss(0, MONTH_NOISE_SD))
            numerator = min(denominator, round(target * denominator))
            if accumulates and months:  # activity done stays done
                numerator = min(denominator, max(numerator, months[-1].numerator))
            exclusions = round(denominator * path.exclusion_share * rng.uniform(0.8, 1.2))
            months.append(MonthFigures(numerator, denominator, exclusions))
        out[spec.code] = months
    return out


def _last_year_end(app_id: str, previous: YearSet | None, code: str, ods: str) -> float | None:
    spec = previous.spec(code) if previous else None
    if previous is None or spec is None or code in previous.accumulating:
        return None
    centre = indicator_centres(app_id, previous)[code]
    return course(app_id, previous, spec, ods, centre).end


def gap_to_next_threshold(spec: IndicatorSpec, figures: MonthFigures) -> int:
    """Patients to reach the next threshold (0 once green): for lower-is-better
    indicators, those to come off the numerator. Exact arithmetic."""
    num, den = figures.numerator, figures.denominator
    if den == 0:
        return 0
    low, high = Fraction(spec.lower_threshold), Fraction(spec.upper_threshold)
    if spec.direction == "higher":
        threshold = low if Fraction(num, den) < low else high
        return max(0, math.ceil(threshold * den - num))
    threshold = low if Fraction(num, den) > low else high
    return max(0, math.ceil(num - threshold * den))
