"""The field page: changing a question's kind, its stored name (with the migration a
published app needs), fewest and most items of a repeating section, and a conflict
on the settings form that keeps what was typed."""

from __future__ import annotations

import copy
from typing import Any

from miniapps.core.definitions.loading import validate_definition
from miniapps.models import DraftSave
from miniapps.services.permissions import Access
from miniapps.services.studio import drafts as draft_service
from sqlalchemy import func, select

from tests.publishing import publish_app
from tests.web.studio.studio_pages import definition, edit, revision, start, text

STAFF: dict[str, Any] = {
    "id": "staff_check",
    "title": "Staff check",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "title": "Name"},
            "about": {
                "type": "object",
                "title": "About",
                "properties": {"years": {"type": "integer", "title": "Years"}},
            },
        },
    },
}


def _post_field(client, draft_id: int, pointer: str, **values: str):
    form = {"pointer": pointer, "revision": revision(client, draft_id), **values}
    return client.post(f"/studio/{draft_id}/field?pointer={pointer}", data=form)


def test_a_questions_kind_is_changed_keeping_its_settings(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Notes")
    _post_field(client, draft_id, "/notes", label="Notes", hint="Anything", required="yes")
    page = text(client.get(f"/studio/{draft_id}/field?pointer=/notes"))
    assert "Change it to" in page and "Long text" in page
    done = edit(
        client,
        draft_id,
        "change_kind",
        pointer="/notes",
        kind="long_text",
        back="field",
        back_pointer="/notes",
    )
    assert done.status_code == 302
    saved = definition(db_session, draft_id)
    assert saved["schema"]["properties"]["notes"]["description"] == "Anything"
    assert saved["schema"]["required"] == ["notes"]
    assert saved["ui"]["fields"]["/notes"]["widget"] == "textarea"
    validate_definition(saved)
    edit(client, draft_id, "change_kind", pointer="/notes", kind="one_choice")
    saved = definition(db_session, draft_id)
    assert len(saved["schema"]["properties"]["notes"]["oneOf"]) == 2
    validate_definition(saved)


def test_a_refused_kind_change_is_shown_at_the_form(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="yes_no", label="Checked")
    edit(client, draft_id, "add_field", kind="text", label="Number")
    edit(
        client,
        draft_id,
        "set_condition",
        pointer="/number",
        question="/checked",
        answer='["/checked", true]',
    )
    saves = db_session.scalar(select(func.count()).select_from(DraftSave))
    refused = edit(
        client,
        draft_id,
        "change_kind",
        pointer="/checked",
        kind="text",
        form_id="kind-form",
        back="field",
        back_pointer="/checked",
    )
    assert refused.status_code == 422
    assert 'id="kind-form-error"' in refused.get_data(as_text=True)
    assert "condition of “Number”" in text(refused)
    assert db_session.scalar(select(func.count()).select_from(DraftSave)) == saves


def test_a_stored_name_is_renamed_with_its_references(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="yes_no", label="Checked")
    edit(client, draft_id, "add_field", kind="text", label="Number")
    edit(
        client,
        draft_id,
        "set_condition",
        pointer="/number",
        question="/checked",
        answer='["/checked", true]',
    )
    assert "Stored as" in text(client.get(f"/studio/{draft_id}/field?pointer=/checked"))
    done = _post_field(client, draft_id, "/checked", form_id="rename", name="dbs_checked")
    assert done.status_code == 302
    assert done.headers["Location"].endswith("pointer=/dbs_checked")
    saved = definition(db_session, draft_id)
    assert list(saved["schema"]["properties"]) == ["dbs_checked", "number"]
    assert saved["ui"]["fields"]["/number"]["show_if"]["required"] == ["dbs_checked"]
    assert "migration" not in saved
    bad = _post_field(client, draft_id, "/number", form_id="rename", name="Dbs Number")
    assert bad.status_code == 422
    assert 'id="rename-error"' in bad.get_data(as_text=True)
    assert "“Dbs Number” cannot be the stored name of “Number”" in text(bad)
    taken = _post_field(client, draft_id, "/number", form_id="rename", name="dbs_checked")
    assert "already stored" in text(taken)


def test_a_rename_in_a_published_app_carries_stored_records(client, users, orgs, login, db_session):
    app = publish_app(db_session, copy.deepcopy(STAFF), [orgs["A00001"]])
    user = users["pcn_manager"]
    draft = draft_service.draft_from_app(db_session, Access(user), user, app)
    db_session.commit()
    login(user)
    done = _post_field(client, draft.id, "/name", form_id="rename", name="full_name")
    assert done.status_code == 302, text(done)
    saved = definition(db_session, draft.id)
    assert saved["migration"] == {"from_version": 1, "rename": {"name": "full_name"}}
    validate_definition(saved)
    review = text(client.get(f"/studio/{draft.id}/publish"))
    assert "“Name” is now stored as “full_name” (was “name”): its answers are kept." in review
    nested = _post_field(client, draft.id, "/about/years", form_id="rename", name="years_in_post")
    assert nested.status_code == 422
    assert "top-level questions only" in text(nested)


def test_fewest_and_most_items_of_a_repeating_section(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="repeat", label="Courses")
    page = text(client.get(f"/studio/{draft_id}/field?pointer=/courses"))
    assert "Fewest items" in page and "Most items" in page
    assert "Change it to" not in page  # a repeating section keeps its kind
    done = _post_field(client, draft_id, "/courses", label="Courses", min_items="1", max_items="4")
    assert done.status_code == 302
    schema = definition(db_session, draft_id)["schema"]["properties"]["courses"]
    assert (schema["minItems"], schema["maxItems"]) == (1, 4)
    bad = _post_field(client, draft_id, "/courses", label="Courses", min_items="5", max_items="4")
    assert bad.status_code == 422 and "fewest items (5) is above the most (4)" in text(bad)
    page = text(client.get(f"/studio/{draft_id}/field?pointer=/courses"))
    assert 'value="4"' in page


def test_a_settings_conflict_keeps_what_was_typed(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Name")
    seen = revision(client, draft_id)
    _post_field(client, draft_id, "/name", label="Full name", hint="As on the passport")
    stale = client.post(
        f"/studio/{draft_id}/field?pointer=/name",
        data={"pointer": "/name", "revision": seen, "label": "Staff name", "hint": "Mine"},
    )
    assert stale.status_code == 409
    page = text(stale)
    assert "your settings were not saved" in page
    assert 'value="Staff name"' in page  # what was typed, still in the form
    assert "As on the passport" in page  # the newer save's value beside it
    assert definition(db_session, draft_id)["schema"]["properties"]["name"]["title"] == "Full name"
    again = _post_field(client, draft_id, "/name", label="Staff name")
    assert again.status_code == 302


def test_the_widget_menu_offers_only_questions_that_fit(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="whole_number", label="Staff on shift")
    edit(client, draft_id, "add_field", kind="yes_no", label="Fridge checked")
    edit(client, draft_id, "add_field", kind="text", label="Notes")
    page = client.get(f"/studio/{draft_id}").get_data(as_text=True)
    form = page.split('id="add-widget"')[1].split("</form>")[0]
    assert '<option value="number_trend /staff_on_shift">' in form
    assert '<option value="answers_chart /fridge_checked">' in form
    assert "number_trend /fridge_checked" not in form and "/notes" not in form
    assert '<option value="metric">Count the records</option>' in form
    done = edit(client, draft_id, "add_widget", choice="answers_chart /fridge_checked")
    assert done.status_code == 302
    widget = definition(db_session, draft_id)["dashboard"]["widgets"][0]
    assert widget["group_by"] == "/fridge_checked"
    wrong = edit(client, draft_id, "add_widget", choice="number_trend /notes", form_id="add-widget")
    assert wrong.status_code == 422 and "cannot show /notes" in text(wrong)


def test_a_needed_question_missing_is_a_disabled_option(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    page = client.get(f"/studio/{draft_id}").get_data(as_text=True)
    assert "(needs a one choice or yes or no question first)</option>" in page
    assert 'value="answers_chart" disabled' in page


def test_a_kind_change_in_a_published_app_is_told_in_words(client, users, orgs, login, db_session):
    app = publish_app(db_session, copy.deepcopy(STAFF), [orgs["A00001"]])
    user = users["pcn_manager"]
    draft = draft_service.draft_from_app(db_session, Access(user), user, app)
    db_session.commit()
    login(user)
    done = edit(client, draft.id, "change_kind", pointer="/about/years", kind="number")
    assert done.status_code == 302
    page = text(client.get(f"/studio/{draft.id}/publish"))
    assert "“Years” changed from whole number to number." in page
    validate_definition(definition(db_session, draft.id))
