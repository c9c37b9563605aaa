"""The editor's app-wide forms: name and description, sections, the period, the
workflow pattern and dashboard widgets, each saved as a valid definition."""

from __future__ import annotations

from miniapps.core.definitions.loading import validate_definition
from werkzeug.datastructures import MultiDict

from tests.web.studio.studio_pages import definition, edit, revision, start, text


def test_name_and_description(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "set_details", title="Staff wellbeing check", description="Monthly")
    stored = definition(db_session, draft_id)
    assert (stored["title"], stored["description"]) == ("Staff wellbeing check", "Monthly")
    blank = edit(client, draft_id, "set_details", title="", form_id="details-form")
    assert blank.status_code == 422
    assert 'id="details-form-error"' in blank.get_data(as_text=True)
    assert "Enter the app's name" in text(blank)


def test_sections_are_added_changed_moved_and_deleted(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Name")
    edit(client, draft_id, "add_field", kind="text", label="Role")
    edit(client, draft_id, "add_section", title="About you")
    edit(client, draft_id, "add_section", title="Your work")
    edit(client, draft_id, "put_in_section", pointer="/name", section="0")
    edit(client, draft_id, "put_in_section", pointer="/role", section="1")
    edit(client, draft_id, "update_section", index="1", title="Your job", description="Now")
    edit(client, draft_id, "section_up", index="1")
    sections = definition(db_session, draft_id)["ui"]["sections"]
    assert [s["title"] for s in sections] == ["Your job", "About you"]
    edit(client, draft_id, "delete_section", index="0")
    sections = definition(db_session, draft_id)["ui"]["sections"]
    assert [s["title"] for s in sections] == ["About you"]
    assert "role" in definition(db_session, draft_id)["schema"]["properties"]  # kept
    missing = edit(client, draft_id, "update_section", index="5", title="X")
    assert missing.status_code == 422
    validate_definition(definition(db_session, draft_id))


def test_the_period(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    data = MultiDict(
        [
            ("op", "set_period"),
            ("revision", str(revision(client, draft_id))),
            ("frequency", "monthly"),
            ("due_day", "10"),
            ("owed_by", "practice"),
            ("owed_by", "pcn"),
        ]
    )
    assert client.post(f"/studio/{draft_id}/edit", data=data).status_code == 302
    assert definition(db_session, draft_id)["period"] == {
        "frequency": "monthly",
        "due_day": 10,
        "owed_by": {"types": ["practice", "pcn"]},
    }
    late = edit(
        client, draft_id, "set_period", frequency="weekly", due_day="9", form_id="period-form"
    )
    assert late.status_code == 422
    assert "The due day must be from 1 (Monday) to 7 (Sunday)" in text(late)
    words = edit(client, draft_id, "set_period", frequency="monthly", due_day="tenth")
    assert "The due day must be a whole number" in text(words)
    edit(client, draft_id, "set_period", frequency="none")
    assert "period" not in definition(db_session, draft_id)


def test_the_workflow_patterns(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Name")
    page = text(client.get(f"/studio/{draft_id}"))
    assert "Submit and approve" in page and "Report through a channel" in page
    edit(client, draft_id, "set_workflow", pattern="submit_only")
    workflow = definition(db_session, draft_id)["workflow"]
    assert workflow["states"]["submitted"]["final"] is True
    data = MultiDict(
        [
            ("op", "set_workflow"),
            ("revision", str(revision(client, draft_id))),
            ("pattern", "channel"),
            ("stakeholder_types", "la_adult_safeguarding"),
        ]
    )
    assert client.post(f"/studio/{draft_id}/edit", data=data).status_code == 302
    stored = definition(db_session, draft_id)
    assert stored["channels"][0]["stakeholder_types"] == ["la_adult_safeguarding"]
    validate_definition(stored)
    unknown = edit(client, draft_id, "set_workflow", pattern="anything")
    assert unknown.status_code == 422


def test_dashboard_widgets(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="whole_number", label="Staff on shift")
    edit(client, draft_id, "add_field", kind="yes_no", label="Any concerns")
    assert edit(client, draft_id, "add_widget", menu_id="count_by_period").status_code == 302
    edit(client, draft_id, "add_widget", menu_id="number_trend", field="/staff_on_shift")
    needs = edit(client, draft_id, "add_widget", menu_id="answers_chart", form_id="add-widget")
    assert needs.status_code == 422
    assert 'id="add-widget-error"' in needs.get_data(as_text=True)
    widgets = definition(db_session, draft_id)["dashboard"]["widgets"]
    assert [w["type"] for w in widgets] == ["chart", "chart"]
    second = widgets[1]["id"]
    edit(client, draft_id, "widget_up", widget_id=second)
    assert definition(db_session, draft_id)["dashboard"]["widgets"][0]["id"] == second
    edit(client, draft_id, "delete_widget", widget_id=second)
    assert len(definition(db_session, draft_id)["dashboard"]["widgets"]) == 1
    validate_definition(definition(db_session, draft_id))
    gone = edit(client, draft_id, "delete_widget", widget_id=second)
    assert gone.status_code == 422
