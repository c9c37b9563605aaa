"""The record page of a channel record: "Sent to" with its clocks in UK time, the
stakeholder's own steps and thread, reads audited (page, API, export) and shown to the
provider's managers only, and 404 for anyone the record was not sent to."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from miniapps.models import AuditEntry, ChannelItem, Comment, OutboxMessage, Record
from sqlalchemy import select

READERS = "Who has read this record"


def page_url(record: Record, tail: str = "") -> str:
    return f"/apps/safeguarding_concern/records/{record.id}{tail}"


def text_of(html: str) -> str:
    """The page's text, tags dropped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> whose heading has ``heading_id``."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def buttons(html: str) -> list[str]:
    """The page's buttons but the header's, in order."""
    found = re.findall(r"<button[^>]*>\s*([^<]*?)\s*</button>", html)
    return [b for b in found if b and b not in ("Sign out", "Menu")]


def item_of(db_session, record: Record) -> ChannelItem:
    return db_session.scalars(select(ChannelItem).where(ChannelItem.record_id == record.id)).one()


def reads_of(db_session, record: Record) -> list[AuditEntry]:
    return list(
        db_session.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_id == record.id, AuditEntry.action == "read")
            .order_by(AuditEntry.id)
        )
    )


def test_the_stakeholder_sees_sent_to_and_its_own_steps(
    client, db_session, login, stakeholder_users, send_concern
):
    record = send_concern("adult")
    item = item_of(db_session, record)
    item.sent_at = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 09:00 in London (BST)
    item.acknowledge_by = datetime(2026, 7, 2, 22, 59, 59, tzinfo=UTC)
    item.decide_by = datetime(2026, 7, 8, 22, 59, 59, tzinfo=UTC)
    db_session.commit()
    login(stakeholder_users["LAADULT"])
    response = client.get(page_url(record))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    sent_to = text_of(section(html, "sent-to-heading"))
    assert "Test Council Adult Safeguarding (LAADULT)" in sent_to
    assert "Adult safeguarding" in sent_to
    assert "Sent 01 Jul 2026 09:00" in sent_to
    assert "Acknowledge by 02 Jul 2026 23:59" in sent_to
    assert "Decide by 08 Jul 2026 23:59" in sent_to
    assert "Acknowledged Not yet" in sent_to and "Breached" not in sent_to
    page = text_of(html)
    assert "Bruising seen at a home visit" in page  # the data
    assert buttons(html) == [
        "Acknowledge",
        "Ask for more information",
        "Record the decision",
        "Add comment",
    ]
    assert READERS not in html and "Change answers" not in html
    assert 'href="/apps/safeguarding_concern/"' not in html  # not the app's other records
    assert "Add a comment" in html


def test_breached_items_are_marked_and_times_follow_the_clock_change(
    client, db_session, login, users, send_concern
):
    record = send_concern("adult")
    item = item_of(db_session, record)
    item.sent_at = datetime(2026, 12, 24, 10, 15, tzinfo=UTC)  # GMT: the same in London
    item.acknowledged_at = datetime(2026, 12, 29, 9, 0, tzinfo=UTC)
    item.breached = True
    db_session.commit()
    login(users["practice_staff"])
    sent_to = text_of(
        section(client.get(page_url(record)).get_data(as_text=True), "sent-to-heading")
    )
    assert "Breached" in sent_to
    assert "Sent 24 Dec 2026 10:15" in sent_to and "Acknowledged 29 Dec 2026 09:00" in sent_to


def test_a_record_never_sent_has_no_channel_panels(client, login, users, submitted, db_session):
    login(users["practice_manager"])
    html = client.get(f"/apps/fridge_log/records/{submitted.id}").get_data(as_text=True)
    assert 'id="sent-to"' not in html and READERS not in html
    assert reads_of(db_session, submitted) == []


def test_the_stakeholder_takes_its_steps_on_the_page(
    client, db_session, login, stakeholder_users, send_concern
):
    record = send_concern("adult")
    login(stakeholder_users["LAADULT"])
    refused = client.post(page_url(record, "/transition"), data={"action": "request_info"})
    assert refused.status_code == 400
    assert "Enter a comment to ask for more information" in refused.get_data(as_text=True)
    done = client.post(page_url(record, "/transition"), data={"action": "acknowledge"})
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(Record, record.id).status == "acknowledged"
    assert item_of(db_session, record).acknowledged_at is not None


def test_the_stakeholder_comments_and_the_provider_is_told_without_the_text(
    client, db_session, login, users, stakeholder_users, send_concern
):
    record = send_concern("adult")
    before = set(db_session.scalars(select(OutboxMessage.id)))
    login(stakeholder_users["LAADULT"])
    added = client.post(page_url(record, "/comments"), data={"body": "Is the resident safe now?"})
    assert added.status_code == 302 and "#comment-" in added.headers["Location"]
    comment = db_session.scalars(select(Comment)).one()
    assert comment.author_id == stakeholder_users["LAADULT"].id
    new = [m for m in db_session.scalars(select(OutboxMessage)) if m.id not in before]
    told = {m.to_address for m in new}
    assert users["practice_staff"].email in told and users["practice_manager"].email in told
    assert stakeholder_users["LAADULT"].email not in told
    for message in new:
        assert "resident safe" not in message.body_text + (message.body_html or "")
        assert f"/records/{record.id}" in message.body_text
    login(users["practice_staff"])
    assert "Is the resident safe now?" in client.get(page_url(record)).get_data(as_text=True)


def test_reads_by_page_api_and_export_are_shown_to_managers_only(
    client, db_session, login, token, users, stakeholder_users, send_concern
):
    record = send_concern("adult")
    officer = stakeholder_users["LAADULT"]
    login(officer)
    assert client.get(page_url(record)).status_code == 200
    api = client.get(f"/api/v1/records/{record.id}", headers=token(users["practice_staff"]))
    assert api.status_code == 200
    login(users["pcn_manager"])
    exported = client.get("/apps/safeguarding_concern/export?format=csv")
    assert exported.status_code == 200
    assert [(e.actor_id, e.changes[0]["via"]) for e in reads_of(db_session, record)] == [
        (officer.id, "page"),
        (users["practice_staff"].id, "api"),
        (users["pcn_manager"].id, "export"),
    ]
    login(users["practice_manager"])
    html = client.get(page_url(record)).get_data(as_text=True)
    panel = text_of(section(html, "readers-heading"))
    assert "Test Council Adult Safeguarding officer" in panel
    assert "Test Council Adult Safeguarding (LAADULT) " in panel
    assert "Record page" in panel and "API" in panel and "Export" in panel
    assert "Practice Staff" in panel and "Pcn Manager" in panel
    assert "Practice Manager" in panel  # this very read
    history = html[html.index("<h2>History</h2>") : html.index('id="readers"')]
    assert "Read" not in text_of(history)  # reads do not clutter the history
    for who in ("pcn_manager", "platform_admin"):
        login(users[who])
        assert READERS in client.get(page_url(record)).get_data(as_text=True), who
    for viewer in (users["practice_staff"], users["icb_viewer"], officer):
        login(viewer)
        assert READERS not in client.get(page_url(record)).get_data(as_text=True)


@pytest.mark.parametrize("who", ["LAOTHER", "LAKIDS", "ICBQ", "stakeholder", "practice_manager_2"])
def test_anyone_it_was_not_sent_to_gets_404(
    client, db_session, login, users, stakeholder_users, send_concern, who
):
    record = send_concern("adult")
    login({**users, **stakeholder_users}[who])
    responses = [
        client.get(page_url(record)),
        client.post(page_url(record, "/comments"), data={"body": "Anyone there?"}),
        client.post(page_url(record, "/transition"), data={"action": "acknowledge"}),
        client.get(page_url(record, "/edit")),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    # The app's list and export: not theirs at all (404), or without this record.
    for listed in (
        client.get("/apps/safeguarding_concern/"),
        client.get("/apps/safeguarding_concern/export?format=json"),
    ):
        assert listed.status_code in (200, 404)
        assert "Bruising" not in listed.get_data(as_text=True)
    assert db_session.scalars(select(Comment)).all() == []
    assert reads_of(db_session, record) == []


def test_a_record_page_under_another_app_is_404(
    client, login, stakeholder_users, send_concern, fridge_app
):
    record = send_concern("adult")
    login(stakeholder_users["LAADULT"])
    assert client.get(f"/apps/fridge_log/records/{record.id}").status_code == 404
    assert client.get(f"/apps/nope/records/{record.id}").status_code == 404
