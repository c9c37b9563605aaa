"""Indicator year sets: one financial year's indicators and payment figures, as data.

A year set (``apps/iif_tracker/data/2025-26.json``, shaped by
``schemas/indicator-year-set.schema.json``) is loaded centrally and versioned by the
services; an app whose definition has an ``indicator_source`` takes its indicators for a
period from the set of that period's financial year (April to March). Nothing here
touches the database.

:func:`parse_year_set` checks a set with the schema, then what a schema cannot say
(thresholds in the right order for the direction, codes unique, the year's two halves
consecutive), reusing the indicator checks of :class:`IndicatorSpec`. Every problem is
an :class:`Issue` with a JSON pointer into the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from miniapps.core.definitions.plain_errors import plain_issues
from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.core.indicators.arithmetic import IndicatorSpec, json_decimal
from miniapps.core.periods.keys import MONTH
from miniapps.core.pointers import pointer_join

YEAR_SET_SCHEMA_PATH = (
    Path(__file__).resolve().parents[4] / "schemas" / "indicator-year-set.schema.json"
)


@dataclass(frozen=True)
class YearSet:
    """A parsed year set. ``specs`` carry no field pointers: see
    :func:`miniapps.core.indicators.source.specs_for`, which binds them to an app's fields."""

    year: str
    value_per_point: Decimal
    national_average_list_size: int | None
    specs: tuple[IndicatorSpec, ...]
    illustrative: bool
    unverified: tuple[str, ...]  # set-level members, e.g. ("value_per_point",)
    unverified_by_code: Mapping[str, tuple[str, ...]]
    accumulating: frozenset[str]  # codes whose activity builds up over the year
    raw: Mapping[str, Any]

    @property
    def codes(self) -> list[str]:
        return [spec.code for spec in self.specs]

    def spec(self, code: str) -> IndicatorSpec | None:
        return next((s for s in self.specs if s.code == code), None)

    def is_illustrative(self, code: str | None = None) -> bool:
        """True when the set, a set-level figure or (given ``code``) one of that indicator's
        values is not verified: such figures are shown with an "illustrative" tag."""
        if self.illustrative or self.unverified:
            return True
        return bool(code and self.unverified_by_code.get(code))


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(YEAR_SET_SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def financial_year(period: str) -> str:
    """The NHS financial year holding a month period: ``2026-02`` → ``2025/26``."""
    match = MONTH.match(period or "")
    if not match:
        raise ValueError(f"not a month period: {period!r}")
    year, month = int(match[1]), int(match[2])
    start = year if month >= 4 else year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def financial_year_months(year: str) -> list[str]:
    """The twelve months of a financial year ``2025/26``: ``2025-04`` … ``2026-03``."""
    start = int(year[:4])
    return [f"{start}-{m:02d}" for m in range(4, 13)] + [f"{start + 1}-{m:02d}" for m in (1, 2, 3)]


def parse_year_set(raw: Any, source: str | None = None) -> YearSet:
    """Check and parse a year set; raises :class:`DefinitionInvalid` (``source`` names the
    file in its lines) listing every problem with its JSON pointer."""
    if not isinstance(raw, dict):
        raise DefinitionInvalid([Issue("", "must be a JSON object", "type")], source)
    issues = plain_issues(_validator().iter_errors(raw))
    if issues:
        raise DefinitionInvalid(issues, source)
    year = raw["year"]
    if (int(year[:4]) + 1) % 100 != int(year[5:]):
        issues.append(Issue("/year", "must be a financial year such as 2025/26 (April to March)"))
    seen: dict[str, int] = {}
    specs: list[IndicatorSpec] = []
    for i, indicator in enumerate(raw["indicators"]):
        at = pointer_join("/indicators", i)
        code = indicator["code"]
        if code in seen:
            issues.append(
                Issue(
                    pointer_join(at, "code"),
                    f"code '{code}' is already used by indicator {seen[code]}",
                )
            )
        seen.setdefault(code, i)
        bound = {**indicator, "numerator": "/numerator", "denominator": "/denominator"}
        try:
            specs.append(IndicatorSpec.from_json(bound, at))
        except DefinitionInvalid as exc:
            issues += exc.issues
        adjustment = indicator.get("adjustment", "none")
        if adjustment == "list_size_and_prevalence" and "national_prevalence" not in indicator:
            message = "is required when the adjustment is list_size_and_prevalence"
            issues.append(Issue(pointer_join(at, "national_prevalence"), message))
        if adjustment != "none" and "national_average_pcn_list_size" not in raw:
            message = f"is required: indicator {code} is adjusted for list size"
            issues.append(Issue("/national_average_pcn_list_size", message))
        issues += _unknown_unverified(indicator, at)
    issues += _unknown_unverified(raw, "")
    if issues:
        unique = {(i.pointer, i.message): i for i in issues}
        raise DefinitionInvalid(sorted(unique.values(), key=lambda i: i.pointer), source)
    return YearSet(
        year=year,
        value_per_point=json_decimal(raw["value_per_point"]) or Decimal(0),
        national_average_list_size=raw.get("national_average_pcn_list_size"),
        specs=tuple(specs),
        illustrative=bool(raw.get("illustrative")),
        unverified=tuple(raw.get("unverified", ())),
        unverified_by_code={i["code"]: tuple(i.get("unverified", ())) for i in raw["indicators"]},
        accumulating=frozenset(i["code"] for i in raw["indicators"] if i.get("accumulates")),
        raw=raw,
    )


def _unknown_unverified(obj: Mapping[str, Any], at: str) -> list[Issue]:
    """``unverified`` may only name members the object has."""
    return [
        Issue(pointer_join(at, "unverified", k), f"'{name}' is not a member here")
        for k, name in enumerate(obj.get("unverified", ()))
        if name not in obj or name == "unverified"
    ]
