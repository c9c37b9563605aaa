"""Everything an indicator page shows for one organisation and month, at any level.

:func:`indicator_overview` assembles, for any app with indicators (a definition's own
``indicators`` or yearly ones through ``indicator_source``):

- every level: each indicator's result (:func:`results_for`), its monthly trend over the
  financial year so far with the year-end projection and its status, easy wins, missed
  opportunities, £ totals, and the year set the figures came from (year, version,
  illustrative);
- PCN and above: the organisations one level down with their results, and the variation
  of each indicator across them against this organisation's own (pooled) achievement;
- PCN: this month's return completeness across the member practices (who may be
  chased) and likely coding errors (:mod:`miniapps.core.indicators.coding_errors`);
- Place and ICB: every PCN beneath compared per indicator.

Reads only; everything goes through the one permission filter (:class:`Access`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.errors import MiniappsError
from miniapps.core.indicators.arithmetic import IndicatorResult, IndicatorSpec
from miniapps.core.indicators.coding_errors import CodingIssue, coding_checks
from miniapps.core.indicators.planning import easy_wins, missed_opportunities
from miniapps.core.indicators.year_sets import financial_year, financial_year_months
from miniapps.models import App, Organisation
from miniapps.services.definitions import app_definition
from miniapps.services.indicators.breakdown import (
    OrgResults,
    PointsOverPcns,
    counts_by_org,
    points_over_pcns,
    readable_children,
    readable_pcns,
    results_of,
)
from miniapps.services.indicators.results import indicator_trend, results_for, specs_and_options
from miniapps.services.indicators.year_sets import current_row
from miniapps.services.organisations import ancestors
from miniapps.services.permissions import READ, Access
from miniapps.services.returns import tracking as returns_service

LEVELS = ("practice", "pcn", "place", "icb")
PROJECTION_STATUSES = {"on_track": "On track", "at_risk": "At risk", "will_miss": "Will miss"}


class NoIndicators(MiniappsError):
    """The app declares no indicators, so it has no indicator pages."""

    code = "no_indicators"
    kind = "not_found"


class NotAnIndicatorLevel(MiniappsError):
    """Indicators are shown for practices, PCNs, Places and ICBs only."""

    code = "not_an_indicator_level"
    kind = "not_found"


@dataclass(frozen=True)
class YearSetInfo:
    """Which loaded year set the figures came from."""

    year: str
    version: int
    loaded_at: datetime
    illustrative_codes: frozenset[str]  # indicators whose figures are not verified
    illustrative: bool  # the set, or a set-level figure such as £ per point


@dataclass
class IndicatorLine:
    """One indicator at the page's organisation: result, trend and projection."""

    result: IndicatorResult
    series: list[dict[str, Any]]
    projection: float | None
    status: str | None  # a key of PROJECTION_STATUSES, None without enough months
    accumulates: bool
    illustrative: bool

    @property
    def spec(self) -> IndicatorSpec:
        return self.result.spec


@dataclass
class Variation:
    """One indicator across the organisations one level down, best first."""

    spec: IndicatorSpec
    average: float | None  # this organisation's pooled achievement
    rows: list[tuple[Organisation, IndicatorResult, float | None]]  # (org, result, gap)


@dataclass
class Overview:
    app: App
    org: Organisation
    level: str
    period: str
    months: list[str]
    year_set: YearSetInfo | None
    lines: list[IndicatorLine]
    easy_wins: list[dict[str, Any]]
    missed: list[dict[str, Any]]
    totals: dict[str, Decimal | None]
    ancestors: list[Organisation]
    children: list[OrgResults] = field(default_factory=list)
    pcns: list[OrgResults] = field(default_factory=list)
    variation: list[Variation] = field(default_factory=list)
    completeness: returns_service.Grid | None = None
    may_chase: dict[int, bool] = field(default_factory=dict)
    coding_issues: list[CodingIssue] = field(default_factory=list)
    points_over_pcns: dict[str, PointsOverPcns] = field(default_factory=dict)  # Place, ICB

    @property
    def names(self) -> dict[str, str]:
        found = {o.org.ods: o.org.name for o in [*self.children, *self.pcns]}
        return found | {self.org.ods: self.org.name}

    @property
    def not_returned(self) -> set[str]:
        """ODS codes of the practices and PCNs beneath with no submitted record this month."""
        return {o.org.ods for o in [*self.children, *self.pcns] if o.returned is False}


def has_indicators(session: Session, app: App) -> bool:
    definition = app_definition(session, app)
    return bool(definition.indicators or definition.indicator_source)


def projection_status(spec: IndicatorSpec, projected: float | None) -> str | None:
    """``on_track`` at or beyond the upper threshold, ``at_risk`` between the thresholds,
    ``will_miss`` short of the lower one (mirrored for lower-is-better); None unknown."""
    if projected is None:
        return None
    sign = 1 if spec.direction == "higher" else -1
    value = sign * Fraction(repr(projected))  # the float's shortest text: 0.8 is 4/5
    if value >= sign * Fraction(spec.upper_threshold):
        return "on_track"
    return "at_risk" if value >= sign * Fraction(spec.lower_threshold) else "will_miss"


def indicator_overview(
    session: Session,
    access: Access,
    app: App,
    org: Organisation,
    period: str,
    *,
    today: date | None = None,
) -> Overview:
    """The page's data for ``org`` in month ``period`` (see the module notes).

    Raises :class:`NoIndicators`, :class:`NotAnIndicatorLevel`,
    :class:`~miniapps.services.permissions.Forbidden`,
    :class:`~miniapps.core.errors.DataInvalid` (pointer ``/period``) and
    :class:`~miniapps.services.indicators.results.NoYearSet`."""
    if not has_indicators(session, app):
        raise NoIndicators(f"{app.title} has no indicators.")
    if org.type not in LEVELS:
        raise NotAnIndicatorLevel(
            f"{org.name} ({org.ods}) is not a practice, PCN, Place or ICB: it has no indicators."
        )
    results = results_for(session, access, app, org, period)
    definition = app_definition(session, app, period)
    specs, options, year_set = specs_and_options(session, definition, period)
    months = [m for m in financial_year_months(financial_year(period)) if m <= period]
    trend = indicator_trend(session, access, app, org, months[0], period)
    info = None
    if year_set is not None:
        row = current_row(session, app.id, year_set.year)
        codes = frozenset(s.code for s in specs if year_set.is_illustrative(s.code))
        info = YearSetInfo(
            year_set.year,
            row.version if row else 1,
            row.loaded_at if row else datetime.min,
            codes,
            year_set.is_illustrative(),
        )
    lines = []
    for result, row in zip(results, trend["indicators"], strict=True):
        lines.append(
            IndicatorLine(
                result,
                row["series"],
                row["projection"],
                projection_status(result.spec, row["projection"]),
                row["accumulates"],
                info is not None and result.spec.code in info.illustrative_codes,
            )
        )
    projections = {line.spec.code: line.projection for line in lines}
    missed = missed_opportunities(results, projections)
    overview = Overview(
        app=app,
        org=org,
        level=org.type,
        period=period,
        months=months,
        year_set=info,
        lines=lines,
        easy_wins=easy_wins(results),
        missed=missed,
        totals=_totals(results, missed),
        ancestors=[o for o in ancestors(session, org) if access.can(READ, o, app)],
    )
    if org.type == "practice":
        return overview
    args = (session, access, app, org)
    overview.children = results_of(
        *args, readable_children(*args), period, definition, specs, options
    )
    compared = overview.children
    if org.type in ("place", "icb"):
        pcns = readable_pcns(*args)
        if [o.org for o in overview.children] == pcns:
            overview.pcns = overview.children
        else:
            overview.pcns = results_of(*args, pcns, period, definition, specs, options)
        compared = overview.pcns
        overview.points_over_pcns = {
            r.spec.code: points_over_pcns(overview.pcns, r.spec) for r in results
        }
    overview.variation = [_variation(result, compared) for result in results]
    if org.type == "pcn":
        _add_pcn_checks(session, access, overview, definition, specs, today)
    return overview


def _totals(results: list[IndicatorResult], missed: list[dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, Any] = {}
    for name in ("earned", "potential", "remaining"):
        values = [getattr(r, name) for r in results]
        known = values and all(v is not None for v in values)
        totals[name] = sum(values, Decimal("0.00")) if known else None
    totals["missed"] = sum((Decimal(str(m["missed"])) for m in missed), Decimal("0.00"))
    return totals


def _variation(result: IndicatorResult, compared: list[OrgResults]) -> Variation:
    spec, average = result.spec, result.achievement
    rows = []
    for item in compared:
        own = item.results[spec.code]
        gap = None
        if own.achievement is not None and average is not None:
            gap = float(own.achievement - average)
        rows.append((item.org, own, gap))
    sign = -1 if spec.direction == "higher" else 1

    def rank(row: tuple[Organisation, IndicatorResult, float | None]) -> tuple[Any, ...]:
        achievement = row[1].achievement
        return (achievement is None, sign * (achievement or 0), row[0].name)

    return Variation(spec, None if average is None else float(average), sorted(rows, key=rank))


def _add_pcn_checks(
    session: Session,
    access: Access,
    overview: Overview,
    definition: Any,
    specs: list[IndicatorSpec],
    today: date | None,
) -> None:
    """Completeness of this month's returns, who may be chased, likely coding errors."""
    app, org, period = overview.app, overview.org, overview.period
    rules = returns_service.rules_of(session, app)
    if rules.is_periodic and rules.frequency == "monthly":
        grid = returns_service.completeness(session, access, app, org, [period], today=today)
        overview.completeness = grid
        overview.may_chase = {
            row.org.id: returns_service.may_chase(access, app, row.org) for row in grid.rows
        }
    year, month = int(period[:4]), int(period[5:])
    before = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    current = counts_by_org(session, access, app, org, definition, specs, period)
    previous = counts_by_org(session, access, app, org, definition, specs, before)
    members = {c.org.ods for c in overview.children} | {org.ods}
    current = {ods: counts for ods, counts in current.items() if ods in members}
    overview.coding_issues = coding_checks(current, previous, specs)
