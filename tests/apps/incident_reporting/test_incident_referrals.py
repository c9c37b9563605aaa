"""Safeguarding referrals on a real database: reviewed by the practice lead, then sent to
the LA team of the practice's own area (adults or children by kind, never another
area's) with their SLA; the LA acknowledges, asks for information, the practice answers
(the referral editable meanwhile) and sends it back as the same item, the LA decides
with its outcome and closes; both sides see the same history, on the page and the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from miniapps.core.channels.working_days import working_day_deadline
from miniapps.models import Record
from miniapps.services.channels.calendar import holidays

from tests.apps.incident_reporting.incident_data import adult_referral, child_referral, items_of

QUESTION = "Does the adult know about the referral, and is the carer still visiting?"
ANSWER = "Yes to both: the carer visits twice a day. Address corrected."


def aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def errors(response) -> dict[str, str]:
    return {e["pointer"]: e["message"] for e in response.get_json()["errors"]}


def test_the_practice_lead_sends_an_adult_referral_to_its_own_area(
    db_session, report, heads, act
) -> None:
    record = report(adult_referral())
    assert record.status == "submitted" and items_of(db_session, record) == []  # lead first
    assert act(heads["practice_staff"], record, "send").status_code == 403
    assert act(heads["practice_manager"], record, "triage").status_code == 409  # not an event
    sent = act(heads["practice_manager"], record, "send")
    assert sent.status_code == 200, sent.get_json()
    (item,) = items_of(db_session, record)
    assert (item.channel, item.stakeholder.ods) == ("la_adult_safeguarding", "LAADULT")
    calendar = holidays(db_session)
    sent_at = aware(item.sent_at)
    assert aware(item.acknowledge_by) == working_day_deadline(sent_at, 0, calendar)
    assert aware(item.decide_by) == working_day_deadline(sent_at, 5, calendar)


def test_another_areas_team_never_sees_it(client, db_session, report, heads, act) -> None:
    record = report(adult_referral())
    act(heads["practice_manager"], record, "send")
    assert [i.stakeholder.ods for i in items_of(db_session)] == ["LAADULT"]  # not LAOTHER
    assert client.get("/api/v1/inbox", headers=heads["LAOTHER"]).get_json()["items"] == []
    for outsider in ("LAOTHER", "LAKIDS", "ICBQ", "stakeholder"):
        got = client.get(f"/api/v1/records/{record.id}", headers=heads[outsider])
        assert got.status_code == 404, outsider
        assert act(heads[outsider], record, "acknowledge").status_code == 404, outsider
    assert client.get(f"/apps/incident_reporting/records/{record.id}").status_code in (302, 401)


def test_a_child_referral_goes_to_the_childrens_team_within_a_working_day(
    db_session, report, heads, act
) -> None:
    record = report(child_referral())
    act(heads["practice_manager"], record, "send")
    (item,) = items_of(db_session, record)
    assert (item.channel, item.stakeholder.ods) == ("la_children_safeguarding", "LAKIDS")
    calendar = holidays(db_session)
    sent_at = aware(item.sent_at)
    assert aware(item.acknowledge_by) == working_day_deadline(sent_at, 1, calendar)
    assert aware(item.decide_by) == working_day_deadline(sent_at, 1, calendar)


def test_immediate_risk_is_acknowledged_within_hours(db_session, report, heads, act) -> None:
    called = (datetime.now(UTC) - timedelta(minutes=20)).isoformat().replace("+00:00", "Z")
    record = report(adult_referral(immediate_risk=True, emergency_called_at=called))
    act(heads["practice_manager"], record, "send")
    (item,) = items_of(db_session, record)
    assert aware(item.acknowledge_by) - aware(item.sent_at) == timedelta(hours=4)


def history(html: str) -> str:
    """The page's comments and history, as text (tags dropped, spaces collapsed)."""
    start = html.index('id="comments"')
    end = html.index("</table>", html.index("<h2>History</h2>"))
    part = re.sub(r"<form.*?</form>", " ", html[start:end], flags=re.S)
    part = re.sub(r"<details.*?</details>", " ", part, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part)).strip()


def test_the_la_and_the_practice_work_the_referral_to_its_close(
    client, db_session, report, heads, act, login, users, stakeholder_users
) -> None:
    record = report(adult_referral())
    practice, staff, team = heads["practice_manager"], heads["practice_staff"], heads["LAADULT"]
    assert act(practice, record, "send").status_code == 200
    assert act(practice, record, "acknowledge").status_code == 403  # the LA's step
    assert act(team, record, "acknowledge").get_json()["status"] == "acknowledged"
    no_question = act(team, record, "request_info")
    assert errors(no_question) == {"/comment": "Enter a comment to ask for more information"}
    asked = act(team, record, "request_info", comment=QUESTION)
    assert asked.get_json()["status"] == "info_requested"

    # The practice answers: the referral is editable meanwhile, then goes back with a note.
    current = client.get(f"/api/v1/records/{record.id}", headers=staff).get_json()
    changed = {**current["data"], "person": {**current["data"]["person"], "address": "1 New Road"}}
    edited = client.patch(
        f"/api/v1/records/{record.id}",
        json={"data": changed},
        headers={**staff, "If-Match": f'"{current["version"]}"'},
    )
    assert edited.status_code == 200, edited.get_json()
    no_answer = act(staff, record, "send")
    assert errors(no_answer) == {"/comment": "Enter a comment to send back with your answer"}
    assert act(staff, record, "send", comment=ANSWER).get_json()["status"] == "sent"
    (item,) = items_of(db_session, record)  # the same item, sent again
    assert item.sends == 2 and item.acknowledged_at is not None

    # The LA decides with its outcome and reasons, then closes.
    undecided = act(team, record, "decide")
    assert undecided.status_code == 422
    assert set(errors(undecided)) == {"/la_outcome", "/la_reasons"}
    decision = {"la_outcome": "section_42_enquiry", "la_reasons": "The carer's conduct."}
    decided = act(team, record, "decide", data=decision)
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["data"]["la_outcome"] == "section_42_enquiry"
    assert act(practice, record, "close").status_code == 403  # the LA closes a referral
    assert act(team, record, "close").get_json()["status"] == "closed"
    db_session.expire_all()
    (item,) = items_of(db_session, db_session.get(Record, record.id))
    assert item.decided_at is not None and item.closed_at is not None

    # Both sides see the same thread through the API ...
    threads = [
        client.get(f"/api/v1/records/{record.id}/comments", headers=heads[who]).get_json()
        for who in ("practice_manager", "LAADULT")
    ]
    assert threads[0] == threads[1]
    assert [c["body"] for c in threads[0]["items"]] == [QUESTION, ANSWER]
    answers = [
        client.get(f"/api/v1/records/{record.id}", headers=heads[who]).get_json()
        for who in ("practice_manager", "LAADULT")
    ]
    assert answers[0]["data"] == answers[1]["data"] and answers[0]["status"] == "closed"
    # ... and the same comments and history on the record page.
    pages = []
    for user in (users["practice_manager"], stakeholder_users["LAADULT"]):
        login(user)
        html = client.get(f"/apps/incident_reporting/records/{record.id}").get_data(as_text=True)
        pages.append(history(html))
        client.post("/auth/logout")
    assert pages[0] == pages[1]
    expected = [QUESTION, ANSWER, "Acknowledged", "1 New Road", "Recorded the decision"]
    expected += ["Section 42 enquiry (adults)", "Status: Decided → Closed"]
    for seen in expected:
        assert seen in pages[0], seen
