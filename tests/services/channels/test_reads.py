"""Reads of channel records: one audit entry per read, by anyone, and who read it."""

from __future__ import annotations

import pytest
from miniapps.core.workflow import Workflow
from miniapps.models import AuditEntry, Record
from miniapps.services.channels.reads import audit_read, audit_reads, readers, sees_readers
from miniapps.services.definitions import record_definition
from miniapps.services.permissions import Access, SystemAccess
from miniapps.services.records.comments import waiting_comment
from miniapps.services.records.duties import record_authors
from miniapps.services.records.lifecycle import apply_transition
from sqlalchemy import select
from sqlalchemy.orm import Session


def reads_of(session: Session, record: Record) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_id == record.id, AuditEntry.action == "read")
            .order_by(AuditEntry.id)
        )
    )


def test_a_record_never_sent_is_not_audited(db_session, users, submitted):
    assert audit_read(db_session, Access(users["practice_manager"]), submitted, "page") is False
    assert audit_reads(db_session, Access(users["practice_manager"]), [submitted], "api") == 0
    assert reads_of(db_session, submitted) == []


@pytest.mark.parametrize(
    ("who", "side", "org"),
    [
        ("practice_staff", "provider", "A00001"),
        ("practice_manager", "provider", "A00001"),
        ("pcn_manager", "provider", "U00001"),
        ("platform_admin", "provider", "QWE"),
        ("icb_viewer", "provider", "QWE"),
    ],
)
def test_a_provider_read_names_the_reader_and_their_organisation(
    db_session, users, send_concern, who, side, org
):
    record = send_concern("adult")
    assert audit_read(db_session, Access(users[who]), record, "page") is True
    (entry,) = reads_of(db_session, record)
    assert entry.actor_id == users[who].id and entry.app_id == "safeguarding_concern"
    change = entry.changes[0]
    assert (change["pointer"], change["via"], change["side"], change["org"]) == (
        "",
        "page",
        side,
        org,
    )


def test_a_stakeholder_read_names_the_stakeholder(db_session, stakeholder_users, send_concern):
    record = send_concern("adult")
    officer = stakeholder_users["LAADULT"]
    audit_read(db_session, Access(officer), record, "api")
    (entry,) = reads_of(db_session, record)
    assert entry.actor_id == officer.id
    assert {k: entry.changes[0][k] for k in ("via", "side", "org")} == {
        "via": "api",
        "side": "stakeholder",
        "org": "LAADULT",
    }


def test_the_platform_reading_for_itself_is_audited_too(db_session, send_concern):
    record = send_concern("adult")
    audit_read(db_session, SystemAccess(), record, "export")
    (entry,) = reads_of(db_session, record)
    assert entry.actor_id is None
    assert (entry.changes[0]["side"], entry.changes[0]["org"]) == ("platform", None)


def test_a_list_audits_each_channel_record_once(db_session, users, send_concern, submitted):
    first, second = send_concern("adult"), send_concern("child")
    access = Access(users["pcn_manager"])
    assert audit_reads(db_session, access, [first, submitted, second, first], "api") == 2
    assert [len(reads_of(db_session, r)) for r in (first, second, submitted)] == [1, 1, 0]


def test_an_unknown_way_of_reading_is_a_programming_error(db_session, users, send_concern):
    record = send_concern("adult")
    with pytest.raises(ValueError, match="via must be one of page, api, export"):
        audit_read(db_session, Access(users["practice_manager"]), record, "email")


def test_readers_one_row_per_person_and_way_the_latest_first(
    db_session, orgs, users, stakeholders, stakeholder_users, send_concern
):
    record = send_concern("adult")
    officer, manager = stakeholder_users["LAADULT"], users["practice_manager"]
    audit_read(db_session, Access(officer), record, "page")
    audit_read(db_session, Access(manager), record, "api")
    audit_read(db_session, Access(officer), record, "page")
    audit_read(db_session, Access(officer), record, "export")
    db_session.commit()
    rows = readers(db_session, record)
    assert [(r.user, r.via, r.organisation, r.times) for r in rows] == [
        (officer, "export", stakeholders["LAADULT"], 1),
        (officer, "page", stakeholders["LAADULT"], 2),
        (manager, "api", orgs["A00001"], 1),
    ]
    entries = reads_of(db_session, record)
    assert rows[1].when == entries[2].at  # the latest of the two page reads


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("practice_manager", True),
        ("pcn_manager", True),
        ("platform_admin", True),
        ("practice_staff", False),
        ("icb_viewer", False),
        ("practice_manager_2", False),
    ],
)
def test_who_may_see_the_readers(db_session, users, send_concern, who, sees):
    record = send_concern("adult")
    assert sees_readers(Access(users[who]), record) is sees


def test_stakeholders_never_see_the_readers(db_session, stakeholder_users, send_concern):
    record = send_concern("adult")
    assert sees_readers(Access(stakeholder_users["LAADULT"]), record) is False


def test_reads_do_not_disturb_the_workflow_trail(
    db_session, users, stakeholder_users, send_concern
):
    record = send_concern("adult")
    officer = stakeholder_users["LAADULT"]
    apply_transition(
        db_session, Access(officer), record, "request_info", comment="Which home?", actor=officer
    )
    db_session.commit()
    workflow = Workflow(record_definition(db_session, record).workflow)
    authors = record_authors(db_session, record, workflow)
    for user in (officer, users["practice_manager"], users["pcn_manager"]):
        audit_read(db_session, Access(user), record, "page")
    db_session.commit()
    waiting = waiting_comment(db_session, record)
    assert waiting is not None and waiting[0].body == "Which home?"
    assert record_authors(db_session, record, workflow) == authors


def test_an_export_from_the_command_line_is_audited_once_per_channel_record(
    runner, db_session, send_concern, submitted
):
    records = [send_concern("adult"), send_concern("quality")]
    result = runner.invoke(args=["records", "export", "safeguarding_concern", "--format", "json"])
    assert result.exit_code == 0, result.output
    for record in records:
        (entry,) = reads_of(db_session, record)
        assert entry.actor_id is None
        assert (entry.changes[0]["via"], entry.changes[0]["side"]) == ("export", "platform")
    assert reads_of(db_session, submitted) == []
