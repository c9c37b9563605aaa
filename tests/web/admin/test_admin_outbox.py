"""The outbox page shows a message that went through the real SMTP test server: to,
subject, state, attempts, and the message as it was sent (text and HTML)."""

from __future__ import annotations

from datetime import UTC, datetime

from miniapps.db import db
from miniapps.models import OutboxMessage
from miniapps.services.notifications.outbox import deliver_due
from miniapps.services.notifications.smtp import SmtpConfig
from sqlalchemy import select


def test_outbox_lists_a_sent_invitation_and_shows_it_as_sent(
    app, client, login, users, db_session, smtp_server
):
    login(users["platform_admin"])
    client.post(
        "/admin/users/invite",
        data={
            "email": "reader@example.nhs.uk",
            "name": "Rea Der",
            "org": "A00001",
            "role": "practice_staff",
        },
    )
    config = SmtpConfig(
        host="127.0.0.1", port=smtp_server.port, mail_from="miniapps <no-reply@miniapps.test>"
    )
    report = deliver_due(lambda: db.new_session(app), config, datetime.now(UTC))
    assert report.sent == 1
    received = smtp_server.wait_for(1)[0]
    assert received["To"] == "reader@example.nhs.uk"
    message = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == "reader@example.nhs.uk")
    ).one()
    db_session.refresh(message)

    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "reader@example.nhs.uk" in listing and "Set your password for miniapps" in listing
    assert "Sent" in listing and f'href="/admin/outbox/{message.id}"' in listing

    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    sent_text = received.get_body(preferencelist=("plain",)).get_content()
    link = next(line for line in sent_text.splitlines() if "/invitations/" in line)
    assert link in page  # the text part, as it was sent
    assert "<iframe" in page and "sandbox" in page and "srcdoc=" in page
    assert "&lt;a href=" in page  # the HTML part, escaped into the sandboxed frame
    assert "Delivered" in page

    filtered = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "reader@example.nhs.uk" not in filtered
