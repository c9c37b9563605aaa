"""Publishing a studio draft: the effect of a migration on the stored records in words
(storing nothing), and the publish itself (closes the draft; refused when saved since,
invalid or already closed)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest
from miniapps.core.errors import DefinitionInvalid
from miniapps.models import App, AppVersion, Record
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle
from miniapps.services.studio import drafts
from miniapps.services.studio.effect import MigrationEffect, count_effect
from miniapps.services.studio.publishing import (
    migration_effect,
    preview_effect,
    publish_draft,
    publish_review,
)
from sqlalchemy import func, select

from tests.publishing import publish_app
from tests.sample_definitions import STAFF_CHECK as STAFF
from tests.sample_definitions import STAFF_CHECK_ROLES as ROLES


def version_2() -> dict[str, Any]:
    """Drops the HCA choice (mapped to Nurse), renames notes to comments, adds a required
    site (a migration default)."""
    raw = copy.deepcopy(STAFF) | {"version": 2}
    props = raw["schema"]["properties"]
    props["role"]["oneOf"] = ROLES[1:]
    props["comments"] = props.pop("notes") | {"title": "Comments"}
    props["site"] = {
        "type": "string",
        "title": "Site",
        "oneOf": [{"const": "main", "title": "Main site"}],
    }
    raw["schema"]["required"] = ["role", "site"]
    raw["migration"] = {
        "from_version": 1,
        "rename": {"notes": "comments"},
        "map_values": {"role": {"hca": "nurse"}},
        "defaults": {"site": "main"},
    }
    return raw


@pytest.fixture
def staff_app(db_session, orgs, users):
    app = publish_app(db_session, STAFF, [orgs["U00001"]])
    pm = users["practice_manager"]
    for data in (
        {"role": "hca", "notes": "new starter"},
        {"role": "hca"},
        {"role": "gp"},
    ):
        lifecycle.create_record(
            db_session, Access(pm), app, orgs["A00001"], data, submit=True, actor=pm
        )
    db_session.commit()
    return app


def stored(db_session) -> list[dict[str, Any]]:
    return list(db_session.scalars(select(Record.data).order_by(Record.id)))


def test_the_effect_in_words_stores_nothing(db_session, staff_app):
    before = stored(db_session)
    effect = migration_effect(db_session, "staff_check", version_2())
    assert effect == MigrationEffect(
        3,
        [
            "1 answer to “Notes” move to “Comments”",
            "2 answers to “Role” “HCA” become “Nurse”",
            "3 records get “Main site” for “Site”",
        ],
        3,
    )
    assert effect.sentence.startswith("3 records will change: 1 answer to “Notes” move to")
    assert stored(db_session) == before


def test_no_migration_no_change():
    effect = count_effect([{"role": "gp"}], STAFF | {"version": 2}, STAFF["schema"])
    assert (effect.count, effect.lines, effect.sentence) == (0, [], "No stored record will change.")


def test_schema_defaults_and_several_choices_are_counted():
    schema = {
        "type": "object",
        "required": ["tags", "site"],
        "properties": {
            "tags": {
                "type": "array",
                "title": "Tags",
                "items": {"type": "string", "oneOf": [{"const": "b", "title": "Bee"}]},
            },
            "site": {"type": "string", "title": "Site", "default": "Main"},
        },
    }
    new = {"schema": schema, "migration": {"from_version": 1, "map_values": {"tags": {"a": "b"}}}}
    old = {"properties": {"tags": {"items": {"oneOf": [{"const": "a", "title": "Ay"}]}}}}
    effect = count_effect([{"tags": ["a", "a"]}, {"tags": []}], new, old)
    assert effect.lines == [
        "2 answers to “Tags” “Ay” become “Bee”",
        "2 records get “Main” for “Site”",
    ]
    assert (effect.count, effect.records) == (2, 2)


def test_publish_draft_publishes_the_next_version_and_closes_the_draft(
    db_session, users, staff_app
):
    pcn = users["pcn_manager"]
    draft = drafts.draft_from_app(db_session, Access(pcn), pcn, staff_app)
    drafts.save_draft(db_session, draft, pcn, version_2(), expected_revision=1, summary="Version 2")
    published = publish_draft(db_session, Access(pcn), pcn, draft, None, expected_revision=2)
    assert (published.version.version, published.version.published_by_id) == (2, pcn.id)
    assert draft.status == "published"
    assert sorted(r["role"] for r in stored(db_session)) == ["gp", "nurse", "nurse"]
    with pytest.raises(drafts.DraftClosed):
        publish_draft(db_session, Access(pcn), pcn, draft, None, expected_revision=2)


def test_a_stale_publish_is_a_conflict_and_publishes_nothing(db_session, users, staff_app):
    pcn = users["pcn_manager"]
    draft = drafts.draft_from_app(db_session, Access(pcn), pcn, staff_app)
    drafts.save_draft(db_session, draft, pcn, version_2(), expected_revision=1, summary="v2")
    with pytest.raises(drafts.DraftConflict) as caught:
        publish_draft(db_session, Access(pcn), pcn, draft, None, expected_revision=1)
    assert caught.value.latest.revision == 2
    assert versions(db_session) == 1 and draft.status == "open"


def test_an_invalid_draft_is_not_published(db_session, users, orgs):
    pcn = users["pcn_manager"]
    draft = drafts.start_draft(db_session, Access(pcn), pcn, {"id": "x", "title": ""}, "New")
    with pytest.raises(DefinitionInvalid):
        publish_draft(db_session, Access(pcn), pcn, draft, [orgs["A00001"]], expected_revision=1)
    assert draft.status == "open"
    assert db_session.get(App, "x") is None


def test_a_new_app_is_published_to_the_chosen_practice(db_session, users, orgs):
    pcn = users["pcn_manager"]
    raw = copy.deepcopy(STAFF) | {"id": "new_check"}
    draft = drafts.start_draft(db_session, Access(pcn), pcn, raw, "New")
    publish_draft(db_session, Access(pcn), pcn, draft, [orgs["A00001"]], expected_revision=1)
    app = db_session.get(App, "new_check")
    assert app is not None and [t.organisation.ods for t in app.targets] == ["A00001"]


def versions(db_session) -> int:
    return db_session.scalar(
        select(func.count(AppVersion.id)).where(AppVersion.app_id == "staff_check")
    )


def test_preview_effect_only_for_those_who_may_publish_the_app(db_session, users, staff_app):
    pcn = users["pcn_manager"]
    draft = drafts.draft_from_app(db_session, Access(pcn), pcn, staff_app)
    effect = preview_effect(db_session, Access(pcn), draft, version_2())
    assert effect is not None and effect.count == 3
    outsider = users["practice_manager_2"]  # South PCN: cannot see the app
    assert preview_effect(db_session, Access(outsider), draft, version_2()) is None


def test_review_of_an_invalid_draft_lists_its_issues(db_session, users):
    pcn = users["pcn_manager"]
    draft = drafts.start_draft(db_session, Access(pcn), pcn, {"id": "x", "title": "X"}, "New")
    review = publish_review(db_session, Access(pcn), draft)
    assert review.definition is None and not review.may_publish
    assert any(line.startswith("/version: ") or ": " in line for line in review.issues)
    assert (review.changes, review.effect, review.revision) == ([], None, 1)


def test_review_of_a_change_describes_it_and_counts_its_effect(db_session, users, staff_app):
    pcn = users["pcn_manager"]
    draft = drafts.draft_from_app(db_session, Access(pcn), pcn, staff_app)
    drafts.save_draft(db_session, draft, pcn, version_2(), expected_revision=1, summary="v2")
    review = publish_review(db_session, Access(pcn), draft)
    assert review.issues == [] and review.problems == [] and review.may_publish
    assert "Renamed “Notes” to “Comments”: its answers are kept." in review.changes
    assert review.effect is not None and review.effect.count == 3
    assert (review.latest_version, review.revision) == (1, 2)
    without = version_2()
    del without["migration"]
    drafts.save_draft(db_session, draft, pcn, without, expected_revision=2, summary="no migration")
    refused = publish_review(db_session, Access(pcn), draft)
    assert refused.problems and not refused.may_publish
    offered = [(c.kind, c.field) for c in refused.suggested]
    assert offered == [("rename", "notes"), ("map_value", "role"), ("default", "site")]
    assert refused.effect is not None and refused.effect.count == 0  # nothing chosen yet


def test_choosing_the_migration_is_a_save_and_counts_its_effect(db_session, users, staff_app):
    from miniapps.services.studio.publishing import choose_migration

    pcn = users["pcn_manager"]
    draft = drafts.draft_from_app(db_session, Access(pcn), pcn, staff_app)
    without = version_2()
    del without["migration"]
    drafts.save_draft(db_session, draft, pcn, without, expected_revision=1, summary="v2")
    suggested = publish_review(db_session, Access(pcn), draft).suggested
    chosen = [replace(choice, new=choice.new or choice.options[0][0]) for choice in suggested]
    save = choose_migration(db_session, draft, pcn, chosen, expected_revision=2)
    assert save.revision == 3
    review = publish_review(db_session, Access(pcn), draft)
    assert review.may_publish, review.problems
    assert review.effect is not None and review.effect.count == 3


def test_review_tells_nothing_of_someone_elses_app(db_session, users, orgs, staff_app):
    from miniapps.services import users as user_service

    manager = user_service.create_user(
        db_session, "s@example.nhs.uk", "South", None, "pcn_manager", orgs["U00002"]
    )
    mine = drafts.start_draft(db_session, Access(manager), manager, version_2(), "Mine")
    review = publish_review(db_session, Access(manager), mine)
    assert [p.code for p in review.problems] == ["forbidden"]
    assert (review.changes, review.suggested, review.effect, review.latest_version) == (
        [],
        [],
        None,
        None,
    )
