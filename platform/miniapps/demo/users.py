"""The demo's people: a platform admin, an ICB viewer, three stakeholders, and for every
pilot PCN its manager and a practice manager and a practice nurse at up to
:data:`PRACTICES_PER_PCN` of its practices (the pilot file's real ones first).

Every PCN keeps at least one practice without demo users, so its manager has others'
returns to review. The home PCN (the case study's, :data:`HOME_PCN`) and its first real
practice keep the short addresses (``pcn.manager@``, ``practice.manager@``); the others
carry the organisation's code (``practice.manager.h84015@``). All share one password.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from miniapps.models import User
from miniapps.services import users as user_service
from miniapps.services.organisations import OrgRow, by_ods

DEMO_ICB = "DEMO-ICB"
DEMO_LA = "DEMO-LA-MERTON"
DEMO_LA_CHILDREN = "DEMO-MASH-MERTON"
DEMO_ICB_QUALITY = "DEMO-ICB-QUALITY"
# The pilot's own PCN (the case study's): its users come first and keep the short addresses.
HOME_PCN = "U52546"
EMAIL_DOMAIN = "demo.miniapps.nhs.uk"
PRACTICES_PER_PCN = 2


@dataclass(frozen=True)
class UserSpec:
    local: str  # the address before @EMAIL_DOMAIN
    name: str
    role: str
    ods: str


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str
    org_ods: str
    org_name: str


@dataclass(frozen=True)
class DemoFocus:
    """Who the demo's generated records are made by and for whom they leave work to do."""

    admin: User
    pcn: str  # the home PCN
    practice: str  # the home practice
    user_practices: frozenset[str]  # practices with demo users: their latest return is open
    approvers: dict[str, User]  # PCN code -> its demo PCN manager


def home_pcn(pilot: dict[str, Any]) -> str:
    codes = [p["ods"] for p in pilot["pcns"]]
    return HOME_PCN if HOME_PCN in codes else codes[0]


def practices_with_users(pilot: dict[str, Any], rows: Sequence[OrgRow]) -> dict[str, list[str]]:
    """PCN code -> its practices with demo users, in the order of ``rows`` (the pilot
    file's named practices before the made-up ones), leaving one practice without."""
    found: dict[str, list[str]] = {}
    for pcn in pilot["pcns"]:
        members = [r.ods for r in rows if r.type == "practice" and r.parent_ods == pcn["ods"]]
        found[pcn["ods"]] = members[: min(PRACTICES_PER_PCN, len(members) - 1)]
    return found


def user_specs(pilot: dict[str, Any], rows: Sequence[OrgRow]) -> list[UserSpec]:
    """Every demo user: the admin and ICB viewer, each PCN's people (home PCN first),
    then the stakeholders."""
    names = {r.ods: r.name for r in rows}
    home = home_pcn(pilot)
    specs = [
        UserSpec("admin", "Demo Platform Admin", "platform_admin", DEMO_ICB),
        UserSpec("icb.viewer", "Demo ICB Viewer", "icb_viewer", DEMO_ICB),
    ]
    practices = practices_with_users(pilot, rows)
    for pcn in sorted(pilot["pcns"], key=lambda p: p["ods"] != home):
        code = pcn["ods"]
        at_home = code == home
        where = "" if at_home else f", {names[code]}"
        specs.append(
            UserSpec(
                _local("pcn.manager", code, at_home),
                f"Demo PCN Manager{where}",
                "pcn_manager",
                code,
            )
        )
        for index, ods in enumerate(practices[code]):
            short = at_home and index == 0
            where = "" if short else f", {names[ods]}"
            specs += [
                UserSpec(_local("practice.manager", ods, short), f"Demo Practice Manager{where}",
                         "practice_manager", ods),
                UserSpec(_local("practice.staff", ods, short), f"Demo Practice Nurse{where}",
                         "practice_staff", ods),
            ]  # fmt: skip
    specs += [
        UserSpec("safeguarding", "Demo Safeguarding Officer", "stakeholder", DEMO_LA),
        UserSpec(
            "safeguarding.children",
            "Demo Children's Safeguarding Officer",
            "stakeholder",
            DEMO_LA_CHILDREN,
        ),
        UserSpec("quality", "Demo Quality Lead", "stakeholder", DEMO_ICB_QUALITY),
    ]
    return specs


def _local(prefix: str, ods: str, short: bool) -> str:
    return prefix if short else f"{prefix}.{ods.lower()}"


def load_users(
    session: Session, pilot: dict[str, Any], rows: Sequence[OrgRow], password: str
) -> tuple[DemoFocus, list[DemoLogin], int]:
    """Create (or keep) every demo user; flushes. Answers who the records are about, the
    logins to print, and how many users were new. One slow password hash for them all."""
    admin: User | None = None
    approvers: dict[str, User] = {}
    logins: list[DemoLogin] = []
    created = 0
    known_hash: str | None = None  # a stored hash of ``password``: one KDF run, not fifty
    for spec in user_specs(pilot, rows):
        org = by_ods(session, spec.ods)
        email = f"{spec.local}@{EMAIL_DOMAIN}"
        existing = user_service.by_email(session, email)
        if known_hash is None and existing and user_service.check_password(existing, password):
            known_hash = existing.password_hash
        first = known_hash is None
        user = user_service.create_user(
            session, email, spec.name, password if first else None, spec.role, org
        )
        known_hash = known_hash or user.password_hash
        if user.password_hash != known_hash:  # unchanged when already right: a rerun writes nothing
            user.password_hash = known_hash
        created += existing is None
        logins.append(DemoLogin(email, password, spec.role, org.ods, org.name))
        if spec.role == "platform_admin":
            admin = user
        elif spec.role == "pcn_manager":
            approvers[spec.ods] = user
    assert admin is not None
    practices = practices_with_users(pilot, rows)
    home = home_pcn(pilot)
    focus = DemoFocus(
        admin=admin,
        pcn=home,
        practice=practices[home][0],
        user_practices=frozenset(ods for found in practices.values() for ods in found),
        approvers=approvers,
    )
    return focus, logins, created
