"""Periodic returns: completeness, locks, chasing and what is due."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from miniapps.db import db
from miniapps.models import AuditEntry, OutboxMessage, Record
from miniapps.services import organisations as org_service
from miniapps.services.notifications.outbox import deliver_due
from miniapps.services.notifications.smtp import SmtpConfig
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records import lifecycle as record_service
from miniapps.services.returns import tracking as returns_service
from sqlalchemy import select

from tests.publishing import publish_app
from tests.sample_definitions import MONTHLY_RETURN as MONTHLY

BASE = "https://miniapps.example.nhs.uk"
JUNE = date(2025, 6, 1)
# Targets count from the day they are made: these tests live in 2025, so their apps
# are published "on" the first of January 2025.
SINCE = date(2025, 1, 1)


def publish(db_session, targets, since=SINCE, **changes):
    return publish_app(db_session, {**MONTHLY, **changes}, targets, since=since)


@pytest.fixture
def monthly(db_session, orgs):
    return publish(db_session, [orgs["QWE"]])


def submit(db_session, users, orgs, app, ods="A00001", period="2025-04", who="practice_staff"):
    user = users[who]
    return record_service.create_record(
        db_session,
        Access(user),
        app,
        orgs[ods],
        {"count": 1},
        period=period,
        submit=True,
        actor=user,
    )


def statuses(grid):
    return {(row.org.ods, cell.period): cell.status for row in grid.rows for cell in row.cells}


def test_grid_rows_periods_and_percentage(db_session, users, orgs, monthly):
    record = submit(db_session, users, orgs, monthly)
    grid = returns_service.completeness(
        db_session,
        Access(users["pcn_manager"]),
        monthly,
        orgs["U00001"],
        ["2025-04", "2025-05"],
        today=JUNE,
    )
    assert [row.org.ods for row in grid.rows] == ["A00002", "A00001"]  # by name
    assert statuses(grid) == {
        ("A00001", "2025-04"): "submitted",
        ("A00002", "2025-04"): "overdue",
        ("A00001", "2025-05"): "not_started",
        ("A00002", "2025-05"): "not_started",
    }
    assert grid.rows[1].cells[0].record_id == record.id
    assert grid.percent == {"2025-04": 50, "2025-05": 0}


def test_completeness_ignores_closed_and_untargeted_practices(db_session, users, orgs):
    app = publish(db_session, [orgs["U00001"]])
    submit(db_session, users, orgs, app)
    # A record for an untargeted practice (left over, say) counts for nothing.
    db_session.add(
        Record(
            app_id=app.id,
            app_version=1,
            organisation=orgs["A00003"],
            period="2025-04",
            data={"count": 1},
            status="submitted",
        )
    )
    org_service.set_activity(db_session, orgs["A00002"], active_from=None, closed_on=SINCE)
    grid = returns_service.completeness(
        db_session, Access(users["platform_admin"]), app, orgs["QWE"], ["2025-04"], today=JUNE
    )
    assert [row.org.ods for row in grid.rows] == ["A00001"]
    assert grid.percent == {"2025-04": 100}


def test_owed_by_names_pcns(db_session, users, orgs):
    app = publish(
        db_session, [orgs["QWE"]], period={"frequency": "monthly", "owed_by": {"types": ["pcn"]}}
    )
    grid = returns_service.completeness(
        db_session, Access(users["platform_admin"]), app, orgs["QWE"], ["2025-04"], today=JUNE
    )
    assert [row.org.ods for row in grid.rows] == ["U00001", "U00002"]


def test_practice_users_see_only_their_own_row(db_session, users, orgs, monthly):
    grid = returns_service.completeness(
        db_session,
        Access(users["practice_staff"]),
        monthly,
        orgs["U00001"],
        ["2025-04"],
        today=JUNE,
    )
    assert [row.org.ods for row in grid.rows] == ["A00001"]
    with pytest.raises(Forbidden):
        returns_service.completeness(
            db_session, Access(users["practice_staff"]), monthly, orgs["U00002"], ["2025-04"]
        )


def test_a_locked_period_refuses_create_update_and_transition(db_session, users, orgs, monthly):
    staff, manager = users["practice_staff"], users["pcn_manager"]
    draft = record_service.create_record(
        db_session,
        Access(staff),
        monthly,
        orgs["A00001"],
        {"count": 1},
        period="2025-04",
        actor=staff,
    )
    returns_service.lock_period(
        db_session, Access(manager), monthly, orgs["U00001"], "2025-04", manager
    )
    with pytest.raises(returns_service.PeriodLocked) as caught:
        record_service.update_record(
            db_session,
            Access(staff),
            draft,
            {"count": 2},
            expected_version=draft.version,
            actor=staff,
        )
    assert caught.value.kind == "conflict"
    assert "April 2025 is locked for North PCN" in str(caught.value)
    with pytest.raises(returns_service.PeriodLocked):
        record_service.apply_transition(
            db_session, Access(staff), draft, "submit", comment=None, actor=staff
        )
    with pytest.raises(returns_service.PeriodLocked):  # by someone who may write there
        submit(db_session, users, orgs, monthly, ods="A00002", who="pcn_manager")
    # Other periods and other PCNs stay open.
    submit(db_session, users, orgs, monthly, period="2025-05")
    submit(db_session, users, orgs, monthly, ods="A00003", who="practice_manager_2")
    grid = returns_service.completeness(
        db_session, Access(manager), monthly, orgs["U00001"], ["2025-04"], today=JUNE
    )
    assert statuses(grid)[("A00002", "2025-04")] == "locked"
    assert grid.locked == {"2025-04": True}


def test_lock_and_unlock_are_audited(db_session, users, orgs, monthly):
    manager = users["pcn_manager"]
    access = Access(manager)
    returns_service.lock_period(db_session, access, monthly, orgs["U00001"], "2025-04", manager)
    assert returns_service.unlock_period(
        db_session, access, monthly, orgs["U00001"], "2025-04", manager
    )
    entries = list(db_session.scalars(select(AuditEntry).where(AuditEntry.action.like("%_period"))))
    assert {e.app_id for e in entries} == {monthly.id}
    assert [(e.action, e.record_id, e.actor_id) for e in entries] == [
        ("lock_period", None, manager.id),
        ("unlock_period", None, manager.id),
    ]
    assert {"pointer": "/period", "old": None, "new": "2025-04"} in entries[1].changes
    submit(db_session, users, orgs, monthly)  # open again


def test_only_pcn_managers_lock_and_only_above_practices(db_session, users, orgs, monthly):
    with pytest.raises(Forbidden):
        returns_service.lock_period(
            db_session,
            Access(users["practice_manager"]),
            monthly,
            orgs["U00001"],
            "2025-04",
            None,
        )
    with pytest.raises(Forbidden):
        returns_service.lock_period(
            db_session, Access(users["pcn_manager"]), monthly, orgs["A00001"], "2025-04", None
        )
    with pytest.raises(Forbidden):
        returns_service.lock_period(
            db_session, Access(users["pcn_manager"]), monthly, orgs["U00002"], "2025-04", None
        )


def test_chase_is_for_approvers_above_the_practice(db_session, users, orgs, monthly):
    with pytest.raises(Forbidden):
        returns_service.chase(
            db_session,
            Access(users["practice_manager"]),
            monthly,
            orgs["A00001"],
            "2025-04",
            users["practice_manager"],
            BASE,
        )
    with pytest.raises(Forbidden):
        returns_service.chase(
            db_session,
            Access(users["pcn_manager"]),
            monthly,
            orgs["A00003"],
            "2025-04",
            users["pcn_manager"],
            BASE,
        )


def test_chase_email_is_delivered(app, db_session, users, orgs, monthly, smtp_server):
    manager = users["pcn_manager"]
    queued = returns_service.chase(
        db_session, Access(manager), monthly, orgs["A00001"], "2025-04", manager, BASE
    )
    emails = [m for m in queued if isinstance(m, OutboxMessage)]
    assert len(emails) == len(queued)
    assert {m.to_address for m in emails} == {"pm@example.nhs.uk", "staff@example.nhs.uk"}
    db_session.commit()
    config = SmtpConfig.from_config(
        {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port}
    )
    report = deliver_due(lambda: db.new_session(app), config, datetime.now(UTC))
    assert report.sent == 2
    by_recipient = {m["To"]: m for m in smtp_server.wait_for(2)}
    email = by_recipient["staff@example.nhs.uk"]
    assert email["Subject"] == "Monthly return for April 2025 is needed from North Surgery"
    text = email.get_body(("plain",)).get_content()
    assert "10 May 2025" in text
    assert f"{BASE}/apps/monthly_return/new?period=2025-04&org=A00001" in text
    assert "Pcn Manager asked us to remind you" in text
    assert db_session.scalar(select(OutboxMessage.status).limit(1)) == "sent"


def test_due_for_lists_due_this_month_and_overdue(db_session, users, orgs, monthly):
    staff = users["practice_staff"]
    submit(db_session, users, orgs, monthly, period="2025-02")
    items = returns_service.due_for(
        db_session, Access(staff), orgs["A00001"], date(2025, 5, 12), [monthly]
    )
    got = [(i.org.ods, i.period, i.status) for i in items]
    # April is due on 10 May (grace until 13 May); March is overdue; February is done.
    assert ("A00001", "2025-04", "not_started") in got
    assert ("A00001", "2025-03", "overdue") in got
    assert all(period != "2025-02" for _, period, _ in got)
    assert all(period != "2025-05" for _, period, _ in got)  # due in June
    assert got[0][2] == "overdue"
    pcn_items = returns_service.due_for(
        db_session, Access(users["pcn_manager"]), orgs["U00001"], date(2025, 5, 12), [monthly]
    )
    assert {i.org.ods for i in pcn_items} == {"A00001", "A00002"}
