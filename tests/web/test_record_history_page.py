"""The record page: the reason for a workflow step (banner and thread) and the history in
words (labels, readable values, state titles; no raw JSON)."""

from __future__ import annotations

import html as html_lib
import re

from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service

from tests.conftest import iif_data

REASON = "The reading looks too high: please check the thermometer."


def page_text(page: str) -> str:
    """The page's words, tags dropped and whitespace collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def history_text(page: str) -> str:
    start = page.index("<h2>History</h2>")
    return page_text(page[start : page.index("</table>", start)])


def callout(page: str) -> str:
    start = page.index('id="workflow-comment"')
    return page[start : page.index("</div>", page.index(REASON, start))]


def test_returned_record_shows_the_reason_until_the_next_step(
    client, db_session, users, login, submitted
) -> None:
    login(users["pcn_manager"])
    url = f"/apps/fridge_log/records/{submitted.id}"
    response = client.post(f"{url}/transition", data={"action": "return", "comment": REASON})
    assert response.status_code == 302
    client.post("/auth/logout")
    login(users["practice_manager"])
    page = client.get(url).get_data(as_text=True)
    # A warning callout at the top: the record is back with the practice to change.
    assert "nhsuk-card--warning" in page[: page.index("<h2>Answers</h2>")]
    banner = page_text(callout(page))
    assert "Returned for changes" in banner
    assert "Comment from Pcn Manager , " in banner
    assert REASON in banner
    # The comment is in the thread, by the PCN manager, marked with the action.
    comments = page[page.index('<h2 id="comments">') :]
    thread = page_text(comments[: comments.index("<h2>History</h2>")])
    assert re.search(
        r"Pcn Manager · \d\d \w{3} \d{4} \d\d:\d\d Returned for changes " + re.escape(REASON),
        thread,
    )
    # The history says what happened in words, linking to the comment.
    history = history_text(page)
    assert "Returned for changes Status: Submitted → Draft Comment: in the thread" in history
    assert "Submitted Status: Draft → Submitted" in history
    assert "Created Temperature (°C): 9.5" in history
    assert "/status" not in history and "/comment" not in history
    # Submitting again ends the wait: no banner, the comment stays in the thread.
    again = client.post(f"{url}/transition", data={"action": "submit"})
    assert again.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'id="workflow-comment"' not in page
    assert REASON in page


def test_approval_with_a_comment_from_the_page(client, db_session, users, login, submitted) -> None:
    login(users["practice_manager"])
    url = f"/apps/fridge_log/records/{submitted.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="comment-approve"' in page  # an optional comment box for each step
    client.post(f"{url}/transition", data={"action": "approve", "comment": "All in range."})
    page = client.get(url).get_data(as_text=True)
    # Approved is not editable: the comment is shown as inset text, for reading.
    assert 'class="nhsuk-inset-text" id="workflow-comment"' in page
    assert "nhsuk-card--warning" not in page
    assert "Approved Comment from Practice Manager , " in page_text(page)
    assert "Approved Status: Submitted → Approved" in page_text(page)


def test_history_of_nested_answers_in_words(
    client, db_session, users, orgs, login, iif_app
) -> None:
    """The tester's case: the IIF return's indicators were shown as one JSON blob."""
    manager = users["practice_manager"]
    record = record_service.create_record(
        db_session,
        Access(manager),
        iif_app,
        orgs["A00001"],
        iif_data(9000, CAN_04=(30, 40)),
        period="2025-06",
        actor=manager,
    )
    record_service.update_record(
        db_session,
        Access(manager),
        record,
        iif_data(9000, CAN_04=(32, 40), HI_03=(10, 20)),
        expected_version=record.version,
        actor=manager,
    )
    db_session.commit()
    login(manager)
    page = client.get(f"/apps/iif_tracker/records/{record.id}").get_data(as_text=True)
    history = history_text(page)
    assert "Changed CAN-04 numerator: 30 → 32 HI-03 numerator: \u2013 → 10" in history
    assert "HI-03 denominator: \u2013 → 20" in history
    assert "Created Registered list size: 9000 CAN-04 numerator: 30" in history
    assert "{" not in history and "/indicators" not in history
