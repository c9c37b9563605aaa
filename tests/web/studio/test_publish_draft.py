"""The studio's publish page: changes in words, what stops publishing, targets, a stale
revision refused, and the draft closed once published (issue 16, item 6)."""

from __future__ import annotations

import copy
import re
from typing import Any

from miniapps.models import App, AppTarget, AppVersion, StudioDraft, User
from miniapps.services.permissions import Access
from miniapps.services.studio import drafts as draft_service
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.publishing import publish_app
from tests.sample_definitions import STAFF_CHECK as STAFF
from tests.sample_definitions import STAFF_CHECK_ROLES as ROLES


def start(session: Session, user: User, definition: dict[str, Any]) -> StudioDraft:
    draft = draft_service.start_draft(session, Access(user), user, definition, "Started")
    session.commit()
    return draft


def next_version(session: Session, user: User, app: App, change: Any) -> StudioDraft:
    """A draft of ``app``'s next version with ``change(definition)`` saved into it."""
    draft = draft_service.draft_from_app(session, Access(user), user, app)
    definition = draft_service.current_definition(draft)
    change(definition)
    draft_service.save_draft(
        session, draft, user, definition, expected_revision=draft.revision, summary="Changed"
    )
    session.commit()
    return draft


def _versions(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AppVersion)) or 0


def test_a_new_app_is_published_to_the_practices_chosen(client, db_session, users, orgs, login):
    draft = start(db_session, users["pcn_manager"], STAFF)
    login(users["pcn_manager"])
    page = client.get(f"/studio/{draft.id}/publish")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "A new app: nothing is published under this id yet." in html
    assert "Hill Surgery (A00002)" in html and 'name="revision" value="1"' in html
    none_chosen = client.post(
        f"/studio/{draft.id}/publish", data={"action": "publish", "revision": "1"}
    )
    assert none_chosen.status_code == 422
    assert "Choose at least one organisation to publish to" in none_chosen.get_data(as_text=True)
    assert _versions(db_session) == 0
    done = client.post(
        f"/studio/{draft.id}/publish",
        data={"action": "publish", "revision": "1", "to": "A00002"},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    assert done.headers["Location"].endswith("/apps/staff_check/about")
    db_session.expire_all()
    app = db_session.get(App, "staff_check")
    assert app is not None and app.latest_version == 1
    assert [t.organisation.ods for t in app.targets] == ["A00002"]
    assert db_session.get(StudioDraft, draft.id).status == "published"
    about = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Published Staff check version 1 to Hill Surgery." in about


def test_a_stale_revision_is_a_conflict_and_publishes_nothing(
    client, db_session, users, orgs, login
):
    draft = start(db_session, users["pcn_manager"], STAFF)
    changed = copy.deepcopy(STAFF) | {"title": "Staff check (changed)"}
    draft_service.save_draft(
        db_session, draft, users["pcn_manager"], changed, expected_revision=1, summary="Title"
    )
    db_session.commit()
    login(users["pcn_manager"])
    stale = client.post(
        f"/studio/{draft.id}/publish",
        data={"action": "publish", "revision": "1", "to": "A00002"},
    )
    assert stale.status_code == 409
    assert _versions(db_session) == 0


def test_an_invalid_draft_lists_its_problems_and_is_refused(client, db_session, users, login):
    broken = copy.deepcopy(STAFF)
    broken["schema"]["required"] = ["role", "missing"]
    draft = start(db_session, users["pcn_manager"], broken)
    login(users["pcn_manager"])
    html = client.get(f"/studio/{draft.id}/publish").get_data(as_text=True)
    assert "What stops publishing" in html and "/schema/required" in html
    refused = client.post(
        f"/studio/{draft.id}/publish",
        data={"action": "publish", "revision": "1", "to": "A00002"},
    )
    assert refused.status_code == 422
    assert "The draft cannot be published yet" in refused.get_data(as_text=True)
    assert _versions(db_session) == 0


def test_a_new_version_lists_the_changes_and_stays_where_it_is_published(
    client, db_session, users, orgs, login
):
    app = publish_app(db_session, STAFF, [orgs["A00001"]])

    def retitle(definition: dict[str, Any]) -> None:
        definition["schema"]["properties"]["notes"]["title"] = "Comments"
        definition["schema"]["properties"]["site"] = {"type": "string", "title": "Site"}

    draft = next_version(db_session, users["pcn_manager"], app, retitle)
    login(users["pcn_manager"])
    page = client.get(f"/studio/{draft.id}/publish")
    html = page.get_data(as_text=True)
    assert "replacing version 1" in html
    assert "Site" in html.split("What changes")[1].split("</ul>")[0]
    assert 'value="A00001" checked' in html or 'value="A00001"\n' in html
    done = client.post(
        f"/studio/{draft.id}/publish",
        data={"action": "publish", "revision": str(draft.revision)},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(App, "staff_check").latest_version == 2
    targets = db_session.scalars(select(AppTarget).where(AppTarget.app_id == "staff_check"))
    assert [t.organisation.ods for t in targets] == ["A00001"]


def test_publishing_needs_the_draft(client, db_session, users, orgs, login, password):
    draft = start(db_session, users["pcn_manager"], STAFF)
    login(users["practice_manager"])
    assert client.get(f"/studio/{draft.id}/publish").status_code == 403
    assert (
        client.post(
            f"/studio/{draft.id}/publish",
            data={"action": "publish", "revision": "1", "to": "A00001"},
        ).status_code
        == 403
    )
    assert _versions(db_session) == 0


def _staff_with_records(db_session: Session, orgs: Any, users: Any) -> App:
    from miniapps.services.records import lifecycle

    app = publish_app(db_session, STAFF, [orgs["U00001"]])
    pm = users["practice_manager"]
    for data in ({"role": "hca", "notes": "new"}, {"role": "hca"}, {"role": "gp"}):
        lifecycle.create_record(
            db_session, Access(pm), app, orgs["A00001"], data, submit=True, actor=pm
        )
    db_session.commit()
    return app


def _drop_hca(definition: dict[str, Any]) -> None:
    definition["schema"]["properties"]["role"]["oneOf"] = ROLES[1:]


def test_an_incompatible_change_is_refused_until_a_migration_is_chosen(
    client, db_session, users, orgs, login
):
    from miniapps.models import Record

    app = _staff_with_records(db_session, orgs, users)
    draft = next_version(db_session, users["pcn_manager"], app, _drop_hca)
    login(users["pcn_manager"])
    url = f"/studio/{draft.id}/publish"
    html = client.get(url).get_data(as_text=True)
    assert "What stops publishing" in html
    assert "The choice “HCA” of “Role” was removed" in html
    revision = str(draft.revision)
    refused = client.post(url, data={"action": "publish", "revision": revision})
    assert refused.status_code == 422
    assert _versions(db_session) == 1
    # The effect first: counted over the stored records, nothing changed.
    effect = client.post(url, data={"action": "effect", "revision": revision, "choice-0": "nurse"})
    assert effect.status_code == 200
    assert "2 records will change: 2 answers to “Role” “HCA” become “Nurse”." in (
        effect.get_data(as_text=True)
    )
    db_session.expire_all()
    assert sorted(r.data["role"] for r in db_session.scalars(select(Record))) == [
        "gp",
        "hca",
        "hca",
    ]
    assert db_session.get(StudioDraft, draft.id).revision == draft.revision
    bad = client.post(url, data={"action": "effect", "revision": revision, "choice-0": "vet"})
    assert bad.status_code == 422
    assert "Choose one of the answers listed" in bad.get_data(as_text=True)
    used = client.post(url, data={"action": "use", "revision": revision, "choice-0": "nurse"})
    assert used.status_code == 302
    db_session.expire_all()
    saved = draft_service.current_definition(db_session.get(StudioDraft, draft.id))
    assert saved["migration"] == {"from_version": 1, "map_values": {"role": {"hca": "nurse"}}}
    page = client.get(url).get_data(as_text=True)
    assert "What stops publishing" not in page
    assert "2 records will change" in page
    done = client.post(url, data={"action": "publish", "revision": str(int(revision) + 1)})
    assert done.status_code == 302, done.get_data(as_text=True)
    db_session.expire_all()
    assert sorted(r.data["role"] for r in db_session.scalars(select(Record))) == [
        "gp",
        "nurse",
        "nurse",
    ]


def test_a_default_for_a_new_required_question_is_checked_against_its_kind(
    client, db_session, users, orgs, login
):
    app = _staff_with_records(db_session, orgs, users)

    def require_hours(definition: dict[str, Any]) -> None:
        definition["schema"]["properties"]["hours"] = {"type": "integer", "title": "Hours"}
        definition["schema"]["required"] = ["role", "hours"]

    draft = next_version(db_session, users["pcn_manager"], app, require_hours)
    login(users["pcn_manager"])
    url = f"/studio/{draft.id}/publish"
    html = client.get(url).get_data(as_text=True)
    assert "“Hours” is now required" in html
    revision = str(draft.revision)
    wrong = client.post(url, data={"action": "use", "revision": revision, "choice-0": "lots"})
    assert wrong.status_code == 422
    assert "“Hours” needs a number, not “lots”" in wrong.get_data(as_text=True)
    effect = client.post(url, data={"action": "effect", "revision": revision, "choice-0": "8"})
    assert "3 records will change: 3 records get “8” for “Hours”." in effect.get_data(as_text=True)


def test_a_published_draft_takes_no_second_publish_nor_choices(
    client, db_session, users, orgs, login
):
    draft = start(db_session, users["pcn_manager"], STAFF)
    login(users["pcn_manager"])
    url = f"/studio/{draft.id}/publish"
    first = client.post(url, data={"action": "publish", "revision": "1", "to": "A00002"})
    assert first.status_code == 302
    again = client.post(url, data={"action": "publish", "revision": "1", "to": "A00002"})
    assert again.status_code == 422
    assert "is already published" in again.get_data(as_text=True)
    choices = client.post(url, data={"action": "use", "revision": "1"})
    assert choices.status_code == 409
    assert "takes no saves" in choices.get_data(as_text=True)
    assert _versions(db_session) == 1


def test_a_removed_question_can_hand_its_answers_to_a_new_one(
    client, db_session, users, orgs, login
):
    app = _staff_with_records(db_session, orgs, users)

    def rename_notes(definition: dict[str, Any]) -> None:
        properties = definition["schema"]["properties"]
        properties["comments"] = properties.pop("notes") | {"title": "Comments"}

    draft = next_version(db_session, users["pcn_manager"], app, rename_notes)
    login(users["pcn_manager"])
    url = f"/studio/{draft.id}/publish"
    html = client.get(url).get_data(as_text=True)
    assert "The question “Notes” was removed: move its answers to another question?" in html
    assert re.search(r'<option value="comments" selected\s*>Comments', html)  # offered
    revision = str(draft.revision)
    effect = client.post(
        url, data={"action": "effect", "revision": revision, "choice-0": "comments"}
    )
    assert "1 record will change: 1 answer to “Notes” move to “Comments”." in (
        effect.get_data(as_text=True)
    )
    left = client.post(url, data={"action": "effect", "revision": revision, "choice-0": ""})
    assert "No stored record will change." in left.get_data(as_text=True)
