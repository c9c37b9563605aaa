"""HTML from definitions in emails (issue 15, fault 8): a notification or reminder
``template`` holding markup reaches the HTML part of every email as escaped text, never
as a link, through a real SMTP server: immediate emails, reminders, overdue escalations
and the daily digest."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask
from miniapps.core.definitions.loading import validate_definition
from miniapps.db import db
from miniapps.models import Organisation, User
from miniapps.services import apps as app_service
from miniapps.services.notifications.digests import queue_digests
from miniapps.services.notifications.outbox import deliver_due
from miniapps.services.notifications.smtp import SmtpConfig
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from miniapps.services.returns.reminders import queue_reminders
from sqlalchemy.orm import Session

from tests.fixtures_mail import SmtpSink
from tests.sample_definitions import MONTHLY_RETURN

BASE = "https://miniapps.example.nhs.uk"
PHISH = '<a href="https://evil.example/login">Click here to confirm your NHS password</a>'
ESCAPED = (
    "&lt;a href=&#34;https://evil.example/login&#34;&gt;Click here to confirm your NHS "
    "password&lt;/a&gt;"
)
LOG: dict[str, Any] = {
    "id": "fridge_freezer",
    "title": "Fridge & freezer log",
    "version": 1,
    "schema": {"type": "object", "properties": {"reading": {"type": "number"}}},
}


def _delivered(app: Flask, session: Session, smtp: SmtpSink) -> list[EmailMessage]:
    """Commit, send everything queued through the SMTP server, and answer what arrived."""
    session.commit()
    config = SmtpConfig.from_config(
        {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port}
    )
    sent = deliver_due(lambda: db.new_session(app), config, datetime.now(UTC)).sent
    assert sent >= 1
    return smtp.wait_for(sent)


def _parts(email: EmailMessage) -> tuple[str, str]:
    text = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def _assert_escaped(html: str) -> None:
    """The phishing link shows as its own text; no link to it, no tag from it."""
    assert "evil.example" in html  # the author's text is shown (as text)
    assert 'href="https://evil.example' not in html
    assert not re.search(r"<a\b[^>]*evil\.example", html)
    assert ESCAPED in html.replace("&quot;", "&#34;")


def test_a_notification_template_with_a_link_is_escaped_in_the_html_part(
    app: Flask,
    db_session: Session,
    users: dict[str, User],
    orgs: dict[str, Organisation],
    smtp_server: SmtpSink,
) -> None:
    template = PHISH + "\nFrom {{ org_name }}"
    raw = {
        **LOG,
        "notifications": [{"on": "submitted", "to": ["icb_viewer"], "template": template}],
    }
    app_service.publish(db_session, validate_definition(raw), [orgs["QWE"]], None)
    staff = users["practice_staff"]
    record_service.create_record(
        db_session, Access(staff), app_service.get_app(db_session, "fridge_freezer"),  # type: ignore[arg-type]
        orgs["A00001"], {"reading": 4.0}, submit=True, actor=staff, notify_base_url=BASE,
    )  # fmt: skip
    emails = _delivered(app, db_session, smtp_server)  # the ICB viewer's, the approvers'
    [email] = [e for e in emails if e["To"] == "icb@example.nhs.uk"]
    text, html = _parts(email)
    assert PHISH in text  # plain text is plain text: a mail client shows it as typed
    _assert_escaped(html)
    assert "<br>From North Surgery" in html  # the template's line break kept, as <br>


def test_reminder_and_overdue_templates_are_escaped_too(
    app: Flask,
    db_session: Session,
    users: dict[str, User],
    orgs: dict[str, Organisation],
    smtp_server: SmtpSink,
) -> None:
    definition = {
        **MONTHLY_RETURN,
        "reminders": [{"before_due_days": 1, "to": ["practice_manager"], "template": PHISH}],
        "notifications": [{"on": "overdue", "to": ["icb_viewer"], "template": PHISH}],
    }
    app_service.publish(
        db_session,
        validate_definition(definition),
        [orgs["A00001"]],
        None,
        targeted_from=date(2025, 1, 1),
    )
    queue_reminders(db_session, datetime(2025, 5, 9, 9, tzinfo=UTC), base_url=BASE)
    queue_reminders(db_session, datetime(2025, 5, 14, 9, tzinfo=UTC), base_url=BASE)
    emails = _delivered(app, db_session, smtp_server)  # reminder, overdue (ICB), escalation
    templated = [e for e in emails if "evil.example" in _parts(e)[0]]
    assert {e["To"] for e in templated} == {"pm@example.nhs.uk", "icb@example.nhs.uk"}
    for email in templated:
        _assert_escaped(_parts(email)[1])


def test_the_daily_digest_shows_a_held_template_as_text(
    app: Flask,
    db_session: Session,
    users: dict[str, User],
    orgs: dict[str, Organisation],
    smtp_server: SmtpSink,
) -> None:
    users["icb_viewer"].notification_delivery = "digest"
    raw = {**LOG, "notifications": [{"on": "submitted", "to": ["icb_viewer"], "template": PHISH}]}
    app_service.publish(db_session, validate_definition(raw), [orgs["QWE"]], None)
    staff = users["practice_staff"]
    record_service.create_record(
        db_session, Access(staff), app_service.get_app(db_session, "fridge_freezer"),  # type: ignore[arg-type]
        orgs["A00001"], {"reading": 4.0}, submit=True, actor=staff, notify_base_url=BASE,
    )  # fmt: skip
    db_session.commit()
    report = queue_digests(db_session, datetime.now(UTC), day=date.today(), base_url=BASE)
    assert report.digests == 1
    emails = _delivered(app, db_session, smtp_server)  # the approvers', then the digest
    [digest] = [e for e in emails if e["To"] == "icb@example.nhs.uk"]
    _assert_escaped(_parts(digest)[1])


def test_no_email_template_marks_anything_safe() -> None:
    """Every HTML email is an autoescaped template; none may turn escaping off."""
    folder = Path(app_service.__file__).parent.parent / "templates" / "email"
    templates = sorted(folder.glob("*.html"))
    assert len(templates) > 10
    for template in templates:
        source = template.read_text()
        for switch in ("|safe", "| safe", "autoescape false", "Markup("):
            assert switch not in source, f"{template.name}: {switch}"
