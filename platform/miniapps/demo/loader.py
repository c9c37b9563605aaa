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

A bundle directory (``apps/cqc_compliance/``) publishes every definition it holds, after
the framework files of its ``data/`` when its apps are evidence for one. A bundle with a
story (:data:`BUNDLE_STORIES`) gets no generated records: once its apps are published
the story makes its own (:mod:`miniapps.demo.compliance`).

Everything is idempotent: loading twice changes nothing and duplicates nothing.
Codes the pilot file does not give are made up with a hyphen (``DEMO-ICB``,
``PLACE-MERTON``, ``DEMO-P01``) so they can never collide with a real ODS code
(a practice's is a letter and five digits). Made-up organisations are ``is_demo``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from miniapps.core.definitions.loading import load_bundle
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid, IncompatibleChange
from miniapps.demo.channels import stakeholder_rows
from miniapps.demo.compliance import load_bundle_frameworks, load_compliance
from miniapps.demo.inboxes import load_inboxes
from miniapps.demo.indicators import (
    demo_months,
    generate_indicator_returns,
    load_year_sets,
)
from miniapps.demo.records import add_months, generate_records
from miniapps.demo.studio import load_studio_drafts
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


class BundleStory(Protocol):
    """A bundle's own demo story, told after its apps are published; report lines."""

    def __call__(
        self,
        session: Session,
        pilot: dict[str, Any],
        rows: Sequence[OrgRow],
        focus: DemoFocus,
        today: date,
        progress: Callable[[str], None],
        *,
        apps: dict[str, App],
    ) -> list[str]: ...


# Bundles (by home app id) whose apps get their story's records instead of a generic year.
BUNDLE_STORIES: dict[str, BundleStory] = {"cqc_compliance": load_compliance}


@dataclass(frozen=True)
class Bundle:
    directory: Path
    home: str  # the id of its app.json
    definitions: list[AppDefinition]  # its valid members not published by an earlier bundle


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
    told: list[tuple[BundleStory, dict[str, App]]] = []
    for bundle in _bundles(apps_dirs, report):
        if any(d.evidence or d.compliance for d in bundle.definitions):
            lines, problems = load_bundle_frameworks(session, bundle.directory, focus.admin)
            report.apps += lines
            report.problems += problems
        story = BUNDLE_STORIES.get(bundle.home)
        # A bundle with a story is the home PCN's (its manager published it to its
        # practices): the rest of the ICB owes it nothing.
        target = by_ods(session, focus.pcn) if story is not None else icb
        published: dict[str, App] = {}
        for definition in bundle.definitions:
            app = _publish(session, definition, target, focus, report, today)
            if app is None:
                continue
            published[app.id] = app
            # A channel app's records are the inboxes' (below); a story tells its bundle's.
            if story is None and not definition.channels:
                _load_records(session, app, icb, focus, report, today, progress)
        if story is not None:
            told.append((story, published))
    progress("stakeholder inboxes and the ad hoc return")
    inboxes = load_inboxes(session, pilot, rows, focus, today)
    report.apps += inboxes.apps
    report.records_created.update(inboxes.records_created)
    report.records_kept.update(inboxes.records_kept)
    # After the inboxes: a story may point at their records (a significant event
    # analysis of a reported incident).
    for story, published in told:
        report.apps += story(session, pilot, rows, focus, today, progress, apps=published)
    report.apps += load_studio_drafts(session, focus)
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


def _bundles(apps_dirs: list[Path], report: DemoReport) -> list[Bundle]:
    """Each app directory's valid definitions (a bundle's every member), the first of each
    id winning (apps/ before docs/examples/), but those of :data:`LEFT_OUT`."""
    bundles: list[Bundle] = []
    seen: set[str] = set()
    for directory in bundled_app_dirs(apps_dirs):
        if directory.name in LEFT_OUT:
            continue
        try:
            definitions = load_bundle(directory)
        except DefinitionInvalid as exc:
            report.problems += exc.lines()
            continue
        fresh = [d for d in definitions if d.id not in seen]
        seen.update(d.id for d in fresh)
        if fresh:
            bundles.append(Bundle(directory, definitions[0].id, fresh))
    return bundles


def _publish(
    session: Session,
    definition: AppDefinition,
    target: Organisation,
    focus: DemoFocus,
    report: DemoReport,
    today: date,
) -> App | None:
    """Publish ``definition`` to ``target`` (with its year sets); None when refused."""
    since = _targeted_from(definition, today)
    try:
        published = app_service.publish(
            session, definition, [target], actor=focus.admin, targeted_from=since
        )
    except IncompatibleChange as exc:
        report.problems += [f"{definition.source}:{i.pointer}: {i.message}" for i in exc.issues]
        return None
    verb = "published" if published.created else "unchanged"
    report.apps.append(f"{verb} {definition.label}")
    if definition.indicator_source is not None:
        lines, problems = load_year_sets(session, published.app, definition.source_dir, focus.admin)
        report.apps += lines
        report.problems += problems
    return published.app


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
