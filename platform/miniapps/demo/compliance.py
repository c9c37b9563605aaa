"""The CQC compliance bundle's demo: its frameworks, its people and its stories.

The bundle's apps (``apps/cqc_compliance/``) get no generic year of random records (a
fridge log of random readings or a policy with random text says nothing); each room of
the bundle tells its own **story** instead: ``load_<room>(session, people, today)`` in
``demo/cqc_<room>.py``, listed in :data:`STORIES`, answering the records it created per
app and doing nothing when already loaded. :func:`load_compliance` builds the
:class:`CqcPeople` they share and runs them all, after the bundle's apps are published.

The people are the home PCN's demo users (:mod:`miniapps.demo.users`) and, at each home
practice with demo users, :data:`STAFF_PER_PRACTICE` more staff (``practice_staff``,
the demo password, ``staff.<n>.<ods>@demo.miniapps.nhs.uk``), so read-and-sign coverage
and the training matrix have a team to count. They are not printed among the logins.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy.orm import Session

from miniapps.core.compliance.frameworks import FRAMEWORK_SCHEMA_PATH
from miniapps.core.errors import IssuesError
from miniapps.demo.users import EMAIL_DOMAIN, DemoFocus, practices_with_users, user_specs
from miniapps.models import App, Organisation, User
from miniapps.services import users as user_service
from miniapps.services.compliance.frameworks import load_framework
from miniapps.services.organisations import OrgRow, by_ods

STAFF_PER_PRACTICE = 8
# Made-up names for the extra staff, eight per home practice with demo users.
STAFF_NAMES = (
    "Amira Hassan", "Tom Whitfield", "Grace Okafor", "Daniel Reyes", "Priya Nair",
    "Owen Hughes", "Chloe Bennett", "Samuel Adeyemi", "Hannah Kowalski", "Ravi Patel",
    "Megan Doyle", "Luca Romano", "Fatima Sheikh", "Joseph Mensah", "Ellie Parkinson",
    "Kieran Walsh", "Zara Ahmed", "Nathan Cole", "Imogen Price", "Ben Osei",
)  # fmt: skip


@dataclass(frozen=True)
class CqcPeople:
    """Who the compliance stories are about and made by."""

    admin: User
    pcn: Organisation  # the home PCN
    pcn_manager: User
    practices: list[Organisation]  # the home PCN's practices, the home practice first
    managers: dict[str, User]  # practice ODS -> its demo practice manager
    staff: dict[str, list[User]]  # practice ODS -> its practice_staff (nurse first)
    apps: dict[str, App]  # the bundle's published apps by id


Story = Callable[[Session, CqcPeople, date], dict[str, int]]


def story(module: str, name: str) -> Story:
    """The story ``name`` of ``miniapps.demo.<module>``, imported when told: the story
    modules import :class:`CqcPeople` from here, so importing them here at load time
    would be circular."""

    def tell(session: Session, people: CqcPeople, today: date) -> dict[str, int]:
        told: Story = getattr(import_module(f"miniapps.demo.{module}"), name)
        return told(session, people, today)

    tell.__name__ = tell.__qualname__ = name
    return tell


# Each room's story (``demo/cqc_<room>.py``): app id -> records created; idempotent.
STORIES: list[Story] = [
    story("cqc_documents", "load_documents"),
    story("cqc_evidence", "load_evidence"),
    story("cqc_audits", "load_audits"),
    story("cqc_peer", "load_peer"),
    story("cqc_deadlines", "load_deadlines"),
]


def staff_email(number: int, ods: str) -> str:
    return f"staff.{number}.{ods.lower()}@{EMAIL_DOMAIN}"


def cqc_people(
    session: Session,
    pilot: dict[str, Any],
    rows: Sequence[OrgRow],
    focus: DemoFocus,
    apps: dict[str, App],
) -> CqcPeople:
    """The home PCN's people, adding the extra staff when missing (flushes). The demo
    users must be loaded (:func:`miniapps.demo.users.load_users`)."""
    staffed = practices_with_users(pilot, rows)[focus.pcn]
    managers: dict[str, User] = {}
    staff: dict[str, list[User]] = {ods: [] for ods in staffed}
    for spec in user_specs(pilot, rows):
        user = user_service.by_email(session, f"{spec.local}@{EMAIL_DOMAIN}")
        if user is None or spec.ods not in staff:
            continue
        if spec.role == "practice_manager":
            managers[spec.ods] = user
        elif spec.role == "practice_staff":
            staff[spec.ods].append(user)
    for index, ods in enumerate(staffed):
        staff[ods] += _extra_staff(session, by_ods(session, ods), index, focus.admin)
    members = [r.ods for r in rows if r.type == "practice" and r.parent_ods == focus.pcn]
    members.sort(key=lambda ods: ods != focus.practice)  # stable: the home practice first
    return CqcPeople(
        admin=focus.admin,
        pcn=by_ods(session, focus.pcn),
        pcn_manager=focus.approvers[focus.pcn],
        practices=[by_ods(session, ods) for ods in members],
        managers=managers,
        staff=staff,
        apps=apps,
    )


def _extra_staff(session: Session, org: Organisation, index: int, admin: User) -> list[User]:
    """:data:`STAFF_PER_PRACTICE` staff of ``org`` (the ``index``-th staffed practice),
    with the admin's password hash: the one demo password, and no slow hashing here."""
    made = []
    for number in range(1, STAFF_PER_PRACTICE + 1):
        name = STAFF_NAMES[(index * STAFF_PER_PRACTICE + number - 1) % len(STAFF_NAMES)]
        email = staff_email(number, org.ods)
        user = user_service.create_user(session, email, name, None, "practice_staff", org)
        if user.password_hash != admin.password_hash:
            user.password_hash = admin.password_hash
        made.append(user)
    session.flush()
    return made


def load_compliance(
    session: Session,
    pilot: dict[str, Any],
    rows: Sequence[OrgRow],
    focus: DemoFocus,
    today: date,
    progress: Callable[[str], None],
    *,
    apps: dict[str, App],
) -> list[str]:
    """Run every story of :data:`STORIES` over the bundle's ``apps``: one report line per
    app with records created ("story load_audits: 250 records for cqc_fridge_log")."""
    people = cqc_people(session, pilot, rows, focus, apps)
    lines = []
    for tell in STORIES:
        progress(f"compliance story {tell.__name__}")
        created = tell(session, people, today)
        session.flush()
        lines += [
            f"story {tell.__name__}: {count} records for {app_id}"
            for app_id, count in sorted(created.items())
            if count
        ]
    return lines


@cache
def _framework_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(FRAMEWORK_SCHEMA_PATH.read_text(encoding="utf-8")))


def load_bundle_frameworks(
    session: Session, bundle_dir: Path, actor: User
) -> tuple[list[str], list[str]]:
    """Load the framework files of ``bundle_dir/data/`` (the ``*.json`` there that fit
    ``schemas/framework.schema.json``; others, such as indicator year sets, are not
    frameworks), a replaced version before the one replacing it. Idempotent: a version
    already stored with this content is left alone. Answers (report lines, problems)."""
    pending: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted((bundle_dir / "data").glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        if _framework_validator().is_valid(raw):
            pending.append((path, raw))
    # Versions that replace none first, then each after the one it replaces.
    pending.sort(key=lambda item: "replaces" in item[1])
    lines: list[str] = []
    problems: list[str] = []
    for path, raw in pending:
        try:
            outcome = load_framework(session, raw, source=str(path), actor=actor)
        except IssuesError as exc:
            problems += exc.lines()
            continue
        verb = "loaded" if outcome.created else "unchanged"
        lines.append(f"{verb} framework {outcome.framework.id} {outcome.framework.version}")
    return lines, problems
