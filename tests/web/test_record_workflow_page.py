"""Workflow actions on the record page: a refused action shows the NHS.UK error summary
naming what is missing and changes nothing; an editable state is changed, validated
fully, then the action succeeds."""

from __future__ import annotations

import copy
import re

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.models import AuditEntry, Record
from miniapps.services import apps as app_service
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import func, select

from tests.sample_workflows import CASE_LOG


@pytest.fixture
def open_case(db_session, users, orgs) -> Record:
    """A submitted (open) case at North Surgery with only its summary filled in."""
    definition = copy.deepcopy(CASE_LOG)
    definition["workflow"]["transitions"][1]["comment_required"] = True
    published = app_service.publish(
        db_session, validate_definition(definition), [orgs["QWE"]], actor=None
    )
    staff = users["practice_staff"]
    record = record_service.create_record(
        db_session,
        Access(staff),
        published.app,
        orgs["A00001"],
        {"summary": "Fridge alarm"},
        submit=True,
        actor=staff,
    )
    db_session.commit()
    return record


def audit_count(db_session) -> int:
    return db_session.scalar(select(func.count(AuditEntry.id))) or 0


def test_refused_action_shows_error_summary_and_changes_nothing(
    client, db_session, users, login, open_case
) -> None:
    login(users["practice_manager"])
    before = audit_count(db_session)
    url = f"/apps/case_log/records/{open_case.id}/transition"
    response = client.post(url, data={"action": "close", "comment": "Sorted"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: " in html
    summary = html[html.index("nhsuk-error-summary") : html.index("nhsuk-caption-l")]
    assert "There is a problem" in summary
    for message in ("Fill in &#39;Severity&#39; to close", "Fill in &#39;Outcome&#39; to close"):
        assert message in summary
    assert 'href="#missing-close"' in summary
    assert 'id="missing-close"' in html
    assert f'href="/apps/case_log/records/{open_case.id}/edit"' in html  # open is editable
    assert "Sorted" in html  # the comment typed is kept
    db_session.expire_all()
    stored = db_session.get(Record, open_case.id)
    assert (stored.status, stored.version) == ("open", open_case.version)
    assert audit_count(db_session) == before


def test_missing_comment_is_shown_beside_its_box(client, users, login, open_case) -> None:
    login(users["practice_manager"])
    url = f"/apps/case_log/records/{open_case.id}/transition"
    html = client.post(url, data={"action": "close"}).get_data(as_text=True)
    assert 'href="#comment-close"' in html
    # The message sits beside the box and is tied to it with aria-describedby.
    assert re.search(
        r'id="comment-close-error"\s*>\s*<span[^>]*>Error: </span>Enter a comment to close', html
    )
    assert re.search(r'<textarea[^>]*aria-describedby="[^"]*\bcomment-close-error"', html)


def test_fill_in_the_open_case_then_close_it(client, db_session, users, login, open_case) -> None:
    login(users["practice_manager"])
    edit_url = f"/apps/case_log/records/{open_case.id}/edit"
    form = client.get(edit_url).get_data(as_text=True)
    assert "Save changes" in form and "Save as draft" not in form
    # Past the draft, an incomplete save is refused like a submit.
    incomplete = client.post(edit_url, data={"version": str(open_case.version), "summary": ""})
    assert incomplete.status_code == 400 and "There is a problem" in incomplete.get_data(
        as_text=True
    )
    saved = client.post(
        edit_url,
        data={
            "version": str(open_case.version),
            "summary": "Fridge alarm",
            "outcome": "Stock quarantined",
            "severity": "high",
            "submit": "1",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Record, open_case.id).status == "open"
    # Whoever last changed the answers does not close it: a second person does.
    login(users["pcn_manager"])
    closed = client.post(
        f"/apps/case_log/records/{open_case.id}/transition",
        data={"action": "close", "comment": "Done"},
    )
    assert closed.status_code == 302
    db_session.expire_all()
    assert db_session.get(Record, open_case.id).status == "closed"
    page = client.get(closed.headers["Location"]).get_data(as_text=True)
    assert "Change answers" not in page  # closed is not editable
