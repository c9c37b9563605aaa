"""The complaints and training story of the CQC demo: complaints in every state with one
acknowledgement overdue and one past 6 months with a holding letter; a training record
for every required course of every person with mixed status and one course missing;
nothing twice when loaded again, and no emails."""

from __future__ import annotations

from collections import Counter
from datetime import date

from miniapps.demo.compliance import CqcPeople
from miniapps.demo.cqc_deadlines import STORY, load_deadlines
from miniapps.models import Organisation, OutboxMessage, Record, User
from miniapps.services import users as user_service
from miniapps.services.definitions import app_definition, record_definition
from miniapps.services.records.deadlines import record_deadlines
from miniapps.services.records.matrix import org_matrix
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cqc_deadlines import publish_complaints, publish_training

TODAY = date.today()


def people(db_session: Session, orgs: dict[str, Organisation], users: dict[str, User]):
    north = orgs["A00001"]
    staff = [users["practice_staff"]] + [
        user_service.create_user(
            db_session, f"s{n}@example.nhs.uk", f"Staff {n}", None, "practice_staff", north
        )
        for n in range(1, 8)
    ]
    apps = {"cqc_complaints": publish_complaints(db_session, orgs),
            "cqc_training": publish_training(db_session, orgs)}  # fmt: skip
    return CqcPeople(
        admin=users["platform_admin"],
        pcn=orgs["U00001"],
        pcn_manager=users["pcn_manager"],
        practices=[north, orgs["A00002"]],
        managers={"A00001": users["practice_manager"]},
        staff={"A00001": staff},
        apps=apps,
    )


def test_the_story(db_session: Session, orgs, users) -> None:
    cast = people(db_session, orgs, users)
    created = load_deadlines(db_session, cast, TODAY)
    db_session.commit()
    assert created["cqc_complaints"] == len(STORY)
    complaints = list(db_session.scalars(select(Record).where(Record.app_id == "cqc_complaints")))
    states = Counter(r.status for r in complaints)
    assert set(states) == {"draft", "received", "acknowledged", "holding_letter_sent",
                           "responded", "closed"}  # fmt: skip
    assert states["closed"] > len(STORY) / 2
    standings: Counter[tuple[str, str]] = Counter()
    for record in complaints:
        for status in record_deadlines(db_session, record, record_definition(db_session, record)):
            standings[(status.deadline.id, status.standing)] += 1
    assert standings[("acknowledge", "overdue")] == 1
    assert standings[("acknowledge", "late")] == 1
    assert standings[("holding_letter", "met")] == 1  # sent, and now past 6 months
    assert standings[("holding_letter", "overdue")] == 0

    app = cast.apps["cqc_training"]
    matrix = org_matrix(db_session, app, app_definition(db_session, app), orgs["A00001"], TODAY)
    assert matrix is not None and len(matrix.rows) == 9
    cells = Counter(c.status for row in matrix.rows for c in row.cells.values())
    assert cells["missing"] == 1
    assert cells["in_date"] > cells["due_soon"] > 0 and cells["out_of_date"] > 0
    assert cells["in_date"] > 3 * (cells["due_soon"] + cells["out_of_date"])
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    assert load_deadlines(db_session, cast, TODAY) == {}
