"""Indicator arithmetic (IIF-style): achievement, points, money, RAG, patients needed.

Pure and Flask-free; ``docs/domain`` (IIF) is the specification. Everything is exact:
counts are integers and thresholds, points and pounds are rationals
(:class:`~fractions.Fraction`) built from the *decimal text* of the JSON numbers, so
``0.55 * 100`` is exactly 55. Only the output is rounded:

- ``achievement``: a float fraction, unrounded (the float nearest the exact ratio, so it
  compares with a threshold as the exact value does); RAG is decided on exact values;
- ``points``: 2 dp; money is computed from the *unrounded* points;
- money (``earned``, ``potential``, ``value_per_patient``): to the penny, ROUND_HALF_UP;
  ``remaining = potential - earned`` after rounding, so the three figures add up.

Choices where the arithmetic is silent:

- zero denominator: achievement ``None``, rag ``none``, 0 points and every £ figure 0;
  ``to_lower``/``to_upper``/``value_per_patient`` are ``None`` (nothing can be done);
- ``value_per_patient``: £ per extra patient between the thresholds; below the lower
  threshold, what each earns *once it is reached* (``below_lower``); 0 once green;
- no £ per point anywhere: every £ figure is ``None``;
- an adjustment whose inputs are missing (list size, national average list size,
  national prevalence) is not applied, and ``adjustment_applied`` says so. For
  ``list_size_and_prevalence`` the list size cancels out: (L / N) * (den / L) / P =
  den / (N * P), so only the national figures are needed.

Up the tree (:func:`rollup`, :func:`with_money_of`), projection, easy wins and missed
opportunities are in :mod:`miniapps.core.indicators.planning`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.core.pointers import pointer_join

DIRECTIONS = ("higher", "lower")
ADJUSTMENTS = ("none", "list_size", "list_size_and_prevalence")
PENNY = Decimal("0.01")


def json_decimal(value: Any) -> Decimal | None:
    """A JSON number as an exact Decimal of its shortest decimal text (None if not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, Decimal) else Decimal(repr(value))


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator's parameters (from a definition's ``indicators`` or a year data file)."""

    code: str
    title: str
    lower_threshold: Decimal
    upper_threshold: Decimal
    direction: str
    max_points: Decimal
    value_per_point: Decimal | None = None
    adjustment: str = "none"
    national_prevalence: Decimal | None = None
    numerator: str = ""  # field pointers into record data
    denominator: str = ""
    exclusions: str | None = None
    list_size: str | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], at: str = "") -> IndicatorSpec:
        """Parse and check one indicator; every problem is an :class:`Issue` under ``at``.

        Year data is not checked by the meta-schema, so this refuses bad values itself:
        thresholds outside 0..1 or in the wrong order for the direction, ``max_points`` ≤ 0,
        negative £ per point, a national prevalence outside (0, 1], unknown members' values.
        """
        issues: list[Issue] = []

        def bad(member: str, message: str) -> None:
            issues.append(Issue(pointer_join(at, member), message, "indicator"))

        def text(member: str, required: bool = True) -> str | None:
            value = raw.get(member)
            if value is None and not required:
                return None
            if not isinstance(value, str) or not value.strip():
                bad(member, "is required" if value is None else "must be a non-empty string")
                return None
            return value

        def number(member: str, required: bool = True) -> Decimal | None:
            if member not in raw and not required:
                return None
            value = json_decimal(raw.get(member))
            if value is None:
                bad(member, "is required" if member not in raw else "must be a number")
            return value

        code, title = text("code"), text("title")
        for member in ("numerator", "denominator", "exclusions", "list_size"):
            pointer = text(member, required=member in ("numerator", "denominator"))
            if pointer is not None and not pointer.startswith("/"):
                bad(member, "must be a field pointer such as /reading")
        low, high = number("lower_threshold"), number("upper_threshold")
        for member, value in (("lower_threshold", low), ("upper_threshold", high)):
            if value is not None and not 0 <= value <= 1:
                bad(member, "must be a fraction from 0 to 1")
        direction = raw.get("direction")
        if direction not in DIRECTIONS:
            bad("direction", "must be one of: higher, lower")
        elif low is not None and high is not None:
            if direction == "higher" and not low < high:
                bad("upper_threshold", "must be greater than lower_threshold when higher is better")
            if direction == "lower" and not low > high:
                bad("upper_threshold", "must be less than lower_threshold when lower is better")
        max_points = number("max_points")
        if max_points is not None and max_points <= 0:
            bad("max_points", "must be greater than 0")
        per_point = number("value_per_point", required=False)
        if per_point is not None and per_point < 0:
            bad("value_per_point", "must be at least 0")
        adjustment = raw.get("adjustment", "none")
        if adjustment not in ADJUSTMENTS:
            bad("adjustment", "must be one of: " + ", ".join(ADJUSTMENTS))
        prevalence = number("national_prevalence", required=False)
        if prevalence is not None and not 0 < prevalence <= 1:
            bad("national_prevalence", "must be a fraction greater than 0 and at most 1")
        if issues:
            raise DefinitionInvalid(issues)
        # Without issues every required number was given (number() reports a missing one).
        assert low is not None and high is not None and max_points is not None
        return cls(
            code=str(code),
            title=str(title),
            lower_threshold=low,
            upper_threshold=high,
            direction=str(direction),
            max_points=max_points,
            value_per_point=per_point,
            adjustment=str(adjustment),
            national_prevalence=prevalence,
            numerator=str(raw["numerator"]),
            denominator=str(raw["denominator"]),
            exclusions=raw.get("exclusions"),
            list_size=raw.get("list_size"),
        )


@dataclass(frozen=True)
class Counts:
    """Summed counts for one indicator; ``denominator`` is already net of exclusions."""

    numerator: int
    denominator: int
    exclusions: int = 0
    list_size: int | None = None


def pounds(amount: Fraction) -> Decimal:
    """An exact amount to 2 dp, half up (away from zero), by integer arithmetic: rounding
    Decimal's 28-digit quotient instead could round twice."""
    pennies = math.floor(abs(amount) * 100 + Fraction(1, 2))
    return (Decimal(pennies if amount >= 0 else -pennies) / 100).quantize(PENNY)


def _plain(value: Decimal) -> int | float:
    """A JSON number: integral values as int (22 points, not 22.0)."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class IndicatorResult:
    """Everything the dashboard shows for one indicator at one organisation and period."""

    spec: IndicatorSpec
    counts: Counts
    achievement: Fraction | None
    rag: str  # red | amber | green | none
    exact_points: Fraction
    earned: Decimal | None
    potential: Decimal | None
    remaining: Decimal | None
    to_lower: int | None
    to_upper: int | None
    value_per_patient: Decimal | None
    below_lower: bool
    adjustment_applied: bool
    exact_potential: Fraction | None = field(default=None, repr=False)

    @property
    def points(self) -> Decimal:
        """Points to 2 dp (half up), for display only."""
        return pounds(self.exact_points)

    def as_json(self) -> dict[str, Any]:
        """The API row: the contract fields plus ``title``, ``direction``, ``below_lower``
        and ``adjustment_applied``; money as JSON numbers to the penny."""
        spec = self.spec

        def money(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {
            "code": spec.code,
            "title": spec.title,
            "direction": spec.direction,
            "numerator": self.counts.numerator,
            "denominator": self.counts.denominator,
            "exclusions": self.counts.exclusions,
            "achievement": None if self.achievement is None else float(self.achievement),
            "lower_threshold": float(spec.lower_threshold),
            "upper_threshold": float(spec.upper_threshold),
            "rag": self.rag,
            "points": float(self.points),
            "max_points": _plain(spec.max_points),
            "earned": money(self.earned),
            "potential": money(self.potential),
            "remaining": money(self.remaining),
            "to_lower": self.to_lower,
            "to_upper": self.to_upper,
            "value_per_patient": money(self.value_per_patient),
            "below_lower": self.below_lower,
            "adjustment_applied": self.adjustment_applied,
        }


def points_for(spec: IndicatorSpec, achievement: Fraction) -> Fraction:
    """``max_points * clamp(progress from LT to UT, 0, 1)`` for either direction."""
    low, high = Fraction(spec.lower_threshold), Fraction(spec.upper_threshold)
    progress = (achievement - low) / (high - low)  # the same formula mirrored when lower
    return Fraction(spec.max_points) * min(max(progress, Fraction(0)), Fraction(1))


def _rag(spec: IndicatorSpec, achievement: Fraction) -> str:
    low, high = Fraction(spec.lower_threshold), Fraction(spec.upper_threshold)
    sign = 1 if spec.direction == "higher" else -1  # mirror lower-is-better onto higher
    if sign * achievement >= sign * high:
        return "green"
    return "amber" if sign * achievement >= sign * low else "red"


def _patients(spec: IndicatorSpec, threshold: Decimal, counts: Counts) -> int:
    """Patients to add to (higher) or take off (lower) the numerator to reach ``threshold``."""
    target = Fraction(threshold) * counts.denominator
    gap = target - counts.numerator if spec.direction == "higher" else counts.numerator - target
    return max(0, math.ceil(gap))


def adjustment_factor(
    spec: IndicatorSpec, counts: Counts, national_average_list_size: int | None
) -> Fraction | None:
    """The payment adjustment, or None when its inputs are missing (see the module notes)."""
    if spec.adjustment == "none":
        return Fraction(1)
    if not national_average_list_size or national_average_list_size <= 0:
        return None
    if spec.adjustment == "list_size":
        if not counts.list_size or counts.list_size <= 0:
            return None
        return Fraction(counts.list_size, national_average_list_size)
    if not spec.national_prevalence:
        return None
    # (L / N) * ((den / L) / P) = den / (N * P): the list size cancels.
    return counts.denominator / (national_average_list_size * Fraction(spec.national_prevalence))


def threshold_span(spec: IndicatorSpec) -> Fraction:
    """The width of the band between the thresholds, whichever the direction."""
    return abs(Fraction(spec.upper_threshold) - Fraction(spec.lower_threshold))


def indicator_result(
    spec: IndicatorSpec,
    counts: Counts,
    *,
    national_average_list_size: int | None = None,
    value_per_point: Decimal | None = None,
) -> IndicatorResult:
    """Compute one indicator from its summed counts. ``value_per_point`` is the default
    £ per point, used when the indicator names none."""
    factor = adjustment_factor(spec, counts, national_average_list_size)
    price = spec.value_per_point if spec.value_per_point is not None else value_per_point
    scale = None if price is None else Fraction(price) * (1 if factor is None else factor)
    achievement: Fraction | None = None
    rag, exact_points, to_lower, to_upper = "none", Fraction(0), None, None
    if counts.denominator > 0:  # else "no eligible patients": 0 points, £0 in every column
        achievement = Fraction(counts.numerator, counts.denominator)
        exact_points, rag = points_for(spec, achievement), _rag(spec, achievement)
        to_lower = _patients(spec, spec.lower_threshold, counts)
        to_upper = _patients(spec, spec.upper_threshold, counts)
    earned = potential = remaining = per_patient = exact_potential = None
    if scale is not None:
        at_most = Fraction(spec.max_points) if achievement is not None else Fraction(0)
        exact_potential = at_most * scale
        earned, potential = pounds(exact_points * scale), pounds(exact_potential)
        remaining = potential - earned
        if achievement is not None:
            per_patient = Decimal("0.00")
            if rag != "green":
                per_patient = pounds(exact_potential / (threshold_span(spec) * counts.denominator))
    return IndicatorResult(
        spec=spec,
        counts=counts,
        achievement=achievement,
        rag=rag,
        exact_points=exact_points,
        earned=earned,
        potential=potential,
        remaining=remaining,
        to_lower=to_lower,
        to_upper=to_upper,
        value_per_patient=per_patient,
        below_lower=rag == "red",
        adjustment_applied=factor is not None,
        exact_potential=exact_potential,
    )
