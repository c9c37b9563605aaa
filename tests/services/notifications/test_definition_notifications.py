"""The definition's ``notifications`` (and reminder ``template``s) are acted on: events,
permission-filtered recipients, sandboxed templates, and a broken template never blocks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast

from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import AppVersion, OutboxMessage
from miniapps.services import apps as app_service
from miniapps.services.notifications.outbox import deliver_due
from miniapps.services.notifications.smtp import SmtpConfig
from miniapps.services.permissions import Access
from miniapps.services.records import comments as comment_service
from miniapps.services.records import lifecycle as record_service
from miniapps.services.returns.reminders import queue_reminders
from sqlalchemy import Table, select

from tests.publishing import publish_app
from tests.sample_definitions import MONTHLY_RETURN

BASE = "https://miniapps.example.nhs.uk"
PM, STAFF, PCN = "pm@example.nhs.uk", "staff@example.nhs.uk", "pcn@example.nhs.uk"
THANKS = "Thank you {{ recipient_name }}: {{ app_title }} for {{ org_name }} is {{ status|lower }}."
LOG = {
    "id": "fridge_freezer",
    "title": "Fridge & freezer log",
    "version": 1,
    "schema": {"type": "object", "properties": {"reading": {"type": "number"}}},
}

# Targets count from their start: these tests simulate 2025.
TARGETED_FROM = date(2025, 1, 1)


def publish(db_session, orgs, **members):
    return publish_app(
        db_session, {**LOG, **members}, [orgs["QWE"]], since=TARGETED_FROM, commit=False
    )


def submit(db_session, users, orgs, app, who="practice_staff"):
    user = users[who]
    return record_service.create_record(
        db_session,
        Access(user),
        app,
        orgs["A00001"],
        {"reading": 4.25},
        submit=True,
        actor=user,
        notify_base_url=BASE,
    )


def approve(db_session, users, record):
    manager = users["practice_manager"]
    record_service.apply_transition(
        db_session,
        Access(manager),
        record,
        "approve",
        comment=None,
        actor=manager,
        notify_base_url=BASE,
    )


def delivered(app, db_session, smtp_server, count):
    db_session.commit()
    config = SmtpConfig.from_config(
        {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port}
    )
    assert deliver_due(lambda: db.new_session(app), config, datetime.now(UTC)).sent == count
    return smtp_server.wait_for(count)


def test_a_state_notification_sends_one_email_with_the_rendered_template(
    app, db_session, users, orgs, smtp_server
):
    notifications = [{"on": "state:approved", "to": ["submitter"], "template": THANKS}]
    record = submit(db_session, users, orgs, publish(db_session, orgs, notifications=notifications))
    db_session.execute(cast(Table, OutboxMessage.__table__).delete())  # the submission's own emails
    approve(db_session, users, record)
    # The submitter is told once (the definition's email replaces the built-in one).
    [email] = delivered(app, db_session, smtp_server, 1)
    assert email["To"] == STAFF
    assert email["Subject"] == "Fridge & freezer log from North Surgery: Approved"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Thank you Practice Staff: Fridge & freezer log for North Surgery is approved." in text
    assert "Fridge &amp; freezer log for North Surgery is approved." in html  # autoescaped
    assert f"{BASE}/apps/fridge_freezer/records/{record.id}" in text
    assert "4.25" not in text and "4.25" not in html  # never record data


def test_recipients_are_filtered_by_permission(db_session, users, orgs):
    # Stakeholders and another PCN's practice manager may not see North Surgery's record.
    to = ["stakeholder", "practice_manager", "icb_viewer"]
    app = publish(db_session, orgs, notifications=[{"on": "submitted", "to": to}])
    submit(db_session, users, orgs, app)
    told = set(db_session.scalars(select(OutboxMessage.to_address)))
    assert told == {PM, "icb@example.nhs.uk", PCN}  # PCN: the built-in approver email
    assert "la@example.gov.uk" not in told and "pm2@example.nhs.uk" not in told


def test_created_and_commented_events(db_session, users, orgs):
    notifications = [
        {"on": "created", "to": ["practice_manager"]},
        {"on": "commented", "to": ["practice_manager", "practice_staff"]},
    ]
    app = publish(db_session, orgs, notifications=notifications)
    staff = users["practice_staff"]
    record = record_service.create_record(
        db_session, Access(staff), app, orgs["A00001"], {}, actor=staff, notify_base_url=BASE
    )
    [created] = db_session.scalars(select(OutboxMessage)).all()
    assert (created.to_address, created.subject) == (
        PM,
        "Fridge & freezer log from North Surgery: started",
    )
    assert "Practice Staff started Fridge & freezer log" in created.body_text
    comment_service.add_comment(
        db_session, Access(staff), record, "Door was open", actor=staff, base_url=BASE
    )
    new = db_session.scalars(select(OutboxMessage).where(OutboxMessage.id != created.id)).all()
    # The author is not told of their own comment; the comment text is not in the email.
    assert [(m.to_address, m.subject) for m in new] == [
        (PM, "Fridge & freezer log from North Surgery: new comment")
    ]
    assert "Door was open" not in new[0].body_text


def test_a_template_that_fails_never_blocks_the_action(db_session, users, orgs, caplog):
    notifications = [{"on": "state:approved", "to": ["submitter"], "template": "Fine"}]
    app = publish(db_session, orgs, notifications=notifications)
    # A stored definition from before templates were checked, reaching for Python objects.
    version = db_session.scalar(select(AppVersion).where(AppVersion.app_id == app.id))
    unsafe = "{{ app_title.__class__.__mro__ }}"
    version.definition = {
        **version.definition,
        "notifications": [{**notifications[0], "template": unsafe}],
    }
    db_session.flush()
    record = submit(db_session, users, orgs, app)
    approve(db_session, users, record)
    assert record.status == "approved"
    email = db_session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == STAFF))
    assert email is not None and "is now approved" in email.body_text
    assert "class" not in email.body_text
    assert "template for state:approved not used" in caplog.text


def test_reminder_templates_and_overdue_notifications(db_session, users, orgs):
    definition = {
        **MONTHLY_RETURN,
        "reminders": [
            {
                "before_due_days": 1,
                "to": ["practice_manager"],
                "template": "Hi {{ recipient_name }}, {{ app_title }} is due {{ due }}.",
            }
        ],
        "notifications": [
            {"on": "overdue", "to": ["icb_viewer"], "template": "{{ org_ods }} is late: {{ link }}"}
        ],
    }
    app_service.publish(
        db_session,
        validate_definition(definition),
        [orgs["U00001"]],
        None,
        targeted_from=TARGETED_FROM,
    )
    queue_reminders(db_session, datetime(2025, 5, 9, 9, tzinfo=UTC), base_url=BASE)
    [reminder] = db_session.scalars(select(OutboxMessage)).all()
    assert reminder.to_address == PM
    assert "Hi Practice Manager, Monthly return is due 10 May 2025." in reminder.body_text
    queue_reminders(db_session, datetime(2025, 5, 14, 9, tzinfo=UTC), base_url=BASE)
    icb = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == "icb@example.nhs.uk")
    ).all()
    assert {m.subject for m in icb} == {
        "Overdue: Monthly return for April 2025 from North Surgery",
        "Overdue: Monthly return for April 2025 from Hill Surgery",
    }
    assert any(
        f"A00001 is late: {BASE}/apps/monthly_return/new?period=2025-04&org=A00001" in m.body_text
        for m in icb
    )
    # Once: the next run queues no more.
    before = len(db_session.scalars(select(OutboxMessage)).all())
    queue_reminders(db_session, datetime(2025, 5, 14, 10, tzinfo=UTC), base_url=BASE)
    assert len(db_session.scalars(select(OutboxMessage)).all()) == before
