"""The studio's JSON tab: the definition as JSON, saved as typed even while invalid (its
problems listed as ``<pointer>: message`` lines), JSON that cannot be read kept in the
box and never saved, and the check endpoint the page calls as you type."""

from __future__ import annotations

import json
import re

from miniapps.models import DraftSave
from sqlalchemy import func, select

from tests.web.studio.studio_pages import definition, edit, revision, start, text


def _box(response) -> str:
    found = re.search(
        r'<textarea[^>]*name="definition"[^>]*>(.*?)</textarea>', text(response), re.S
    )
    assert found, "the page has the JSON box"
    return found.group(1).strip()


def test_the_tab_shows_the_definition_and_that_it_is_valid(client, users, login):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="whole_number", label="Staff on shift")
    page = client.get(f"/studio/{draft_id}/json")
    assert page.status_code == 200
    shown = json.loads(_box(page))
    assert shown["schema"]["properties"]["staff_on_shift"]["type"] == "integer"
    assert "No problems: the validator accepts this definition." in text(page)


def test_an_invalid_definition_is_saved_with_its_problems_listed(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    raw = definition(db_session, draft_id)
    raw["schema"]["properties"]["count"] = {"type": "integer", "minimum": "none"}
    raw["ui"] = {"fields": {"/nothing": {"widget": "text"}}}
    saved = client.post(
        f"/studio/{draft_id}/json",
        data={"definition": json.dumps(raw), "revision": revision(client, draft_id)},
    )
    assert saved.status_code == 302
    assert definition(db_session, draft_id)["schema"]["properties"]["count"]["minimum"] == "none"
    page = text(client.get(f"/studio/{draft_id}/json"))
    assert "/schema/properties/count/minimum: " in page
    # The editor says publishing is refused and lists the same lines.
    editor = text(client.get(f"/studio/{draft_id}"))
    assert "This draft cannot be published yet" in editor
    assert "/schema/properties/count/minimum: " in editor


def test_json_that_cannot_be_read_is_kept_in_the_box_and_not_saved(
    client, users, login, db_session
):
    login(users["pcn_manager"])
    draft_id = start(client)
    saves = db_session.scalar(select(func.count()).select_from(DraftSave))
    typed = '{"id": "wellbeing", "title": "Oops",'
    refused = client.post(
        f"/studio/{draft_id}/json",
        data={"definition": typed, "revision": revision(client, draft_id)},
    )
    assert refused.status_code == 422
    assert ": is not valid JSON: expecting property name enclosed in double quotes" in text(refused)
    assert _box(refused) == typed
    not_object = client.post(
        f"/studio/{draft_id}/json", data={"definition": "[1, 2]", "revision": "1"}
    )
    assert not_object.status_code == 422
    assert "must hold one JSON object" in text(not_object)
    assert db_session.scalar(select(func.count()).select_from(DraftSave)) == saves
    assert definition(db_session, draft_id)["title"] == "Staff wellbeing"


def test_the_check_endpoint_answers_the_validator_lines(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    raw = definition(db_session, draft_id)
    ok = client.post(f"/studio/{draft_id}/check", data={"definition": json.dumps(raw)})
    assert ok.status_code == 200 and ok.get_json() == {"issues": []}
    raw["title"] = ""
    raw["colour"] = "blue"
    bad = client.post(f"/studio/{draft_id}/check", data={"definition": json.dumps(raw)})
    issues = bad.get_json()["issues"]
    assert any(line.startswith("/colour: ") for line in issues), issues
    broken = client.post(f"/studio/{draft_id}/check", data={"definition": "{"})
    assert broken.get_json()["issues"][0].startswith(": is not valid JSON: ")
    saves = db_session.scalar(select(func.count()).select_from(DraftSave))
    assert saves == 1  # checking saves nothing


def test_a_stale_json_save_is_a_conflict(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    raw = definition(db_session, draft_id)
    seen = revision(client, draft_id)
    edit(client, draft_id, "add_field", kind="text", label="Name")
    raw["title"] = "Mine"
    stale = client.post(
        f"/studio/{draft_id}/json", data={"definition": json.dumps(raw), "revision": seen}
    )
    assert stale.status_code == 409
    assert definition(db_session, draft_id)["title"] == "Staff wellbeing"
    assert "The JSON you typed (not saved)" in text(stale)
    assert '"title": "Mine"' in text(stale)  # what was typed is on the page, not lost
