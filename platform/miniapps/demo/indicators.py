"""Demo returns for an app whose indicators are yearly data (``indicator_source``).

:func:`load_year_sets` loads every ``data/*.json`` year set beside the app's
``app.json`` through
:func:`~miniapps.services.indicators.year_set_loading.load_year_set` (loading the same
content again changes nothing). :func:`generate_indicator_returns` then gives
every organisation that owes returns one return a month, from April of the previous
financial year to last month, each with the indicators of its month's year set and figures
from :mod:`demo_indicator_figures`. So that every demo user has work to do, last month is
left open (no return) for the practices whose demo users sign in; in each PCN one return
of last month awaits its manager's review (the home PCN's with a denominator three times
the month before's, a likely coding error) and in a few a draft is half done; every other
return is approved by its PCN's demo manager (practices outside a PCN stay submitted).
Records are checked as users' are and stored in bulk (:mod:`demo_store`), dated when
they would have been made.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.definitions.loading import read_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.indicators.source import IndicatorSource, row_schema
from miniapps.core.indicators.year_sets import YearSet, financial_year
from miniapps.core.pointers import set_at
from miniapps.demo.indicator_figures import (
    MonthFigures,
    gap_to_next_threshold,
    list_sizes,
    seeded,
    year_figures,
)
from miniapps.demo.records import add_months, moment, owing_orgs
from miniapps.demo.store import PendingReturn, store_returns
from miniapps.demo.values import Sampler
from miniapps.demo.workload import last_month_work
from miniapps.models import App, Organisation, User
from miniapps.services.definitions import app_definition
from miniapps.services.indicators.year_set_loading import load_year_set
from miniapps.services.indicators.year_sets import year_set_for
from miniapps.services.permissions import Access

JUMP_FACTOR = 3
PLAN_SHARE = 0.6  # share of not-yet-green indicators with a plan for next month
NOTE_SHARE = 0.08
OWNERS = (
    "Dr Ada Example",
    "Nurse Sam Sample",
    "Pat Placeholder (HCA)",
    "Dr Lee Testwell",
    "Jo Demo (clinical pharmacist)",
    "Kim Mockford (care coordinator)",
)
ACTIONS = (
    "Recall letters and text messages to patients not yet seen",
    "Extra Saturday clinic, booked through the PCN hub",
    "Review the search and exception coding with the clinical lead",
    "Telephone the patients who did not attend",
    "Add a pop-up reminder to the clinical system for opportunistic checks",
    "Share the list with the care homes and book visits",
)
NOTES = (
    "Nurse on leave for two weeks: clinics resume next month.",
    "Searches re-run after the clinical system update.",
    "Extra clinics this month thanks to a locum session.",
)


def load_year_sets(
    session: Session, app: App, directory: Path | None, actor: User | None
) -> tuple[list[str], list[str]]:
    """Load each ``directory/data/*.json`` for ``app``: (report lines, problem lines)."""
    lines: list[str] = []
    problems: list[str] = []
    for path in sorted((directory / "data").glob("*.json")) if directory else []:
        try:
            raw, source = read_definition(path)
            outcome = load_year_set(session, app.id, raw, source=source, actor=actor)
        except DefinitionInvalid as exc:
            problems += exc.lines()
            continue
        verb = "loaded" if outcome.created else "unchanged"
        tag = " (illustrative)" if outcome.year_set.is_illustrative() else ""
        year, version = outcome.year_set.year, outcome.row.version
        lines.append(f"{verb} {app.id} indicator set {year} v{version}{tag}")
    return lines, problems


def demo_months(today: date) -> list[str]:
    """April of the previous financial year to last month, oldest first."""
    first = date(today.year - (1 if today.month >= 4 else 2), 4, 1)
    last = add_months(date(today.year, today.month, 1), -1)
    months = []
    while first <= last:
        months.append(f"{first.year:04d}-{first.month:02d}")
        first = add_months(first, 1)
    return months


def generate_indicator_returns(
    session: Session,
    app: App,
    top: Organisation,
    actor: User,
    today: date,
    *,
    focus_pcn: str | None = None,
    open_orgs: Collection[str] = (),
    approvers: Mapping[str, User] | None = None,
) -> tuple[int, int]:
    """Monthly returns for ``app`` under ``top``: (created, refused as invalid).

    Months whose financial year has no year set loaded are left out. The organisations
    ``open_orgs`` names have no return for the last month; ``approvers`` (parent ODS code
    to user) approve the others' returns but one per parent's last month; ``focus_pcn``
    (the home PCN) gets the coding error of last month."""
    definition = app_definition(session, app)
    source = IndicatorSource.of(definition)
    assert source is not None, "only for apps with indicator_source"
    all_months = demo_months(today)
    sets: dict[str, YearSet] = {}
    for year in dict.fromkeys(financial_year(m) for m in all_months):
        found = year_set_for(session, app.id, f"{year[:4]}-04")
        if found is not None:
            sets[year] = found
    months = [m for m in all_months if financial_year(m) in sets]
    orgs = owing_orgs(session, definition, top)
    if not months or not orgs:
        return 0, 0
    rng = seeded(app.id, "returns")
    plan = last_month_work(orgs, months, set(open_orgs), focus_pcn, rng)
    row = row_schema(definition.raw, source)
    pending: list[PendingReturn] = []
    for org in orgs:
        approver = (approvers or {}).get(org.parent.ods if org.parent else "")
        for month, year_set, counts, size in _org_months(app.id, org.ods, sets, all_months):
            day = _first_day(month)
            month_end = add_months(day, 1) - timedelta(days=1)
            at = moment(month_end + timedelta(days=rng.randint(1, 12)), rng, today)
            last = month == months[-1]
            if last and org.ods in plan.open:
                continue
            if last and org.ods in plan.drafts:  # started, not finished: one indicator
                first = dict(list(counts.items())[:1])
                data = _record_data(definition.raw, source, row, year_set, first, size, rng, day)
                pending.append(PendingReturn(org, month, data, at, submit=False))
                continue
            if (org.ods, month) in plan.jumps:
                counts = _with_jump(year_set, counts)
            data = _record_data(definition.raw, source, row, year_set, counts, size, rng, day)
            if approver is None or (last and org.ods in plan.reviews):
                pending.append(PendingReturn(org, month, data, at))
                continue
            approved = moment(at.date() + timedelta(days=rng.randint(1, 5)), rng, today)
            pending.append(PendingReturn(org, month, data, at, True, approver, max(at, approved)))
    return store_returns(session, Access(actor), app, pending, actor)


def _record_data(
    raw: dict[str, Any],
    source: IndicatorSource,
    row: dict[str, Any],
    year_set: YearSet,
    counts: dict[str, MonthFigures],
    list_size: int,
    rng: random.Random,
    day: date,
) -> dict[str, Any]:
    """One month's return: list size, counts per indicator, sometimes a plan and a note
    (``day`` is the month's first, for any date field to sample)."""
    schema = raw["schema"]
    members = row.get("properties", {})
    extras = [m for m in members if m not in (source.numerator, source.denominator)]
    extras = [m for m in extras if m != source.exclusions]
    indicators: dict[str, Any] = {}
    for spec in year_set.specs:
        if spec.code not in counts:
            continue
        figures = counts[spec.code]
        entry: dict[str, Any] = {
            source.numerator: figures.numerator,
            source.denominator: figures.denominator,
        }
        if source.exclusions is not None and source.exclusions in members:
            entry[source.exclusions] = figures.exclusions
        gap = gap_to_next_threshold(spec, figures)
        for member in extras:
            if member in (row.get("required") or []) or (gap and rng.random() < PLAN_SHARE):
                entry[member] = _extra(members[member], schema, gap, rng, day)
        indicators[spec.code] = entry
    data: dict[str, Any] = {}
    set_at(data, source.field, indicators)
    if source.list_size:
        set_at(data, source.list_size, list_size)
    sampler = Sampler(schema, rng, day, set())
    for name in schema.get("required", []):
        if name not in data:
            data[name] = sampler.value(schema["properties"][name], f"/{name}")
    if "notes" in schema.get("properties", {}) and rng.random() < NOTE_SHARE:
        data["notes"] = rng.choice(NOTES)
    return data


def _extra(
    member: dict[str, Any], root: dict[str, Any], gap: int, rng: random.Random, day: date
) -> Any:
    """A plausible value for a row member beyond the counts (the IIF tracker's plan):
    patients to invite about the gap to the next threshold, a fictional owner; members
    without a hint are sampled from their schema."""
    sampler = Sampler(root, rng, day, set())
    properties = member.get("properties")
    if not isinstance(properties, dict):
        return sampler.value(member, "")
    hinted = {
        "patients_to_invite": max(1, round(gap * rng.uniform(0.9, 1.3))),
        "clinics_booked": max(1, min(8, gap // 15 + rng.randint(0, 2))),
        "owner": rng.choice(OWNERS),
        "actions": rng.choice(ACTIONS),
    }
    return {
        name: hinted[name] if name in hinted else sampler.value(sub, f"/{name}")
        for name, sub in properties.items()
    }


def _org_months(
    app_id: str, ods: str, sets: dict[str, YearSet], all_months: list[str]
) -> Iterable[tuple[str, YearSet, dict[str, MonthFigures], int]]:
    """(month, year set, counts by code, list size) for each month with a year set."""
    sizes = list_sizes(app_id, ods, len(all_months))
    figures: dict[str, dict[str, list[MonthFigures]]] = {}
    for index, month in enumerate(all_months):
        year_set = sets.get(financial_year(month))
        if year_set is None:
            continue
        in_year = _month_of_year(month)  # demo months start in April
        if year_set.year not in figures:
            april = index - in_year
            previous = sets.get(financial_year(all_months[april - 1])) if april else None
            figures[year_set.year] = year_figures(
                app_id, year_set, ods, sizes[april : april + 12], previous
            )
        counts = {code: rows[in_year] for code, rows in figures[year_set.year].items()}
        yield month, year_set, counts, sizes[index]


def _with_jump(year_set: YearSet, counts: dict[str, MonthFigures]) -> dict[str, MonthFigures]:
    """A denominator three times what it should be (numerator unchanged) on the first
    indicator that does not accumulate (else the first) with at least 10 patients."""
    candidates = sorted(year_set.specs, key=lambda s: s.code in year_set.accumulating)
    for spec in candidates:
        figures = counts[spec.code]
        if figures.denominator >= 10:
            jumped = MonthFigures(
                figures.numerator, figures.denominator * JUMP_FACTOR, figures.exclusions
            )
            return {**counts, spec.code: jumped}
    return counts


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


def _month_of_year(month: str) -> int:
    """0 for April … 11 for March."""
    return (int(month[5:]) - 4) % 12
