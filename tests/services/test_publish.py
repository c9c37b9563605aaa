"""Publishing: immutable versions, targets, refusals that protect stored records."""

from __future__ import annotations

import pytest
from miniapps.core.definitions import validate_definition
from miniapps.core.errors import IncompatibleChange
from miniapps.models import AppVersion, AuditEntry, Record
from miniapps.services import apps as app_service
from miniapps.services import records as record_service
from miniapps.services.permissions import Access, Forbidden
from sqlalchemy import select

V1 = {
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
