"""Issue 14: records about another organisation (``subject``): a peer review audit written
by one practice about another practice of its PCN (the bundled ``cqc_peer_review``).

The subject must be another active practice of the writer's PCN, refused otherwise at the
field's pointer with nothing stored; the audited practice reads the record once it is
submitted (never the draft) and takes the steps marked ``"side": "subject"``; the writer
keeps the provider-side steps; anyone else is told the record does not exist.
"""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import App, Organisation, Record, User
from miniapps.services import users as user_service
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records import lifecycle
from miniapps.services.records.listing import records_page, visible_record
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD
from tests.cqc_peer_apps import publish_cqc


def review(audited: str, **extra: Any) -> dict[str, Any]:
    item = {"area": "medicines", "checked": "Fridge log kept daily", "result": "met"}
    return {"audited_practice": audited, "visit_date": "2026-01-15", "checklist": [item], **extra}


@pytest.fixture
def peer_app(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return publish_cqc(db_session, "cqc_peer_review", [orgs["QWE"]])


@pytest.fixture
def hill(db_session: Session, orgs: dict[str, Organisation]) -> User:
    """The practice manager of Hill Surgery (A00002), North PCN's other practice."""
    user = user_service.create_user(
        db_session, "hill@example.nhs.uk", "Hill Manager", PASSWORD, "practice_manager",
        orgs["A00002"],
    )  # fmt: skip
    db_session.commit()
    return user


def write(db_session: Session, user: User, app: App, org: Organisation, data: Any, submit=False):
    return lifecycle.create_record(
        db_session, Access(user), app, org, data, submit=submit, actor=user
    )


def stored(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Record)) or 0


@pytest.mark.parametrize(
    ("audited", "message"),
    [
        ("A00003", "Practice audited: A00003 is not a practice of your PCN"),
        ("U00001", "Practice audited: U00001 is not a practice of your PCN"),
        ("NOPE1", "Practice audited: NOPE1 is not a practice of your PCN"),
        ("A00001", "Practice audited: a practice cannot peer review itself"),
    ],
    ids=["other-pcn", "the-pcn-itself", "unknown", "itself"],
)
@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
def test_a_subject_outside_the_pcn_or_the_writer_itself_is_refused(
    db_session, users, orgs, peer_app, audited, message, submit
) -> None:
    with pytest.raises(DataInvalid) as caught:
        write(
            db_session, users["practice_manager"], peer_app, orgs["A00001"], review(audited), submit
        )
    assert [(i.pointer, i.message) for i in caught.value.issues] == [("/audited_practice", message)]
    db_session.rollback()
    assert stored(db_session) == 0


def test_a_closed_practice_of_the_pcn_cannot_be_named(db_session, users, orgs, peer_app) -> None:
    orgs["A00002"].active = False
    db_session.commit()
    with pytest.raises(DataInvalid) as caught:
        write(db_session, users["practice_manager"], peer_app, orgs["A00001"], review("A00002"))
    assert caught.value.issues[0].message == (
        "Practice audited: A00002 is not a practice of your PCN"
    )


def test_the_subject_is_kept_on_the_record_and_follows_edits(
    db_session, users, orgs, peer_app
) -> None:
    pm = users["practice_manager"]
    record = write(db_session, pm, peer_app, orgs["A00001"], review("A00002"))
    assert record.subject_id == orgs["A00002"].id
    assert record.subject is orgs["A00002"]
    # A third practice joins the PCN: the draft is pointed at it instead.
    upsert_organisations(db_session, [OrgRow("A00005", "Brook Surgery", "practice", "U00001")])
    lifecycle.update_record(
        db_session, Access(pm), record, review("A00005"), expected_version=record.version,
        actor=pm,
    )  # fmt: skip
    brook = db_session.scalar(select(Organisation).where(Organisation.ods == "A00005"))
    assert brook is not None and record.subject_id == brook.id
    # ODS codes are written as they are: a lower-case code names no practice.
    with pytest.raises(DataInvalid) as caught:
        lifecycle.update_record(
            db_session, Access(pm), record, review("a00002"), expected_version=record.version,
            actor=pm,
        )  # fmt: skip
    assert (
        caught.value.issues[0].message == "Practice audited: a00002 is not a practice of your PCN"
    )


def test_the_subject_reads_the_record_once_submitted_not_as_a_draft(
    db_session, users, orgs, peer_app, hill
) -> None:
    pm = users["practice_manager"]
    record = write(db_session, pm, peer_app, orgs["A00001"], review("A00002"))
    db_session.commit()
    assert record is not None
    reader = Access(hill)
    assert visible_record(db_session, reader, record.id) is None
    assert records_page(db_session, reader, peer_app, page=1, page_size=20).total == 0

    lifecycle.apply_transition(db_session, Access(pm), record, "submit", comment=None, actor=pm)
    db_session.commit()
    seen = visible_record(db_session, reader, record.id)
    assert seen == record  # the same object (models compare by identity)
    listed = records_page(db_session, reader, peer_app, page=1, page_size=20)
    assert [r.id for r in listed.items] == [record.id]
    # It is the writer's record: Hill may not change its answers.
    assert not reader.can("write", record.organisation, peer_app)


def test_another_pcns_practice_never_sees_it(db_session, users, orgs, peer_app) -> None:
    pm = users["practice_manager"]
    record = write(db_session, pm, peer_app, orgs["A00001"], review("A00002"), submit=True)
    db_session.commit()
    outsider = Access(users["practice_manager_2"])
    assert visible_record(db_session, outsider, record.id) is None
    assert records_page(db_session, outsider, peer_app, page=1, page_size=20).total == 0


def test_the_subject_answers_and_the_writer_closes(db_session, users, orgs, peer_app, hill) -> None:
    pm = users["practice_manager"]
    record = write(db_session, pm, peer_app, orgs["A00001"], review("A00002"), submit=True)
    db_session.commit()
    assert [t.action for t in lifecycle.allowed_actions(Access(pm), db_session, record)] == []
    with pytest.raises(Forbidden) as caught:
        lifecycle.apply_transition(
            db_session, Access(pm), record, "answer", comment=None, actor=pm,
            data={"response": "Thank you"},
        )  # fmt: skip
    assert str(caught.value) == (
        "Only the subject side can answer the audit: Hill Surgery (A00002), the "
        "organisation this record is about."
    )
    assert record.status == "submitted" and "response" not in record.data

    offered = lifecycle.allowed_actions(Access(hill), db_session, record)
    assert [t.action for t in offered] == ["answer"]
    lifecycle.apply_transition(
        db_session, Access(hill), record, "answer", comment=None, actor=hill,
        data={"response": "We have moved the fridge log to the clinical room."},
    )  # fmt: skip
    assert record.status == "answered"
    assert record.data["response"].startswith("We have moved")

    with pytest.raises(Forbidden) as refused:
        lifecycle.apply_transition(
            db_session, Access(hill), record, "close", comment=None, actor=hill
        )
    assert str(refused.value) == (
        "Only the provider side can close the audit: North Surgery (A00001), which wrote "
        "this record."
    )
    lifecycle.apply_transition(db_session, Access(pm), record, "close", comment=None, actor=pm)
    assert record.status == "closed"


def test_an_edit_keeping_a_subject_that_left_the_pcn_is_allowed(
    db_session, users, orgs, peer_app
) -> None:
    """Only a new or changed subject is checked: a draft written before the audited
    practice closed can still be saved."""
    pm = users["practice_manager"]
    record = write(db_session, pm, peer_app, orgs["A00001"], review("A00002"))
    orgs["A00002"].active = False
    db_session.flush()
    lifecycle.update_record(
        db_session, Access(pm), record, review("A00002", auditors="Practice nurse"),
        expected_version=record.version, actor=pm,
    )  # fmt: skip
    assert record.data["auditors"] == "Practice nurse"


def test_figures_stay_the_writers(db_session, users, orgs, peer_app, hill) -> None:
    pm = users["practice_manager"]
    write(db_session, pm, peer_app, orgs["A00001"], review("A00002"), submit=True)
    db_session.commit()
    result = app_dashboard(db_session, Access(users["pcn_manager"]), peer_app, orgs["U00001"])
    records = next(w for w in result["widgets"] if w["id"] == "records")
    assert records["data"]["by_org"] == {"A00001": 1}


def test_the_api_refuses_a_practice_of_another_pcn_at_its_pointer(
    client, db_session, users, orgs, peer_app, token
) -> None:
    headers = token(users["practice_manager"])
    body = {"org": "A00001", "data": review("A00004"), "submit": True}
    response = client.post("/api/v1/apps/cqc_peer_review/records", json=body, headers=headers)
    assert response.status_code == 422
    message = "Practice audited: A00004 is not a practice of your PCN"
    assert response.get_json()["errors"] == [{"pointer": "/audited_practice", "message": message}]
    assert stored(db_session) == 0


def test_api_subject_side_step_is_403_for_the_writer_and_404_elsewhere(
    client, db_session, users, orgs, peer_app, hill, token
) -> None:
    pm = users["practice_manager"]
    record = write(db_session, pm, peer_app, orgs["A00001"], review("A00002"), submit=True)
    db_session.commit()
    url = f"/api/v1/records/{record.id}/transitions"
    step = {"action": "answer", "data": {"response": "Noted"}}
    writer = client.post(url, json=step, headers=token(pm))
    assert writer.status_code == 403
    assert "Only the subject side can answer the audit" in writer.get_json()["message"]
    outsider = client.post(url, json=step, headers=token(users["practice_manager_2"]))
    assert outsider.status_code == 404
    assert (
        client.get(
            f"/api/v1/records/{record.id}", headers=token(users["practice_manager_2"])
        ).status_code
        == 404
    )
    subject = client.post(url, json=step, headers=token(hill))
    assert subject.status_code == 200, subject.get_json()
    assert subject.get_json()["status"] == "answered"
