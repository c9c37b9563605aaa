"""A draft's history: every save listed with who made it and what changed, going back
to any save (undo), itself a save that can be undone; a stale restore is a conflict."""

from __future__ import annotations

from tests.web.studio.studio_pages import definition, edit, revision, start, text


def test_every_save_is_listed_and_any_can_be_gone_back_to(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Name")
    edit(client, draft_id, "add_field", kind="yes_no", label="Any concerns")
    page = text(client.get(f"/studio/{draft_id}/history"))
    assert "Save 3: Added “Any concerns” (yes or no)" in page
    assert "Save 1: Started a blank app" in page
    assert "by Pcn Manager" in page
    assert "the draft as it is now" in page
    back = client.post(
        f"/studio/{draft_id}/restore", data={"to": "1", "revision": revision(client, draft_id)}
    )
    assert back.status_code == 302
    assert definition(db_session, draft_id)["schema"]["properties"] == {}
    page = text(client.get(f"/studio/{draft_id}/history"))
    assert "Save 4: Went back to save 1" in page
    # Going back is itself a save: undo it by going back to save 3.
    client.post(f"/studio/{draft_id}/restore", data={"to": "3", "revision": "4"})
    assert list(definition(db_session, draft_id)["schema"]["properties"]) == [
        "name",
        "any_concerns",
    ]


def test_the_editors_undo_button_goes_back_one_save(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Name")
    editor = client.get(f"/studio/{draft_id}").get_data(as_text=True)
    assert "Undo the last change" in editor
    assert 'name="to" value="1"' in editor
    client.post(f"/studio/{draft_id}/restore", data={"to": "1", "revision": "2"})
    assert definition(db_session, draft_id)["schema"]["properties"] == {}


def test_a_stale_restore_is_a_conflict_and_a_missing_save_not_found(
    client, users, login, db_session
):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Name")
    stale = client.post(f"/studio/{draft_id}/restore", data={"to": "1", "revision": "1"})
    assert stale.status_code == 409
    assert "Someone else changed this draft" in text(stale)
    assert list(definition(db_session, draft_id)["schema"]["properties"]) == ["name"]
    missing = client.post(f"/studio/{draft_id}/restore", data={"to": "9", "revision": "2"})
    assert missing.status_code == 404
    assert client.post(f"/studio/{draft_id}/restore", data={"revision": "2"}).status_code == 400


def test_undoing_a_move_puts_the_question_back(client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Name")
    edit(client, draft_id, "add_field", kind="text", label="Role")
    edit(client, draft_id, "field_up", pointer="/role")
    assert list(definition(db_session, draft_id)["schema"]["properties"]) == ["role", "name"]
    client.post(f"/studio/{draft_id}/restore", data={"to": "3", "revision": "4"})
    assert list(definition(db_session, draft_id)["schema"]["properties"]) == ["name", "role"]
    assert "Save 5: Went back to save 3" in text(client.get(f"/studio/{draft_id}/history"))
