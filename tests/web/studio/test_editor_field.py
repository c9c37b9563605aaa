"""The field page: settings by kind, bad values refused at the field (nothing saved),
choices renamed without changing the stored value, the condition as a sentence, and
the section a question is in."""

from __future__ import annotations

from miniapps.core.definitions.loading import validate_definition
from miniapps.models import DraftSave
from sqlalchemy import func, select

from tests.web.studio.studio_pages import definition, edit, revision, start, text


def _settings(client, draft_id: int, pointer: str, **values: str):
    form = {"pointer": pointer, "revision": revision(client, draft_id), **values}
    return client.post(f"/studio/{draft_id}/field?pointer={pointer}", data=form)


def test_a_text_questions_settings_are_saved(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="DBS number")
    page = text(client.get(f"/studio/{draft_id}/field?pointer=/dbs_number"))
    assert "Pattern the answer must match" in page and "Most characters" in page
    assert "Smallest answer allowed" not in page  # bounds are for numbers
    saved = _settings(
        client,
        draft_id,
        "/dbs_number",
        label="DBS certificate number",
        hint="12 digits",
        required="yes",
        min_length="",
        max_length="12",
        pattern="^[0-9]{12}$",
    )
    assert saved.status_code == 302
    field = definition(db_session, draft_id)["schema"]["properties"]["dbs_number"]
    assert field == {
        "type": "string",
        "title": "DBS certificate number",
        "description": "12 digits",
        "maxLength": 12,
        "pattern": "^[0-9]{12}$",
    }
    assert definition(db_session, draft_id)["schema"]["required"] == ["dbs_number"]
    validate_definition(definition(db_session, draft_id))


def test_the_text_above_a_question_is_its_intro(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="yes_no", label="Has a DBS check")
    intro = "A DBS check is needed for clinical roles.\n\nAsk the practice manager."
    saved = _settings(client, draft_id, "/has_a_dbs_check", label="Has a DBS check", intro=intro)
    assert saved.status_code == 302
    raw = definition(db_session, draft_id)
    assert raw["ui"]["fields"]["/has_a_dbs_check"]["intro"] == intro
    validate_definition(raw)
    preview = client.get(f"/studio/{draft_id}/preview").get_data(as_text=True)
    assert "A DBS check is needed for clinical roles." in preview  # shown as practices see it
    too_long = _settings(
        client, draft_id, "/has_a_dbs_check", label="Has a DBS check", intro="x" * 2001
    )
    assert too_long.status_code == 422 and "at most 2,000 characters" in text(too_long)
    cleared = _settings(client, draft_id, "/has_a_dbs_check", label="Has a DBS check", intro="")
    assert cleared.status_code == 302
    assert "intro" not in definition(db_session, draft_id).get("ui", {}).get("fields", {}).get(
        "/has_a_dbs_check", {}
    )


def test_bad_settings_are_refused_at_the_field_and_nothing_is_saved(
    client, users, login, db_session
):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Code")
    edit(client, draft_id, "add_field", kind="whole_number", label="Staff")
    saves = db_session.scalar(select(func.count()).select_from(DraftSave))
    slow = _settings(client, draft_id, "/code", label="Code", pattern="(a+)+$")
    assert slow.status_code == 422
    page = text(slow)
    assert 'id="settings-error"' in slow.get_data(as_text=True)
    assert "can take a browser minutes" in page
    assert 'value="(a+)+$"' in page  # what was typed is still there
    words = _settings(client, draft_id, "/staff", label="Staff", minimum="ten")
    assert words.status_code == 422
    assert "Smallest answer allowed must be a number" in text(words)
    half = _settings(client, draft_id, "/staff", label="Staff", minimum="1.5")
    assert "must be a whole number" in text(half)
    crossed = _settings(client, draft_id, "/staff", label="Staff", minimum="10", maximum="2")
    assert crossed.status_code == 422
    assert db_session.scalar(select(func.count()).select_from(DraftSave)) == saves


def test_choices_are_added_renamed_moved_and_deleted(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="one_choice", label="Role")
    back = {"back": "field", "back_pointer": "/role", "pointer": "/role"}
    added = edit(client, draft_id, "add_option", label="Nurse", **back)
    assert added.status_code == 302 and added.headers["Location"].endswith("pointer=/role")
    renamed = edit(client, draft_id, "rename_option", value="option_1", label="GP", **back)
    assert renamed.status_code == 302
    edit(client, draft_id, "option_up", value="nurse", **back)
    edit(client, draft_id, "delete_option", value="option_2", **back)
    role = definition(db_session, draft_id)["schema"]["properties"]["role"]
    assert role["oneOf"] == [
        {"const": "option_1", "title": "GP"},  # the stored value never changes
        {"const": "nurse", "title": "Nurse"},
    ]
    twice = edit(client, draft_id, "add_option", label="Nurse", form_id="add-option", **back)
    assert twice.status_code == 422
    assert 'id="add-option-error"' in twice.get_data(as_text=True)
    page = text(client.get(f"/studio/{draft_id}/field?pointer=/role"))
    assert "Stored as option_1" in page


def test_the_condition_is_written_as_a_sentence(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="one_choice", label="Role")
    edit(client, draft_id, "add_field", kind="text", label="Registration number")
    first = text(client.get(f"/studio/{draft_id}/field?pointer=/role"))
    assert "There is none before this one" in first
    page = text(client.get(f"/studio/{draft_id}/field?pointer=/registration_number"))
    assert "Show this question when" in page and "Always shown." in page
    assert '<optgroup label="Role" data-question="/role">' in page
    back = {"back": "field", "back_pointer": "/registration_number"}
    set_it = edit(
        client,
        draft_id,
        "set_condition",
        pointer="/registration_number",
        question="/role",
        answer='["/role", "option_1"]',
        negate="not",
        **back,
    )
    assert set_it.status_code == 302
    page = text(client.get(f"/studio/{draft_id}/field?pointer=/registration_number"))
    assert "Show this when “Role” is not “Option 1”" in page
    assert "Always show this question" in page
    stored = definition(db_session, draft_id)["ui"]["fields"]["/registration_number"]["show_if"]
    assert stored == {"not": {"required": ["role"], "properties": {"role": {"const": "option_1"}}}}
    cleared = edit(client, draft_id, "clear_condition", pointer="/registration_number", **back)
    assert cleared.status_code == 302
    assert "/registration_number" not in (definition(db_session, draft_id).get("ui") or {}).get(
        "fields", {}
    )


def test_a_question_is_put_in_a_section(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Name")
    edit(client, draft_id, "add_section", title="About you", description="Who you are")
    page = text(client.get(f"/studio/{draft_id}/field?pointer=/name"))
    assert "Show this question in" in page
    put = edit(client, draft_id, "put_in_section", pointer="/name", section="0", back="field")
    assert put.status_code == 302
    ui = definition(db_session, draft_id)["ui"]
    assert ui["sections"][0]["title"] == "About you"
    assert ui["sections"][0]["fields"] in (["name"], ["/name"])
    assert "section “About you”" in text(client.get(f"/studio/{draft_id}"))
    validate_definition(definition(db_session, draft_id))


def test_a_question_that_does_not_exist_is_not_found(client, users, login):
    login(users["pcn_manager"])
    draft_id = start(client)
    assert client.get(f"/studio/{draft_id}/field?pointer=/nothing").status_code == 404


def test_how_a_question_is_shown(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Email")
    edit(client, draft_id, "add_field", kind="yes_no", label="Agreed")
    edit(client, draft_id, "add_field", kind="one_choice", label="Role")
    page = text(client.get(f"/studio/{draft_id}/field?pointer=/agreed"))
    assert "One tick box" in page
    assert _settings(client, draft_id, "/email", label="Email", widget="email").status_code == 302
    assert (
        _settings(client, draft_id, "/agreed", label="Agreed", widget="checkbox").status_code == 302
    )
    assert _settings(client, draft_id, "/role", label="Role", widget="select").status_code == 302
    fields = definition(db_session, draft_id)["ui"]["fields"]
    assert (fields["/email"]["widget"], fields["/agreed"]["widget"], fields["/role"]["widget"]) == (
        "email",
        "checkbox",
        "select",
    )
    _settings(client, draft_id, "/email", label="Email", widget="")
    assert "widget" not in definition(db_session, draft_id)["ui"]["fields"].get("/email", {})
    validate_definition(definition(db_session, draft_id))
