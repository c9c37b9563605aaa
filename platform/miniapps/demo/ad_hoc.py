"""The demo's ad hoc collection: the Merton adult safeguarding team publishes a short
monthly return (``demo_data/care_home_readiness.json``) to its area, as a stakeholder user
would (through its own :class:`Access`), so the team owns it; the practices of the area
return the last three months.

The practices with demo users leave the latest month open (a return to fill in); the
others are returned by their PCN manager, one of them a month late. Each return is dated
the ninth of the month after its period. Loading again adds nothing once it has records.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy.orm import Session

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import IncompatibleChange
from miniapps.demo.records import add_months
from miniapps.demo.timeline import Timeline
from miniapps.models import App, Organisation, User
from miniapps.services import apps as app_service
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import count_records, create_record

READINESS_FILE = Path(__file__).resolve().parent.parent / "demo_data" / "care_home_readiness.json"
MONTHS = 3


@dataclass(frozen=True)
class Returner:
    org: Organisation
    user: User  # fills the return in
    has_demo_users: bool  # then the latest month stays open


def publish_readiness(
    session: Session, officer: User, today: date, report_apps: list[str]
) -> App | None:
    """The readiness return, published by ``officer`` (a stakeholder user) to its area,
    targeted from the first of the months the demo returns."""
    definition = validate_definition(json.loads(READINESS_FILE.read_text(encoding="utf-8")))
    since = add_months(date(today.year, today.month, 1), -MONTHS)
    try:
        published = app_service.publish(
            session, definition, None, officer, access=Access(officer), targeted_from=since
        )
    except IncompatibleChange:
        app = session.get(App, definition.id)
        report_apps.append(f"kept {definition.id} v{app.latest_version if app else '?'}")
        return app
    verb = "published" if published.created else "unchanged"
    owner = published.app.owner.ods if published.app.owner else "nobody"
    report_apps.append(f"{verb} {definition.label} (ad hoc, owned by {owner})")
    return published.app


def load_returns(session: Session, app: App, returners: list[Returner], today: date) -> int:
    """The last :data:`MONTHS` months' returns (none once the app has records)."""
    if count_records(session, app.id):
        return 0
    first = date(today.year, today.month, 1)
    periods = [add_months(first, -back) for back in range(MONTHS, 0, -1)]
    made = 0
    for index, returner in enumerate(returners):
        rng = random.Random(f"{app.id}:{returner.org.ods}")
        for month in periods:
            latest = month == periods[-1]
            if latest and (returner.has_demo_users or index % 4 == 3):
                continue  # left to fill in, or late
            timeline = Timeline()
            returned = add_months(month, 1).replace(day=9)
            timeline.at(datetime.combine(returned, time(10, rng.randrange(60)), tzinfo=UTC))
            record = create_record(
                session,
                Access(returner.user),
                app,
                returner.org,
                _answers(rng),
                period=month.strftime("%Y-%m"),
                submit=True,
                actor=returner.user,
            )
            timeline.apply(session, record)
            made += 1
    return made


def _answers(rng: random.Random) -> dict[str, object]:
    aligned = rng.randint(0, 4)
    answers: dict[str, object] = {
        "homes_aligned": aligned,
        "homes_visited": rng.randint(0, aligned),
        "outbreak_reported": rng.random() < 0.15,
        "ipc_lead_named": rng.random() < 0.85,
    }
    if rng.random() < 0.2:
        answers["visiting_concerns"] = "Visiting restricted at one home without a clear reason."
    return answers
