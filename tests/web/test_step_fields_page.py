"""The record page's step form for a step that fills in fields: inputs for exactly its
fields (as the record form draws them), the NHS.UK error pattern with the answers kept
when it is refused, and the stakeholder's decision stored with its outcome. The
practice's own form leaves the step's fields out and keeps their values."""

from __future__ import annotations

import re

import pytest
from miniapps.models import App, AuditEntry, Organisation, Record
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.step_fields_app import APP_ID, publish_decision_app, send_concern


@pytest.fixture
def sent(db_session: Session, orgs: dict[str, Organisation], users, stakeholders) -> Record:
    app: App = publish_decision_app(db_session, [orgs["QWE"]])
    return send_concern(db_session, app, users["practice_staff"], orgs["A00001"])


def page_url(record: Record, tail: str = "") -> str:
    return f"/apps/{APP_ID}/records/{record.id}{tail}"


def form_of(html: str, action: str) -> str:
    """The HTML of the step form whose hidden action is ``action``."""
    marker = f'name="action" value="{action}"'
    start = html.rindex("<form", 0, html.index(marker))
    return html[start : html.index("</form>", start)]


def audit_count(db_session: Session) -> int:
    return db_session.scalar(select(func.count(AuditEntry.id))) or 0


def test_the_decision_form_shows_the_steps_fields(client, login, stakeholder_users, sent) -> None:
    login(stakeholder_users["LAADULT"])
    html = client.get(page_url(sent)).get_data(as_text=True)
    decide = form_of(html, "decide")
    assert 'data-pointer="/la_outcome" data-widget="radios"' in decide
    assert 'data-pointer="/la_reasons" data-widget="textarea"' in decide
    for value in ("section_42_enquiry", "no_further_action", "other"):
        assert f'value="{value}"' in decide
    assert "Section 42 enquiry" in decide
    assert 'data-pointer="/summary"' not in decide  # only the step's fields
    assert 'id="form-rules"' in decide  # the conditions among them, for the browser
    acknowledge = form_of(html, "acknowledge")
    assert "data-pointer" not in acknowledge  # a step without fields has none
    assert "js/conditions.mjs" in html


def test_a_refused_decision_shows_the_errors_and_keeps_the_answers(
    client, db_session, login, stakeholder_users, sent
) -> None:
    login(stakeholder_users["LAADULT"])
    before = audit_count(db_session)
    response = client.post(
        page_url(sent, "/transition"),
        data={"action": "decide", "la_reasons": "Seen by the team", "comment": "Decided"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    summary = html[html.index("nhsuk-error-summary") : html.index("nhsuk-caption-l")]
    link = r'href="#la_outcome"\s*>\s*Fill in &#39;Outcome&#39; to record the decision\s*</a>'
    assert re.search(link, summary)
    decide = form_of(html, "decide")
    assert "nhsuk-form-group--error" in decide
    assert "Fill in &#39;Outcome&#39; to record the decision" in decide
    assert re.search(r'<textarea[^>]*name="la_reasons"[^>]*>\s*Seen by the team', decide)
    assert "Decided" in decide  # the comment kept too
    assert "these answers are needed first" not in decide  # the field's error is beside it
    too_long = client.post(
        page_url(sent, "/transition"),
        data={"action": "decide", "la_outcome": "other", "la_reasons": "x" * 201},
    )
    decide = form_of(too_long.get_data(as_text=True), "decide")
    assert too_long.status_code == 400
    assert re.search(r'value="other"\s+checked', decide)
    assert 'href="#la_reasons"' in too_long.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Record, sent.id).status == "sent"
    assert "la_outcome" not in db_session.get(Record, sent.id).data
    assert audit_count(db_session) == before


def test_the_la_decides_with_an_outcome(client, db_session, login, stakeholder_users, sent) -> None:
    officer = stakeholder_users["LAADULT"]
    login(officer)
    response = client.post(
        page_url(sent, "/transition"),
        data={"action": "decide", "la_outcome": "section_42_enquiry", "la_reasons": ""},
    )
    assert response.status_code == 302
    db_session.expire_all()
    record = db_session.get(Record, sent.id)
    assert record.status == "decided"
    assert record.data["la_outcome"] == "section_42_enquiry"
    assert "la_reasons" not in record.data
    update = db_session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == sent.id, AuditEntry.action == "update")
    ).one()
    assert update.actor_id == officer.id
    html = client.get(page_url(sent)).get_data(as_text=True)
    answers = html[html.index("<h2>Answers</h2>") :]
    assert "Outcome" in answers and "Section 42 enquiry" in answers  # shown read-only


def test_the_practices_form_leaves_the_decision_out_and_keeps_it(
    client, db_session, login, users, stakeholder_users, sent
) -> None:
    login(stakeholder_users["LAADULT"])
    decision = {"action": "decide", "la_outcome": "other", "la_reasons": "Family support"}
    assert client.post(page_url(sent, "/transition"), data=decision).status_code == 302
    client.post("/auth/logout")
    login(users["practice_staff"])
    form = client.get(page_url(sent, "/edit"))
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert 'data-pointer="/summary"' in html
    assert "la_outcome" not in html and "la_reasons" not in html
    db_session.expire_all()
    version = db_session.get(Record, sent.id).version
    saved = client.post(
        page_url(sent, "/edit"),
        data={"version": version, "kind": "adult", "summary": "Bruising and a burn", "submit": "1"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db_session.expire_all()
    record = db_session.get(Record, sent.id)
    assert record.data["summary"] == "Bruising and a burn"
    assert record.data["la_outcome"] == "other"
    assert record.data["la_reasons"] == "Family support"
