"""The studio preview: the draft's form as practices see it, a test submission checked by
the one record check, and nothing stored (issue 16, item 3)."""

from __future__ import annotations

from typing import Any

from miniapps.models import Attachment, AuditEntry, DraftSave, Record, StudioDraft, User
from miniapps.services import users as user_service
from miniapps.services.permissions import Access
from miniapps.services.studio import drafts as draft_service
from sqlalchemy import func, select
from sqlalchemy.orm import Session

WELLBEING: dict[str, Any] = {
    "id": "wellbeing_check",
    "title": "Staff wellbeing check",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["staff_count"],
        "properties": {
            "staff_count": {"type": "integer", "title": "Staff on shift", "minimum": 0},
            "concern": {"type": "boolean", "title": "Any concerns"},
            "details": {"type": "string", "title": "Concern details"},
            "courses": {
                "type": "array",
                "title": "Courses",
                "items": {
                    "type": "object",
                    "properties": {"course_name": {"type": "string", "title": "Course name"}},
                },
            },
        },
    },
    "ui": {
        "fields": {
            "/details": {
                "show_if": {"required": ["concern"], "properties": {"concern": {"const": True}}}
            }
        }
    },
}


def make_draft(session: Session, user: User, definition: dict[str, Any]) -> StudioDraft:
    draft = draft_service.start_draft(session, Access(user), user, definition, "Started")
    session.commit()
    return draft


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Record, Attachment, AuditEntry, DraftSave)
    )


def test_the_preview_shows_the_form_as_practices_see_it(client, db_session, users, login):
    draft = make_draft(db_session, users["pcn_manager"], WELLBEING)
    login(users["pcn_manager"])
    page = client.get(f"/studio/{draft.id}/preview")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Staff on shift" in html and "Concern details" in html and "Course name" in html
    assert 'name="staff_count"' in html
    assert "nothing is stored" in html
    assert "js/conditions.mjs" in html  # live conditions, as on the record form


def test_a_valid_test_submission_shows_what_would_be_stored_and_stores_nothing(
    client, db_session, users, login
):
    draft = make_draft(db_session, users["pcn_manager"], WELLBEING)
    login(users["pcn_manager"])
    before = _counts(db_session)
    answer = client.post(
        f"/studio/{draft.id}/preview",
        data={"staff_count": "7", "concern": "false", "details": "hidden text", "submit": "1"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html
    assert "This is what would be stored" in html
    assert "&#34;staff_count&#34;: 7" in html or '"staff_count": 7' in html
    assert "hidden text" not in html.split("This is what would be stored")[1].split("<form")[0]
    db_session.expire_all()
    assert _counts(db_session) == before
    assert db_session.get(StudioDraft, draft.id).revision == 1


def test_an_invalid_test_submission_shows_errors_as_the_record_form_does(
    client, db_session, users, login
):
    draft = make_draft(db_session, users["pcn_manager"], WELLBEING)
    login(users["pcn_manager"])
    before = _counts(db_session)
    answer = client.post(f"/studio/{draft.id}/preview", data={"staff_count": "-2", "submit": "1"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "nhsuk-error-summary" in html and "Error: Preview" in html
    assert "This is what would be stored" not in html
    missing = client.post(f"/studio/{draft.id}/preview", data={"submit": "1"})
    assert missing.status_code == 400
    assert "Staff on shift" in missing.get_data(as_text=True)
    db_session.expire_all()
    assert _counts(db_session) == before


def test_add_another_works_without_javascript_and_saves_nothing(client, db_session, users, login):
    draft = make_draft(db_session, users["pcn_manager"], WELLBEING)
    login(users["pcn_manager"])
    before = _counts(db_session)
    page = client.post(
        f"/studio/{draft.id}/preview", data={"staff_count": "3", "_repeat_add": "/courses"}
    )
    assert page.status_code == 200
    assert "This is what would be stored" not in page.get_data(as_text=True)
    db_session.expire_all()
    assert _counts(db_session) == before


def test_an_uploaded_file_is_named_but_not_kept(client, db_session, users, login, tmp_path):
    import io

    definition = {
        "id": "with_file",
        "title": "With a file",
        "version": 1,
        "schema": {
            "type": "object",
            "properties": {"letter": {"type": "string", "title": "Letter"}},
        },
        "ui": {"fields": {"/letter": {"widget": "file"}}},
    }
    draft = make_draft(db_session, users["pcn_manager"], definition)
    login(users["pcn_manager"])
    before = _counts(db_session)
    answer = client.post(
        f"/studio/{draft.id}/preview",
        data={"letter": (io.BytesIO(b"%PDF-1.4 test"), "letter.pdf"), "submit": "1"},
        content_type="multipart/form-data",
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html
    assert "letter.pdf (would be kept)" in html
    db_session.expire_all()
    assert _counts(db_session) == before


def test_a_draft_with_problems_lists_them_instead_of_a_form(client, db_session, users, login):
    broken = {**WELLBEING, "schema": {"type": "object", "properties": {"Bad Name": {}}}}
    draft = make_draft(db_session, users["pcn_manager"], broken)
    login(users["pcn_manager"])
    page = client.get(f"/studio/{draft.id}/preview")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "This draft has problems" in html
    assert "<code>/ui/fields/~1details</code>: there is no field at /details" in html
    assert client.post(f"/studio/{draft.id}/preview", data={"submit": "1"}).status_code == 422


def test_preview_access_404_for_hidden_drafts_and_403_without_the_studio(
    client, db_session, users, orgs, login, password
):
    draft = make_draft(db_session, users["pcn_manager"], WELLBEING)
    login(users["practice_manager"])
    assert client.get(f"/studio/{draft.id}/preview").status_code == 403
    client.post("/auth/logout")
    other = user_service.create_user(
        db_session, "south@example.nhs.uk", "South", password, "pcn_manager", orgs["U00002"]
    )
    db_session.commit()
    login(other)
    assert client.get(f"/studio/{draft.id}/preview").status_code == 404
    assert client.get("/studio/999999/preview").status_code == 404


def test_every_gallery_template_previews(client, db_session, users, login):
    from miniapps.services.studio.gallery import TEMPLATE_IDS, definition_from_template

    login(users["pcn_manager"])
    for template_id in TEMPLATE_IDS:
        definition = definition_from_template(template_id, f"copy_{template_id}", template_id)
        draft = make_draft(db_session, users["pcn_manager"], definition)
        page = client.get(f"/studio/{draft.id}/preview")
        assert page.status_code == 200, template_id
        assert 'name="submit"' in page.get_data(as_text=True)
