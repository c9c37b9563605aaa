"""The stakeholders' side of the demo: the incident and safeguarding app's events and
referrals in every state in the teams' inboxes (:mod:`miniapps.demo.channels`) and the
adult safeguarding team's ad hoc return (:mod:`miniapps.demo.ad_hoc`), made by the
demo's own people.

Who does what: at the practices with demo users, the nurse reports and the manager (the
practice lead) reviews, sends and works the learning response. Patient safety events
come from the home PCN's practices (their manager sees the shared learning), referrals
from practices of the teams' area, one event for the ICB quality team from a practice
elsewhere in the ICB. The incident app is the bundled one (``apps/incident_reporting``,
published with the others); without it there are no channel records. The ad hoc return
is published by the safeguarding officer and returned by every practice of the area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.demo.ad_hoc import Returner, load_returns, publish_readiness
from miniapps.demo.channels import INCIDENT_APP, Practice, Reporters, load_incidents
from miniapps.demo.users import (
    DEMO_LA,
    DEMO_LA_CHILDREN,
    EMAIL_DOMAIN,
    DemoFocus,
    user_specs,
)
from miniapps.models import App, Organisation, User
from miniapps.models.organisation import subtree
from miniapps.services.channels.stakeholders import area_path
from miniapps.services.organisations import OrgRow, by_ods
from miniapps.services.records.lifecycle import count_records
from miniapps.services.users import by_email


@dataclass
class InboxReport:
    apps: list[str] = field(default_factory=list)  # as DemoReport.apps
    records_created: dict[str, int] = field(default_factory=dict)
    records_kept: dict[str, int] = field(default_factory=dict)

    def count(self, session: Session, app_id: str, created: int) -> None:
        if created:
            self.records_created[app_id] = created
        else:
            self.records_kept[app_id] = count_records(session, app_id)


def load_inboxes(
    session: Session,
    pilot: dict[str, Any],
    rows: Sequence[OrgRow],
    focus: DemoFocus,
    today: date,
) -> InboxReport:
    """Give the incident app (when bundled) its records once, publish the ad hoc return
    and give it its records once; flushes."""
    report = InboxReport()
    people = _people(session, pilot, rows)
    team = by_ods(session, DEMO_LA)
    area = area_path(team)
    if area is None:  # the demo's own rows give the team a Place; nothing to do without
        return report
    practices = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.type == "practice", subtree(area))
            .order_by(Organisation.path, Organisation.ods)
        )
    )
    staffed = [
        Practice(o, people[("practice_staff", o.ods)], people[("practice_manager", o.ods)])
        for o in _home_first(practices, focus.practice)
        if ("practice_staff", o.ods) in people and ("practice_manager", o.ods) in people
    ]
    elsewhere = [
        Practice(by_ods(session, ods), user, people[("practice_manager", ods)])
        for (role, ods), user in people.items()
        if role == "practice_staff"
        and ("practice_manager", ods) in people
        and ods not in {o.ods for o in practices}
    ]
    incident_app = session.get(App, INCIDENT_APP)
    if incident_app is not None:
        home = [p for p in staffed if p.org.parent is not None and p.org.parent.ods == focus.pcn]
        teams = {
            "adult_safeguarding": people[("stakeholder", DEMO_LA)],
            "child_safeguarding": people[("stakeholder", DEMO_LA_CHILDREN)],
        }
        made = load_incidents(session, incident_app, Reporters(home, staffed, elsewhere[:2]), teams)
        report.count(session, incident_app.id, made)
    officer = people[("stakeholder", DEMO_LA)]
    readiness = publish_readiness(session, officer, today, report.apps)
    if readiness is not None:
        returners = [_returner(people, o, focus) for o in practices]
        made = load_returns(session, readiness, [r for r in returners if r], today)
        report.count(session, readiness.id, made)
    return report


def _people(
    session: Session, pilot: dict[str, Any], rows: Sequence[OrgRow]
) -> dict[tuple[str, str], User]:
    """The demo users by (role, ODS code of their organisation), the first of each."""
    found: dict[tuple[str, str], User] = {}
    for spec in user_specs(pilot, rows):
        user = by_email(session, f"{spec.local}@{EMAIL_DOMAIN}")
        if user is not None:
            found.setdefault((spec.role, spec.ods), user)
    return found


def _home_first(practices: list[Organisation], home: str) -> list[Organisation]:
    return sorted(practices, key=lambda o: o.ods != home)


def _returner(
    people: dict[tuple[str, str], User], org: Organisation, focus: DemoFocus
) -> Returner | None:
    """Who returns for ``org``: its nurse, else the manager of its PCN."""
    staff = people.get(("practice_staff", org.ods))
    if staff is not None:
        return Returner(org, staff, True)
    pcn = org.parent.ods if org.parent is not None else ""
    manager = focus.approvers.get(pcn)
    return Returner(org, manager, False) if manager is not None else None
