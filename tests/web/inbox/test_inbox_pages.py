"""The inbox page: a stakeholder sees their organisation's items only, a provider "Sent";
each filter, paging, deadlines marked; 403 for a user with neither; the header link and
the stakeholder's home page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.models import ChannelItem, Record, User
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import apply_transition
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.fixtures_channels import PASSWORD

NAV = r'href="/inbox"[^>]*>(?:<strong[^>]*>)?\s*'
RECORD_LINK = re.compile(
    r'data-item-id="\d+" data-changed="[^"]*" href="/apps/[a-z_]+/records/(\d+)"'
)


def signed_in(app: Flask, user: User) -> FlaskClient:
    """A client of its own, signed in as ``user`` (several users in one test)."""
    client = app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def listed(html: str) -> list[int]:
    """The record ids the page's table lists, in order."""
    return [int(found) for found in RECORD_LINK.findall(html)]


def page(client: FlaskClient, query: str = "", status: int = 200) -> str:
    response = client.get("/inbox" + query)
    html = response.get_data(as_text=True)
    assert response.status_code == status, html
    return html


def take(session: Session, user: User, record: Record, action: str, comment: str | None = None):
    apply_transition(session, Access(user), record, action, comment=comment, actor=user)
    session.commit()


def item_of(session: Session, record: Record) -> ChannelItem:
    return session.scalars(select(ChannelItem).where(ChannelItem.record_id == record.id)).one()


@pytest.fixture
def three_kinds(send_concern) -> dict[str, Record]:
    return {kind: send_concern(kind) for kind in ("adult", "child", "quality")}


def test_each_stakeholder_sees_only_their_organisations_items(
    app, three_kinds, stakeholder_users
) -> None:
    expected = {
        "LAADULT": [three_kinds["adult"].id],
        "LAKIDS": [three_kinds["child"].id],
        "ICBQ": [three_kinds["quality"].id],
        "LAOTHER": [],
    }
    for ods, records in expected.items():
        html = page(signed_in(app, stakeholder_users[ods]))
        assert listed(html) == records, ods
        assert "<h1>Inbox</h1>" in html
        # The header links to the inbox by that name.
        assert re.search(NAV + "Inbox<", html)
    html = page(signed_in(app, stakeholder_users["LAOTHER"]))
    assert "0 items" in html and "Nothing has been sent to your organisation yet" in html


def test_a_row_shows_provider_app_channel_status_and_deadlines(
    app, send_concern, stakeholder_users
) -> None:
    record = send_concern("adult")
    html = page(signed_in(app, stakeholder_users["LAADULT"]))
    row = html[html.index('data-item-id="') :]
    row = row[: row.index("</tr>")]
    for text in (
        f"/apps/safeguarding_concern/records/{record.id}",
        "North Surgery (A00001)",
        "Safeguarding or quality concern",
        "Adult safeguarding",
        "Sent",
    ):
        assert text in row, text
    assert row.count("<time datetime=") == 3  # sent, acknowledge by, decide by
    assert "Overdue" not in row and "Acknowledged" not in row
    assert 'class="nhsuk-table__caption' in html and 'scope="col"' in html
    assert 'scope="row"' in html
    assert 'data-stream-url="/inbox/stream?since=' in html
    assert "js/inbox_live.mjs" in html


def test_a_provider_sees_what_they_sent_under_sent(app, users, three_kinds) -> None:
    html = page(signed_in(app, users["practice_staff"]))
    assert "<h1>Sent</h1>" in html
    assert re.search(NAV + "Sent<", html)
    assert sorted(listed(html)) == sorted(r.id for r in three_kinds.values())
    # "Sent to": the receiving team of each.
    for team in ("Test Council Adult Safeguarding (LAADULT)", "Test ICB Quality Team (ICBQ)"):
        assert team in html
    # Another PCN's practice sent nothing the first practice may read.
    assert listed(page(signed_in(app, users["practice_manager_2"]))) == []
    assert "has not sent anything through a channel yet" in page(
        signed_in(app, users["practice_manager_2"])
    )


def test_filters_each_narrow_the_list(
    app, db_session, users, send_concern, stakeholder_users
) -> None:
    north = send_concern("adult")
    south = send_concern("adult", ods="A00003", actor=users["practice_manager_2"])
    older = send_concern("adult", ods="A00002", actor=users["pcn_manager"])
    take(db_session, stakeholder_users["LAADULT"], north, "acknowledge")
    item_of(db_session, south).breached = True
    item_of(db_session, older).sent_at = datetime(2026, 1, 15, 10, tzinfo=UTC)
    db_session.commit()
    client = signed_in(app, stakeholder_users["LAADULT"])
    assert sorted(listed(page(client))) == sorted([north.id, south.id, older.id])

    def only(query: str) -> list[int]:
        return sorted(listed(page(client, query)))

    assert only("?status=acknowledged") == [north.id]
    assert only("?provider=A00003") == [south.id]
    assert only("?provider=U00001") == sorted([north.id, older.id])  # a PCN: its practices
    assert only("?breached=yes") == [south.id]
    assert only("?breached=no") == sorted([north.id, older.id])
    assert only("?period=2026-01") == [older.id]
    assert only("?channel=safeguarding_concern/adult_safeguarding") == sorted(
        [north.id, south.id, older.id]
    )
    assert only("?channel=safeguarding_concern/quality") == []
    assert only("?status=acknowledged&provider=A00003") == []
    html = page(client, "?status=sent")
    assert "2 items match these filters" in html
    # The form offers what is there, titled, and keeps the choice.
    assert '<option value="safeguarding_concern/adult_safeguarding"' in html
    assert "Adult safeguarding (Safeguarding or quality concern)" in html
    assert re.search(r'<option value="sent"\s+selected[^>]*>\s*Sent<', html)
    assert "South Surgery (A00003)" in html
    assert "No items match these filters" in page(client, "?status=closed")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?period=2026-13", "Enter the month sent as a year and month"),
        ("?provider=ZZZ99", "No organisation has the ODS code"),
        ("?breached=maybe", "Choose overdue or not overdue"),
    ],
)
def test_bad_filters_are_named(app, stakeholder_users, stakeholders, query, message) -> None:
    html = page(signed_in(app, stakeholder_users["LAADULT"]), query, status=400)
    assert "There is a problem" in html and message in html
    field = query[1:].split("=")[0]
    assert f'href="#filter-{field}"' in html


def test_paging(app, monkeypatch, send_concern, stakeholder_users) -> None:
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    sent = [send_concern("adult").id for _ in range(3)]
    client = signed_in(app, stakeholder_users["LAADULT"])
    first = page(client)
    assert listed(first) == [sent[2], sent[1]]  # the most recently sent first
    assert "Page 1 of 2" in first and 'href="/inbox?page=2"' in first
    second = page(client, "?page=2")
    assert listed(second) == [sent[0]] and "Page 2 of 2" in second
    # Filters are kept from page to page.
    assert 'href="/inbox?page=2&amp;status=sent"' in page(client, "?status=sent")


def test_overdue_acknowledged_and_decided_are_marked(
    app, db_session, send_concern, stakeholder_users
) -> None:
    late = send_concern("adult")
    worked = send_concern("adult")
    item = item_of(db_session, late)
    item.acknowledge_by = datetime.now(UTC) - timedelta(hours=2)
    item.breached = True
    officer = stakeholder_users["LAADULT"]
    take(db_session, officer, worked, "acknowledge")
    take(db_session, officer, worked, "decide", "No further action")
    html = page(signed_in(app, officer))
    rows = {int(m.group(1)): m.start() for m in RECORD_LINK.finditer(html)}

    def row(record: Record) -> str:
        start = rows[record.id]
        return html[start : html.index("</tr>", start)]

    assert "nhsuk-tag--red" in row(late) and "Overdue" in row(late)
    assert "Acknowledged" in row(worked) and "Decided" in row(worked)
    assert "Overdue" not in row(worked)


def test_no_inbox_without_items_access(app, db_session, users, stakeholders) -> None:
    nobody = users["practice_staff"]
    nobody.memberships.clear()
    db_session.commit()
    client = signed_in(app, nobody)
    assert client.get("/inbox").status_code == 403
    assert client.get("/inbox/stream").status_code == 403
    assert 'href="/inbox"' not in client.get("/").get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.get("/inbox").status_code == 302  # to the sign-in page
    assert anonymous.get("/inbox/stream").status_code == 401


def test_stakeholder_home_page_counts_open_and_overdue_items(
    app, db_session, send_concern, stakeholder_users
) -> None:
    client = signed_in(app, stakeholder_users["LAADULT"])
    home = client.get("/").get_data(as_text=True)
    assert "Your inbox" in home and "0 open items." in home
    first = send_concern("adult")
    send_concern("adult")
    item_of(db_session, first).breached = True
    db_session.commit()
    home = client.get("/").get_data(as_text=True)
    summary: Any = re.search(r"data-inbox-summary>(.*?)</p>", home, re.S)
    assert summary is not None
    assert "2 open items, 1 overdue." in " ".join(summary.group(1).split())
    assert 'href="/inbox"' in home
