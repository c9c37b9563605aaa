"""SLA breaches with a frozen clock: marked once at the first run after the deadline,
escalated once at level 2, clocks that stopped or items that closed never breach, the
definition version of each record decides, and emails carry a link, never the data.

Items are sent at a frozen moment (``send_on_events(..., now=...)``) on the shipped
calendar: Thursday 24 December 2026, so acknowledging (1 working day) is due 23:59:59 on
Tuesday 29 December and deciding (5) on Tuesday 5 January 2027.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from miniapps.models import App, ChannelBreach, ChannelItem, OutboxMessage, Record
from miniapps.services.channels.breaches import BreachReport, due_text, mark_breaches
from miniapps.services.channels.sending import send_on_events
from miniapps.services.definitions import record_definition
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import apply_transition, create_record
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.fixtures_channels import concern_definition
from tests.publishing import publish_app

BASE = "https://miniapps.example.nhs.uk"
SUMMARY = "Bruising seen on the left arm at a home visit"
SENT = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)
ACK_DUE = datetime(2026, 12, 29, 23, 59, 59, tzinfo=UTC)
DECIDE_DUE = datetime(2027, 1, 5, 23, 59, 59, tzinfo=UTC)
LA, PM, PCN = "laadult@example.gov.uk", "pm@example.nhs.uk", "pcn@example.nhs.uk"
SECOND = timedelta(seconds=1)


def aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@pytest.fixture
def send_at(db_session: Session, orgs, users, concern_app, stakeholder_users):
    """``send_at(now, kind="adult", urgent=False, app=concern_app)``: a concern sent at a
    frozen ``now``, and its one item."""

    def send(
        now: datetime, kind: str = "adult", urgent: bool = False, app: App = concern_app
    ) -> tuple[Record, ChannelItem]:
        staff = users["practice_staff"]
        data = {"kind": kind, "summary": SUMMARY, "urgent": urgent, "reference": "REF-77"}
        record = create_record(db_session, Access(staff), app, orgs["A00001"], data, actor=staff)
        record.status = "sent"  # the send step, taken at ``now``
        definition = record_definition(db_session, record)
        events = ["action:send", "state:sent", "submitted"]
        [item] = send_on_events(db_session, record, definition, events, staff, BASE, now=now)
        db_session.commit()
        return record, item

    return send


def run(session: Session, now: datetime) -> BreachReport:
    report = mark_breaches(session, now, BASE)
    session.commit()
    return report


def breach_emails(session: Session) -> list[tuple[str, str]]:
    """(dedupe key without the user, address) of every breach email queued, in order."""
    query = select(OutboxMessage).where(OutboxMessage.dedupe_key.like("channel-breach:%"))
    rows = session.scalars(query.order_by(OutboxMessage.id))
    return [((m.dedupe_key or "").rsplit(":user:", 1)[0], m.to_address) for m in rows]


def breaches(session: Session, item: ChannelItem) -> list[tuple[str, int, datetime | None]]:
    rows = session.scalars(select(ChannelBreach).where(ChannelBreach.item_id == item.id))
    return sorted((b.clock, b.level, aware(b.at)) for b in rows)


def take(session: Session, user: Any, record: Record, action: str, comment: str | None = None):
    access = Access(user)
    apply_transition(session, access, record, action, comment=comment, actor=user)
    session.commit()


def test_deadlines_follow_the_bank_holidays_over_christmas(db_session, send_at):
    _, item = send_at(SENT)
    assert aware(item.acknowledge_by) == ACK_DUE
    assert aware(item.decide_by) == DECIDE_DUE
    assert due_text(ACK_DUE) == "23:59 on Tuesday 29 December 2026"


def test_marked_once_at_the_first_run_after_the_deadline(db_session, send_at):
    _, item = send_at(SENT)
    assert run(db_session, ACK_DUE - timedelta(seconds=30)) == BreachReport()
    assert run(db_session, ACK_DUE) == BreachReport()  # due *by* 23:59:59: not late yet
    assert not item.breached and breach_emails(db_session) == []

    at = ACK_DUE + timedelta(seconds=30)  # the job's next run: every 30 seconds
    assert run(db_session, at) == BreachReport(breaches=1, escalations=0, emails=3)
    db_session.refresh(item)
    assert item.breached and aware(item.changed_at) == at
    assert breaches(db_session, item) == [("acknowledge", 1, at)]
    key = f"channel-breach:{item.id}:acknowledge:1"
    # The stakeholder's users and the provider's managers; nobody else.
    assert sorted(breach_emails(db_session)) == [(key, LA), (key, PCN), (key, PM)]

    assert run(db_session, at + timedelta(seconds=30)) == BreachReport()
    assert run(db_session, at + timedelta(hours=2)) == BreachReport()
    assert len(breach_emails(db_session)) == 3


def test_escalates_once_at_level_2_after_escalate_after_hours(db_session, send_at):
    _, item = send_at(SENT)  # adult safeguarding: escalate_to pcn_manager after 24 hours
    run(db_session, ACK_DUE + timedelta(seconds=30))
    escalation_due = ACK_DUE + timedelta(hours=24)  # counted from the deadline
    assert run(db_session, escalation_due - SECOND) == BreachReport()
    assert run(db_session, escalation_due) == BreachReport(escalations=1, emails=1)
    assert run(db_session, escalation_due + timedelta(hours=5)) == BreachReport()
    level_2 = f"channel-breach:{item.id}:acknowledge:2"
    assert breach_emails(db_session)[3:] == [(level_2, PCN)]
    assert [(c, level) for c, level, _ in breaches(db_session, item)] == [
        ("acknowledge", 1),
        ("acknowledge", 2),
    ]
    [email] = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"{level_2}:%"))
    )
    assert (
        email.subject
        == "Overdue: Safeguarding or quality concern from North Surgery (Adult safeguarding)"
    )
    assert "is still not acknowledged: it was due by 23:59 on Tuesday 29 December 2026" in (
        email.body_text
    )


def test_after_downtime_both_levels_are_taken_in_one_run_once(db_session, send_at):
    send_at(SENT)
    report = run(db_session, ACK_DUE + timedelta(hours=30))
    assert report == BreachReport(breaches=1, escalations=1, emails=4)
    assert run(db_session, ACK_DUE + timedelta(hours=31)) == BreachReport()


def test_acknowledging_in_time_stops_that_clock_only(db_session, send_at, stakeholder_users):
    record, item = send_at(SENT)
    take(db_session, stakeholder_users["LAADULT"], record, "acknowledge")
    assert run(db_session, ACK_DUE + timedelta(days=2)) == BreachReport()
    assert not item.breached

    report = run(db_session, DECIDE_DUE + timedelta(seconds=30))
    assert report == BreachReport(breaches=1, emails=3)
    [email] = db_session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.to_address == LA, OutboxMessage.dedupe_key.like("channel-breach:%")
        )
    )
    assert "was not decided by 23:59 on Tuesday 5 January 2027" in email.body_text
    assert breaches(db_session, item)[0][:2] == ("decide", 1)


def test_a_clock_stopped_after_the_breach_does_not_escalate(db_session, send_at, stakeholder_users):
    record, item = send_at(SENT)
    run(db_session, ACK_DUE + timedelta(seconds=30))
    take(db_session, stakeholder_users["LAADULT"], record, "acknowledge")
    assert run(db_session, ACK_DUE + timedelta(hours=25)) == BreachReport()
    db_session.refresh(item)
    assert item.breached  # it was late: that stays on the record
    assert [level for _, level, _ in breaches(db_session, item)] == [1]


def test_a_closed_item_never_breaches(db_session, send_at):
    _, item = send_at(SENT)
    item.closed_at = SENT + timedelta(hours=1)
    db_session.commit()
    assert run(db_session, DECIDE_DUE + timedelta(days=30)) == BreachReport()
    assert breaches(db_session, item) == [] and not item.breached


def test_urgent_items_count_clock_hours(db_session, send_at):
    _, item = send_at(SENT, urgent=True)  # acknowledge within 4 hours, on Christmas Eve
    assert aware(item.acknowledge_by) == SENT + timedelta(hours=4)
    assert run(db_session, SENT + timedelta(hours=4)) == BreachReport()
    assert run(db_session, SENT + timedelta(hours=4, seconds=30)).breaches == 1
    assert run(db_session, SENT + timedelta(hours=28)).escalations == 1


def test_a_channel_without_escalate_to_stops_at_level_1(db_session, send_at, stakeholder_users):
    _, item = send_at(SENT, kind="quality")  # ICB quality: 2 working days, no escalate_to
    assert aware(item.acknowledge_by) == datetime(2026, 12, 30, 23, 59, 59, tzinfo=UTC)
    assert run(db_session, datetime(2026, 12, 31, tzinfo=UTC)).breaches == 1
    assert run(db_session, datetime(2027, 3, 1, tzinfo=UTC)).escalations == 0
    addresses = {address for _, address in breach_emails(db_session)}
    assert addresses == {"icbq@example.gov.uk", PM, PCN}


def test_escalate_to_stakeholder_tells_the_stakeholders_users(db_session, orgs, send_at):
    definition = concern_definition()
    definition["id"] = "concern_variant"
    sla = definition["channels"][0]["sla"]
    sla.update(escalate_to=["stakeholder", "practice_manager"], escalate_after_hours=2)
    variant = publish_app(db_session, definition, [orgs["QWE"]])
    _, item = send_at(SENT, app=variant)
    assert run(db_session, ACK_DUE + timedelta(hours=2)).escalations == 1
    level_2 = f"channel-breach:{item.id}:acknowledge:2"
    assert sorted(a for k, a in breach_emails(db_session) if k == level_2) == [LA, PM]


def test_escalation_follows_the_records_definition_version(db_session, orgs, send_at):
    record, item = send_at(SENT)  # v1: pcn_manager after 24 hours
    definition = concern_definition()
    definition["version"] = 2
    definition["channels"][0]["sla"].update(
        escalate_to=["practice_manager"], escalate_after_hours=1
    )
    publish_app(db_session, definition, [orgs["QWE"]])  # carries the record forward to v2
    db_session.refresh(record)
    assert record.app_version == 2
    assert aware(item.acknowledge_by) == ACK_DUE  # deadlines stay as they were set
    report = run(db_session, ACK_DUE + timedelta(hours=1))
    assert report == BreachReport(breaches=1, escalations=1, emails=4)
    level_2 = f"channel-breach:{item.id}:acknowledge:2"
    assert [a for k, a in breach_emails(db_session) if k == level_2] == [PM]


def test_a_channel_a_later_version_dropped_breaches_without_escalating(db_session, orgs, send_at):
    _, item = send_at(SENT)
    definition = concern_definition()
    definition["version"] = 2
    definition["channels"] = definition["channels"][1:]  # no adult_safeguarding any more
    publish_app(db_session, definition, [orgs["QWE"]])
    assert run(db_session, ACK_DUE + timedelta(hours=30)) == BreachReport(breaches=1, emails=3)
    key = f"channel-breach:{item.id}:acknowledge:1:%"
    [email] = db_session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.to_address == LA, OutboxMessage.dedupe_key.like(key)
        )
    )
    assert email.subject.endswith("(adult_safeguarding)")


def test_emails_carry_a_link_never_the_record_data(db_session, send_at):
    record, _ = send_at(SENT)
    run(db_session, DECIDE_DUE + timedelta(days=2))  # both clocks, both levels
    emails = list(
        db_session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("channel-breach:%"))
        )
    )
    assert len(emails) == 8  # acknowledge and decide: 3 at level 1, 1 at level 2 each
    link = f"{BASE}/apps/safeguarding_concern/records/{record.id}"
    for email in emails:
        assert link in email.body_text and link in (email.body_html or "")
        for part in (email.subject, email.body_text, email.body_html or ""):
            assert SUMMARY not in part and "REF-77" not in part and "Bruising" not in part
