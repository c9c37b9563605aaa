"""Demo data for ``miniapps demo load``: the pilot organisations, users for every role
at every level (:mod:`miniapps.demo.users`), the bundled apps published to the ICB, and a
year of records (:mod:`miniapps.demo.records`); an app whose indicators are yearly data
gets its year sets and monthly returns instead (:mod:`miniapps.demo.indicators`). The
latest period due is left open for the practices whose demo users sign in, so there is
a return to fill in. Stakeholder teams with a category and an area get the incident and
safeguarding app's events and referrals in every state in their inboxes, and the adult
safeguarding team its own ad hoc return (:mod:`miniapps.demo.inboxes`); a channel app
gets no generated records. The documentation's channel example
(``docs/examples/safeguarding_concern``) is left out: the incident app is the demo's.

Everything is idempotent: loading twice changes nothing and duplicates nothing.
Codes the pilot file does not give are made up with a hyphen (``DEMO-ICB``,
``PLACE-MERTON``, ``DEMO-P01``) so they can never collide with a real ODS code
(a practice's is a letter and five digits). Made-up organisations are ``is_demo``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.definitions.loading import load_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid, IncompatibleChange
from miniapps.demo.channels import stakeholder_rows
from miniapps.demo.inboxes import load_inboxes
from miniapps.demo.indicators import (
    demo_months,
    generate_indicator_returns,
    load_year_sets,
)
from miniapps.demo.records import add_months, generate_records
from miniapps.demo.users import DEMO_ICB, DemoFocus, DemoLogin, load_users
from miniapps.models import App, Organisation
from miniapps.services import apps as app_service
from miniapps.services.definitions import app_definition
from miniapps.services.organisations import OrgRow, by_ods, upsert_organisations
from miniapps.services.records.lifecycle import count_records

DEFAULT_PASSWORD = "demo-password-2025"
# Example apps the demo does not publish: the channel example is documentation (the
# demo's channel app is apps/incident_reporting).
LEFT_OUT = frozenset({"safeguarding_concern"})


@dataclass
class DemoReport:
    orgs_created: int = 0
    orgs_updated: int = 0
    users_created: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    # "published fridge_log v1", "unchanged …", "loaded iif_tracker indicator set 2025/26 v1"
    apps: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # apps that could not be published
    records_created: dict[str, int] = field(default_factory=dict)
    records_kept: dict[str, int] = field(default_factory=dict)  # apps that already had records
    records_invalid: int = 0  # generated records that failed the schema and were skipped


def place_code(place: str) -> str:
    return "PLACE-" + re.sub(r"[^A-Z0-9]+", "-", place.upper()).strip("-")


def assign_practices(pilot: dict[str, Any]) -> dict[str, str | None]:
    """Each named practice's PCN: round-robin over its Place's PCNs that have room.

    The pilot file names practices with their Place only, so the assignment is
    illustrative; it keeps every PCN within its stated practice count. A practice
    whose Place has no PCN with room stays directly under its Place (None).
    """
    room = {pcn["ods"]: int(pcn["practices"]) for pcn in pilot["pcns"]}
    turn: Counter[str] = Counter()
    assigned: dict[str, str | None] = {}
    for practice in pilot["practices"]:
        place = practice["place"]
        pcns = [p["ods"] for p in pilot["pcns"] if p["place"] == place and room[p["ods"]] > 0]
        if not pcns:
            assigned[practice["ods"]] = None
            continue
        chosen = pcns[turn[place] % len(pcns)]
        turn[place] += 1
        room[chosen] -= 1
        assigned[practice["ods"]] = chosen
    return assigned


def pilot_org_rows(pilot: dict[str, Any]) -> list[OrgRow]:
    """The organisation tree of the pilot file, filled out with marked fictional practices."""
    rows = [OrgRow(DEMO_ICB, pilot["icb"]["name"], "icb", None, is_demo=True)]
    rows += [OrgRow(place_code(p), f"{p} Place", "place", DEMO_ICB, True) for p in pilot["places"]]
    for pcn in pilot["pcns"]:
        rows.append(OrgRow(pcn["ods"], pcn["name"], "pcn", place_code(pcn["place"])))
    assigned = assign_practices(pilot)
    for practice in pilot["practices"]:
        parent = assigned[practice["ods"]] or place_code(practice["place"])
        rows.append(OrgRow(practice["ods"], practice["name"], "practice", parent))
    real_count = Counter(pcn for pcn in assigned.values() if pcn)
    number, per_place = 0, Counter[str]()
    for pcn in pilot["pcns"]:
        place = pcn["place"]
        for _ in range(int(pcn["practices"]) - real_count[pcn["ods"]]):
            number += 1
            per_place[place] += 1
            name = f"Demo Practice {per_place[place]} ({place})"
            rows.append(OrgRow(f"DEMO-P{number:02d}", name, "practice", pcn["ods"], True))
    rows += stakeholder_rows(pilot, {p: place_code(p) for p in pilot["places"]})
    return rows


def load_demo(
    session: Session,
    *,
    pilot_file: Path,
    apps_dirs: list[Path],
    password: str,
    today: date | None = None,
    progress: Callable[[str], None] = lambda _line: None,
) -> DemoReport:
    """Load (or top up) the demo; flushes, the caller commits. ``progress`` hears each step.

    Apps are targeted at the demo ICB from the first period the demo makes records for,
    so those returns are owed (and none before). An app with ``indicator_source`` first
    gets the year sets of its ``data/`` directory (:mod:`demo_indicators`)."""
    report = DemoReport()
    today = today or date.today()
    pilot = json.loads(pilot_file.read_text(encoding="utf-8"))
    rows = pilot_org_rows(pilot)
    report.orgs_created, report.orgs_updated = upsert_organisations(session, rows)
    focus, report.logins, report.users_created = load_users(session, pilot, rows, password)
    icb = by_ods(session, DEMO_ICB)
    for definition in _bundled_definitions(apps_dirs, report):
        since = _targeted_from(definition, today)
        try:
            published = app_service.publish(
                session, definition, [icb], actor=focus.admin, targeted_from=since
            )
        except IncompatibleChange as exc:
            report.problems += [f"{definition.source}:{i.pointer}: {i.message}" for i in exc.issues]
            continue
        verb = "published" if published.created else "unchanged"
        report.apps.append(f"{verb} {definition.label}")
        if definition.indicator_source is not None:
            lines, problems = load_year_sets(
                session, published.app, definition.source_dir, focus.admin
            )
            report.apps += lines
            report.problems += problems
        if not definition.channels:  # a channel app's records are the inboxes' (below)
            _load_records(session, published.app, icb, focus, report, today, progress)
    progress("stakeholder inboxes and the ad hoc return")
    inboxes = load_inboxes(session, pilot, rows, focus, today)
    report.apps += inboxes.apps
    report.records_created.update(inboxes.records_created)
    report.records_kept.update(inboxes.records_kept)
    return report


def _targeted_from(definition: AppDefinition, today: date) -> date:
    """April of the previous financial year for monthly indicator returns, else a year
    ago (the records of :func:`generate_records` go back twelve months)."""
    if definition.indicator_source is not None:
        return date.fromisoformat(demo_months(today)[0] + "-01")
    return add_months(date(today.year, today.month, 1), -12)


def bundled_app_dirs(apps_dirs: list[Path]) -> list[Path]:
    """Every sub-directory holding an ``app.json``, in name order per root."""
    found: list[Path] = []
    for root in apps_dirs:
        if root.is_dir():
            found += [d for d in sorted(root.iterdir()) if (d / "app.json").is_file()]
    return found


def _bundled_definitions(apps_dirs: list[Path], report: DemoReport) -> list[AppDefinition]:
    """Valid definitions, the first of each id winning (apps/ before docs/examples/), but
    those of :data:`LEFT_OUT`."""
    definitions: dict[str, AppDefinition] = {}
    for directory in bundled_app_dirs(apps_dirs):
        if directory.name in LEFT_OUT:
            continue
        try:
            definition = load_definition(directory)
        except DefinitionInvalid as exc:
            report.problems += exc.lines()
            continue
        definitions.setdefault(definition.id, definition)
    return list(definitions.values())


def _load_records(
    session: Session,
    app: App,
    icb: Organisation,
    focus: DemoFocus,
    report: DemoReport,
    today: date,
    progress: Callable[[str], None],
) -> None:
    existing = count_records(session, app.id)
    if existing:
        report.records_kept[app.id] = existing
        return
    if app_definition(session, app).indicator_source is not None:
        progress(f"generating monthly indicator returns for {app.id}")
        created, invalid = generate_indicator_returns(
            session,
            app,
            icb,
            focus.admin,
            today,
            focus_pcn=focus.pcn,
            open_orgs=focus.user_practices,
            approvers=focus.approvers,
        )
    else:
        progress(f"generating a year of records for {app.id}")
        created, invalid = generate_records(
            session, app, icb, focus.admin, today, open_orgs=focus.user_practices
        )
    report.records_created[app.id] = created
    report.records_invalid += invalid
