"""Studio drafts: who may use the studio and see which drafts, saves with their history,
going back to an earlier save, and a conflict (never an overwrite) when two people save
from the same revision."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from miniapps.db import db
from miniapps.models import DraftSave, StudioDraft
from miniapps.services import users as user_service
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.studio import drafts
from sqlalchemy import select

from tests.conftest import load_example
from tests.publishing import publish_app


def definition(title: str = "Staff wellbeing check", **more: Any) -> dict[str, Any]:
    return {"id": "wellbeing", "title": title, "version": 1, "schema": {}} | more


def start(db_session, user, raw: dict[str, Any] | None = None) -> StudioDraft:
    return drafts.start_draft(db_session, Access(user), user, raw or definition(), "Started")


def test_who_may_use_the_studio(users, stakeholder_users):
    may = {key: drafts.may_use_studio(Access(user)) for key, user in users.items()}
    assert may == {
        "platform_admin": True,
        "icb_viewer": False,
        "pcn_manager": True,
        "practice_manager": False,
        "practice_staff": False,
        "stakeholder": False,  # its organisation covers no area: it cannot publish
        "practice_manager_2": False,
    }
    assert drafts.may_use_studio(Access(stakeholder_users["LAADULT"]))


def test_start_draft_is_shared_with_the_publishers_of_its_organisation(
    db_session, users, orgs, stakeholder_users
):
    pcn = users["pcn_manager"]
    draft = start(db_session, pcn)
    assert (draft.app_id, draft.title, draft.revision, draft.status) == (
        "wellbeing",
        "Staff wellbeing check",
        1,
        "open",
    )
    assert draft.organisation_id == orgs["U00001"].id
    other = user_service.create_user(
        db_session, "pcn2@example.nhs.uk", "Other PCN manager", None, "pcn_manager", orgs["U00001"]
    )
    south = user_service.create_user(
        db_session, "south@example.nhs.uk", "South manager", None, "pcn_manager", orgs["U00002"]
    )
    assert drafts.visible_drafts(db_session, Access(other)) == [draft]
    assert drafts.visible_drafts(db_session, Access(users["platform_admin"])) == [draft]
    for outsider in (south, users["practice_manager"], stakeholder_users["LAADULT"]):
        assert drafts.visible_drafts(db_session, Access(outsider)) == []
        with pytest.raises(drafts.DraftNotFound):
            drafts.find_draft(db_session, Access(outsider), draft.id)
    assert drafts.find_draft(db_session, Access(other), draft.id) is draft


def test_a_stakeholders_draft_is_shared_within_its_organisation(
    db_session, users, stakeholder_users
):
    mine = stakeholder_users["LAADULT"]
    draft = start(db_session, mine)
    assert draft.organisation_id == mine.memberships[0].organisation_id
    assert drafts.visible_drafts(db_session, Access(mine)) == [draft]
    assert drafts.visible_drafts(db_session, Access(users["pcn_manager"])) == []


def test_an_admins_draft_is_for_admins_only(db_session, users):
    draft = start(db_session, users["platform_admin"])
    assert draft.organisation_id is None
    assert drafts.visible_drafts(db_session, Access(users["pcn_manager"])) == []


def test_someone_who_may_not_publish_cannot_start_a_draft(db_session, users):
    with pytest.raises(Forbidden):
        start(db_session, users["practice_manager"])
    assert db_session.scalars(select(StudioDraft)).all() == []


def test_saves_make_a_history_newest_first(db_session, users):
    user = users["pcn_manager"]
    draft = start(db_session, user)
    renamed = definition("Staff wellbeing")
    save = drafts.save_draft(
        db_session, draft, user, renamed, expected_revision=1, summary="Changed the title"
    )
    assert (save.revision, draft.revision, draft.title) == (2, 2, "Staff wellbeing")
    assert drafts.current_definition(draft) == renamed
    again = drafts.save_draft(
        db_session, draft, user, renamed, expected_revision=2, summary="Nothing changed"
    )
    assert again.id == save.id and draft.revision == 2  # saving the same is no new save
    history = drafts.draft_history(db_session, draft)
    assert [(s.revision, s.summary, s.saved_by_id) for s in history] == [
        (2, "Changed the title", user.id),
        (1, "Started", user.id),
    ]


def test_a_change_of_order_alone_is_a_new_save(db_session, users):
    """Moving a question changes only the order of ``properties``: still a change."""
    user = users["pcn_manager"]
    schema = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    draft = start(db_session, user, definition(schema=schema))
    moved = drafts.current_definition(draft)
    properties = moved["schema"]["properties"]
    moved["schema"]["properties"] = dict(reversed(list(properties.items())))
    assert len(properties) > 1 and moved == drafts.current_definition(draft)  # dict equality
    save = drafts.save_draft(db_session, draft, user, moved, expected_revision=1, summary="Moved")
    assert save.revision == 2
    stored = drafts.current_definition(draft)["schema"]["properties"]
    assert list(stored) == list(moved["schema"]["properties"])


def test_current_definition_is_a_copy(db_session, users):
    draft = start(db_session, users["pcn_manager"])
    drafts.current_definition(draft)["title"] = "Changed in memory"
    assert drafts.current_definition(draft)["title"] == "Staff wellbeing check"


def test_a_stale_save_is_a_conflict_naming_the_latest_save(db_session, users, orgs):
    alice = users["pcn_manager"]
    bob = user_service.create_user(
        db_session, "bob@example.nhs.uk", "Bob", None, "pcn_manager", orgs["U00001"]
    )
    draft = start(db_session, alice)
    drafts.save_draft(
        db_session, draft, bob, definition("Bob's title"), expected_revision=1, summary="Bob"
    )
    with pytest.raises(drafts.DraftConflict) as caught:
        drafts.save_draft(
            db_session, draft, alice, definition("Alice's"), expected_revision=1, summary="Alice"
        )
    latest = caught.value.latest
    assert (latest.revision, latest.saved_by.name if latest.saved_by else None) == (2, "Bob")
    assert drafts.current_definition(draft)["title"] == "Bob's title"
    assert len(drafts.draft_history(db_session, draft)) == 2


def test_going_back_to_an_earlier_save_is_itself_a_save(db_session, users):
    user = users["pcn_manager"]
    draft = start(db_session, user)
    drafts.save_draft(db_session, draft, user, definition("Two"), expected_revision=1, summary="2")
    drafts.save_draft(
        db_session, draft, user, definition("Three"), expected_revision=2, summary="3"
    )
    back = drafts.restore_save(db_session, draft, user, 1, expected_revision=3)
    assert (back.revision, back.summary) == (4, "Went back to save 1")
    assert drafts.current_definition(draft) == definition()
    with pytest.raises(drafts.DraftConflict):
        drafts.restore_save(db_session, draft, user, 2, expected_revision=3)
    with pytest.raises(drafts.DraftNotFound):
        drafts.restore_save(db_session, draft, user, 99, expected_revision=4)


def test_a_discarded_draft_takes_no_saves_and_is_not_listed(db_session, users):
    user = users["pcn_manager"]
    draft = start(db_session, user)
    drafts.discard_draft(db_session, draft, user)
    assert drafts.visible_drafts(db_session, Access(user)) == []
    with pytest.raises(drafts.DraftClosed):
        drafts.save_draft(db_session, draft, user, definition("x"), expected_revision=1, summary="")


def test_an_invalid_definition_may_be_saved_while_being_edited(db_session, users):
    user = users["pcn_manager"]
    draft = start(db_session, user, {"title": 42})
    assert (draft.app_id, draft.title) == ("", "")
    assert drafts.current_definition(draft) == {"title": 42}


def test_draft_from_app_starts_the_next_version_once(db_session, users, orgs):
    app = publish_app(db_session, load_example("fridge_log"), [orgs["U00001"]])
    user = users["pcn_manager"]
    draft = drafts.draft_from_app(db_session, Access(user), user, app)
    raw = drafts.current_definition(draft)
    version = app.latest_version
    assert (draft.app_id, draft.based_on_version, raw["version"]) == (
        "fridge_log",
        version,
        version + 1,
    )
    assert "migration" not in raw
    assert drafts.draft_from_app(db_session, Access(user), user, app) is draft


def test_draft_from_an_app_the_user_may_not_change_is_refused(db_session, users, orgs):
    app = publish_app(db_session, load_example("fridge_log"), [orgs["QWE"]])
    with pytest.raises(Forbidden, match="also published to Test ICB"):
        drafts.draft_from_app(db_session, Access(users["pcn_manager"]), users["pcn_manager"], app)


@pytest.mark.skipif(
    not (os.environ.get("MINIAPPS_DATABASE_URL") or "").startswith("postgresql"),
    reason="two writers at once need PostgreSQL (SQLite serialises writers)",
)
def test_two_sessions_saving_the_same_revision_one_wins(committed_tree_app):
    app = committed_tree_app
    with app.app_context(), db.transaction(app) as session:
        from miniapps.services.organisations import by_ods

        pcn = by_ods(session, "U00001")
        user = user_service.create_user(
            session, "racer@example.nhs.uk", "Racer", None, "pcn_manager", pcn
        )
        draft_id = start(session, user).id
    first, second = db.new_session(app), db.new_session(app)
    outcome: dict[str, Any] = {}

    def save(session, title: str) -> DraftSave:
        user = user_service.by_email(session, "racer@example.nhs.uk")
        draft = drafts.find_draft(session, Access(user), draft_id)
        return drafts.save_draft(
            session, draft, user, definition(title), expected_revision=1, summary=title
        )

    def race() -> None:
        try:
            save(second, "Second")
            second.commit()
            outcome["second"] = "saved"
        except drafts.DraftConflict as exc:
            second.rollback()
            outcome["second"] = exc.latest.revision
        finally:
            second.close()

    try:
        save(first, "First")  # written, not committed: the row is locked
        thread = threading.Thread(target=race)
        thread.start()
        time.sleep(0.5)
        first.commit()
        thread.join(timeout=20)
        assert not thread.is_alive()
        assert outcome["second"] == 2
    finally:
        first.close()
    with db.transaction(app) as session:
        saves = session.scalars(
            select(DraftSave.summary).where(DraftSave.draft_id == draft_id)
        ).all()
        assert sorted(saves) == ["First", "Started"]
