"""The studio's visual editor without JavaScript: who may use it, a blank new app, fields
added, moved and deleted with plain forms, refusals at the form, and two people saving
the same draft (issue 16, items 1 and 2)."""

from __future__ import annotations

from miniapps.core.definitions.loading import validate_definition
from miniapps.models import DraftSave, StudioDraft
from miniapps.services import users as user_service
from sqlalchemy import func, select

from tests.web.studio.studio_pages import definition, edit, revision, start, text


def test_only_publishers_may_use_the_studio(client, users, login):
    login(users["practice_manager"])
    assert client.get("/studio").status_code == 403
    assert client.get("/studio/new").status_code == 403


def test_the_studio_lists_drafts_apps_to_change_and_ways_to_start(
    client, users, login, fridge_app, orgs, db_session
):
    login(users["pcn_manager"])
    draft_id = start(client, "Staff wellbeing", "wellbeing")
    html = client.get("/studio").get_data(as_text=True)
    assert f'<a href="/studio/{draft_id}">Staff wellbeing</a>' in html  # a link, not its text
    page = text(client.get("/studio"))
    assert "Staff wellbeing" in page
    assert "Start from a blank app" in page
    # The fridge log reaches the whole ICB: a PCN manager may not change it.
    assert "Fridge" not in page.split("Published apps you can change")[1]
    login(users["platform_admin"])
    admin_page = text(client.get("/studio"))
    assert "/studio/apps/fridge_log/draft" in admin_page
    changed = client.post("/studio/apps/fridge_log/draft")
    assert changed.status_code == 302
    again = client.post("/studio/apps/fridge_log/draft")
    assert again.headers["Location"] == changed.headers["Location"]  # the same open draft
    draft = db_session.scalars(select(StudioDraft).where(StudioDraft.app_id == "fridge_log")).one()
    assert definition(db_session, draft.id)["version"] == 2


def test_a_new_app_needs_a_name_and_a_free_short_name(client, users, login, fridge_app):
    login(users["pcn_manager"])
    bad = client.post("/studio/new", data={"title": " ", "app_id": "Fridge-Log"})
    assert bad.status_code == 422
    page = text(bad)
    assert "Enter the app's name" in page
    assert "must start with a small letter" in page
    taken = client.post("/studio/new", data={"title": "Fridge", "app_id": "fridge_log"})
    assert taken.status_code == 422
    assert "An app called fridge_log exists already" in text(taken)
    assert 'value="Fridge"' in taken.get_data(as_text=True)  # what was typed is kept


def test_a_draft_is_built_with_plain_forms_and_stays_valid(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    assert (
        edit(client, draft_id, "add_field", kind="yes_no", label="Any concerns").status_code == 302
    )
    assert edit(client, draft_id, "add_field", kind="long_text", label="Details").status_code == 302
    assert edit(client, draft_id, "add_field", kind="repeat", label="Courses").status_code == 302
    inside = edit(
        client, draft_id, "add_field", kind="text", label="Course name", parent="/courses"
    )
    assert inside.status_code == 302
    shown = edit(
        client,
        draft_id,
        "set_condition",
        pointer="/details",
        question="/any_concerns",
        answer='["/any_concerns", true]',
        negate="is",
        back="field",
        back_pointer="/details",
    )
    assert shown.status_code == 302
    assert shown.headers["Location"].endswith("/field?pointer=/details")
    stored = definition(db_session, draft_id)
    validate_definition(stored)  # what `miniapps apps validate` accepts
    assert list(stored["schema"]["properties"]) == ["any_concerns", "details", "courses"]
    assert "course_name" in stored["schema"]["properties"]["courses"]["items"]["properties"]
    assert stored["ui"]["fields"]["/details"]["show_if"] == {
        "required": ["any_concerns"],
        "properties": {"any_concerns": {"const": True}},
    }
    page = text(client.get(f"/studio/{draft_id}"))
    assert "Show this when “Any concerns” is “Yes”" in page
    assert "Course name" in page and "Repeating section" in page


def test_up_down_and_delete_buttons(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    for label in ("First", "Second", "Third"):
        edit(client, draft_id, "add_field", kind="text", label=label)
    edit(client, draft_id, "field_up", pointer="/third")
    assert list(definition(db_session, draft_id)["schema"]["properties"]) == [
        "first",
        "third",
        "second",
    ]
    edit(client, draft_id, "field_down", pointer="/first")
    edit(client, draft_id, "move_field", pointer="/second", to_index="0")
    assert list(definition(db_session, draft_id)["schema"]["properties"]) == [
        "second",
        "third",
        "first",
    ]
    deleted = edit(client, draft_id, "delete_field", pointer="/third")
    assert deleted.status_code == 302
    assert list(definition(db_session, draft_id)["schema"]["properties"]) == ["second", "first"]
    page = client.get(f"/studio/{draft_id}").get_data(as_text=True)
    # The first question's Up button is disabled; the Edit link leads to its page.
    assert f"/studio/{draft_id}/field?pointer=/second" in page


def test_a_refused_edit_says_why_at_its_form_and_saves_nothing(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="yes_no", label="Has a DBS check")
    edit(client, draft_id, "add_field", kind="text", label="DBS number")
    edit(
        client,
        draft_id,
        "set_condition",
        pointer="/dbs_number",
        question="/has_a_dbs_check",
        answer='["/has_a_dbs_check", true]',
    )
    saves = db_session.scalar(select(func.count()).select_from(DraftSave))
    refused = edit(client, draft_id, "delete_field", pointer="/has_a_dbs_check", form_id="x")
    assert refused.status_code == 422
    page = text(refused)
    assert "The change was not made" in page
    assert "DBS number" in page  # the refusal names what refers to the question
    blank = edit(client, draft_id, "add_field", kind="text", label="  ", form_id="add-form")
    assert blank.status_code == 422
    assert 'id="add-form-error"' in blank.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(DraftSave)) == saves


def test_two_people_saving_the_same_draft_get_a_conflict(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    seen = revision(client, draft_id)
    first = client.post(
        f"/studio/{draft_id}/edit",
        data={"op": "add_field", "revision": seen, "kind": "text", "label": "Name"},
    )
    assert first.status_code == 302
    second = client.post(
        f"/studio/{draft_id}/edit",
        data={"op": "add_field", "revision": seen, "kind": "text", "label": "Role"},
    )
    assert second.status_code == 409
    page = text(second)
    assert "Your change was not saved" in page
    assert "Pcn Manager saved the draft at" in page and "Added “Name”" in page
    assert f'href="/studio/{draft_id}"' in second.get_data(as_text=True)  # reload it
    assert list(definition(db_session, draft_id)["schema"]["properties"]) == ["name"]


def test_drafts_not_shared_are_not_found(client, users, orgs, login, db_session, password):
    login(users["pcn_manager"])
    draft_id = start(client)
    other = user_service.create_user(
        db_session, "south@example.nhs.uk", "South Manager", password, "pcn_manager", orgs["U00002"]
    )
    db_session.commit()
    login(other)
    assert client.get(f"/studio/{draft_id}").status_code == 404  # another PCN's draft
    assert client.get(f"/studio/{draft_id}/history").status_code == 404
    assert f"/studio/{draft_id}" not in client.get("/studio").get_data(as_text=True)
    login(users["practice_manager_2"])
    assert client.get(f"/studio/{draft_id}").status_code == 403  # not a publisher at all
    login(users["platform_admin"])
    assert client.get(f"/studio/{draft_id}").status_code == 200
    assert client.get("/studio/99999").status_code == 404
    assert client.post("/studio/99999/edit", data={"op": "add_field"}).status_code == 404


def test_a_missing_revision_or_unknown_edit_is_a_bad_request(client, users, login):
    login(users["pcn_manager"])
    draft_id = start(client)
    assert client.post(f"/studio/{draft_id}/edit", data={"op": "add_field"}).status_code == 400
    unknown = client.post(f"/studio/{draft_id}/edit", data={"op": "drop_table", "revision": "1"})
    assert unknown.status_code == 400


def test_a_discarded_draft_leaves_the_list_and_takes_no_more_edits(client, users, login):
    login(users["pcn_manager"])
    draft_id = start(client)
    page = client.get(f"/studio/{draft_id}").get_data(as_text=True)
    discarded = client.post(f"/studio/{draft_id}/discard")
    assert discarded.status_code == 302 and discarded.headers["Location"] == "/studio"
    assert f"/studio/{draft_id}" not in client.get("/studio").get_data(as_text=True)
    stale = client.post(
        f"/studio/{draft_id}/edit",
        data={"op": "add_field", "revision": "1", "kind": "text", "label": "Name"},
    )
    assert stale.status_code == 409
    assert "This draft takes no more changes" in text(stale)
    assert client.post(f"/studio/{draft_id}/discard").status_code == 409
    assert "Discard this draft" in page
