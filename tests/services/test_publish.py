"""Publishing: immutable versions, targets, refusals that protect stored records."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import IncompatibleChange
from miniapps.models import AppVersion, AuditEntry, EndedTarget, Record
from miniapps.services import apps as app_service
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import select

V1: dict[str, Any] = {
    "id": "bp_check",
    "title": "Blood pressure check",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["systolic"],
        "properties": {
            "systolic": {"type": "integer", "title": "Systolic"},
            "site": {"enum": ["left", "right"], "title": "Arm"},
        },
    },
}


def publish(db_session, raw, targets, actor=None, access=None):
    return app_service.publish(db_session, validate_definition(raw), targets, actor, access=access)


def with_record(db_session, users, orgs):
    publish(db_session, V1, [orgs["QWE"]])
    app = app_service.get_app(db_session, "bp_check")
    assert app is not None
    user = users["practice_manager"]
    record = record_service.create_record(
        db_session,
        Access(user),
        app,
        orgs["A00001"],
        {"systolic": 120, "site": "left"},
        submit=True,
        actor=user,
    )
    db_session.commit()
    return record


def test_same_content_makes_no_new_version(db_session, orgs):
    first = publish(db_session, V1, [orgs["QWE"]])
    again = publish(db_session, V1, [orgs["QWE"]])
    assert first.created and not again.created
    assert db_session.scalar(select(AppVersion.id).where(AppVersion.version == 1)) is not None


def test_version_must_go_up(db_session, orgs):
    publish(db_session, V1, [orgs["QWE"]])
    changed = {**V1, "title": "Renamed"}
    with pytest.raises(IncompatibleChange) as caught:
        publish(db_session, changed, [orgs["QWE"]])
    assert caught.value.issues[0].pointer == "/version"


def test_removing_a_field_with_stored_values_is_refused(db_session, users, orgs):
    with_record(db_session, users, orgs)
    schema = {**V1["schema"], "properties": {"systolic": {"type": "integer"}}}
    with pytest.raises(IncompatibleChange) as caught:
        publish(db_session, {**V1, "version": 2, "schema": schema}, [orgs["QWE"]])
    assert any(i.pointer == "/schema/properties/site" for i in caught.value.issues)


def test_rename_migration_carries_records_forward(db_session, users, orgs):
    record = with_record(db_session, users, orgs)
    schema = {
        "type": "object",
        "required": ["systolic"],
        "properties": {"systolic": {"type": "integer"}, "arm": {"enum": ["left", "right"]}},
    }
    v2 = {
        **V1,
        "version": 2,
        "schema": schema,
        "migration": {"from_version": 1, "rename": {"site": "arm"}},
    }
    publish(db_session, v2, [orgs["QWE"]])
    db_session.commit()
    stored = db_session.get(Record, record.id)
    assert stored.app_version == 2 and stored.data == {"systolic": 120, "arm": "left"}
    audit = db_session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == record.id, AuditEntry.action == "migrate")
    ).one()
    assert audit.changes[0] == {"pointer": "/app_version", "old": 1, "new": 2}


def test_pcn_manager_publishes_to_own_pcn_only(db_session, users, orgs):
    access = Access(users["pcn_manager"])
    result = publish(db_session, V1, None, users["pcn_manager"], access)
    assert [t.organisation.ods for t in result.app.targets] == ["U00001"]
    with pytest.raises(Forbidden):
        publish(db_session, {**V1, "id": "other"}, [orgs["U00002"]], users["pcn_manager"], access)


def test_pcn_manager_cannot_republish_an_icb_wide_app(db_session, users, orgs):
    publish(db_session, V1, [orgs["QWE"]])
    access = Access(users["pcn_manager"])
    with pytest.raises(Forbidden, match="also published to Test ICB"):
        publish(
            db_session,
            {**V1, "version": 2, "title": "Mine now"},
            None,
            users["pcn_manager"],
            access,
        )


def test_stored_definition_keeps_property_order(db_session, orgs):
    """The form follows the schema's property order, so storage must not reorder keys."""
    properties = {key: {"type": "string"} for key in ("zeta", "alpha", "mu", "beta")}
    raw = {**V1, "id": "ordered", "schema": {"type": "object", "properties": properties}}
    publish(db_session, raw, [orgs["QWE"]])
    db_session.commit()
    db_session.expire_all()
    stored = db_session.scalars(select(AppVersion).where(AppVersion.app_id == "ordered")).one()
    assert list(stored.definition["schema"]["properties"]) == ["zeta", "alpha", "mu", "beta"]


def test_targets_count_from_the_publish_day_and_keep_their_date(db_session, orgs):
    first = publish(db_session, V1, [orgs["U00001"]])
    assert [(t.organisation.ods, t.targeted_from) for t in first.app.targets] == [
        ("U00001", date.today())
    ]
    app_service.publish(
        db_session,
        validate_definition({**V1, "version": 2}),
        [orgs["U00001"], orgs["U00002"]],
        None,
        targeted_from=date(2030, 4, 1),
    )
    dates = {t.organisation.ods: t.targeted_from for t in first.app.targets}
    assert dates == {"U00001": date.today(), "U00002": date(2030, 4, 1)}


def test_replacing_targets_ends_the_others_and_is_audited(db_session, orgs):
    def publish_on(day, targets):
        return app_service.publish(
            db_session,
            validate_definition(V1),
            targets,
            None,
            targeted_from=day,
            replace_targets=True,
        ).app

    app = publish_on(date(2025, 4, 1), [orgs["U00001"], orgs["U00002"]])
    publish_on(date(2025, 4, 1), [orgs["U00001"], orgs["A00003"]])  # same day: never counted
    publish_on(date(2025, 9, 1), [orgs["A00003"]])
    db_session.commit()
    assert [t.organisation.ods for t in app.targets] == ["A00003"]
    ended = db_session.scalars(select(EndedTarget)).all()
    assert [(e.organisation.ods, e.targeted_from, e.ended_on) for e in ended] == [
        ("U00001", date(2025, 4, 1), date(2025, 9, 1))
    ]
    changes = [
        e.changes[0]
        for e in db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "target").order_by(AuditEntry.id)
        )
    ]
    assert [(c["old"], c["new"]) for c in changes] == [
        ([], ["U00001", "U00002"]),
        (["U00001", "U00002"], ["A00003", "U00001"]),
        (["A00003", "U00001"], ["A00003"]),
    ]


def test_publishing_without_replace_never_drops_a_target(db_session, orgs):
    publish(db_session, V1, [orgs["U00001"]])
    result = publish(db_session, V1, [orgs["U00002"]])
    assert sorted(t.organisation.ods for t in result.app.targets) == ["U00001", "U00002"]
    assert db_session.scalar(select(EndedTarget.id)) is None
