"""What a submit reuses between requests: the definition of a stored version (one object per
content), its compiled validator, form and condition rules (found by identity, no hashing
of the schema), and how a publish or a retire reaches the next request."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.core.bounded_cache import BoundedCache, SealedCache, is_sealed, seal
from miniapps.core.forms import compile_form, form_parts
from miniapps.core.records import record_validator as validators
from miniapps.db import db
from miniapps.models import App, Organisation, Record, User
from miniapps.services.app_retirement import retire_app
from miniapps.services.definitions import app_definition, record_definition
from miniapps.services.permissions import Access
from sqlalchemy.orm import Session

from tests.conftest import load_example
from tests.publishing import publish_app

RECORDS = "/api/v1/apps/fridge_log/records"


def fridge_v2() -> dict[str, Any]:
    raw = copy.deepcopy(load_example("fridge_log"))
    raw["version"] = 2
    # A new optional answer with a bound to notice (v1 takes any extra member).
    raw["schema"]["properties"]["checked_by"] = {"type": "string", "maxLength": 3}
    return raw


def submit(client: FlaskClient, auth: dict[str, str], reading: float, **more: Any) -> Any:
    data = {"reading": reading, **more}
    return client.post(RECORDS, json={"org": "A00001", "data": data, "submit": True}, headers=auth)


def test_same_definition_object_for_the_same_version(
    app: Flask, db_session: Session, fridge_app: App, submitted: Record
) -> None:
    first = app_definition(db_session, fridge_app)
    other = db.new_session(app, writes=False)  # as another request would
    try:
        record, same_app = other.get(Record, submitted.id), other.get(App, fridge_app.id)
        assert record is not None and same_app is not None
        again = record_definition(other, record)
        latest = app_definition(other, same_app)
    finally:
        other.close()
    assert again is first and latest is first  # another session, another request
    assert is_sealed(first.schema) and is_sealed(first.raw)


def test_compiled_once_per_version_not_by_content(
    db_session: Session, fridge_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    definition = app_definition(db_session, fridge_app)
    validator = validators.record_validator(definition.schema)
    form = compile_form(definition.schema, definition.ui)
    part = form_parts.compile_form_without(definition.schema, definition.ui, ["reading"])

    def refuse(*_args: Any, **_kwargs: Any) -> str:
        raise AssertionError("a stored version's schema is hashed again")

    # Found by identity: the schema is not serialised again to find them.
    monkeypatch.setattr(json, "dumps", refuse)
    assert validators.record_validator(definition.schema) is validator
    assert compile_form(definition.schema, definition.ui) is form
    assert form_parts.compile_form_without(definition.schema, definition.ui, ["reading"]) is part


def test_a_schema_that_may_change_is_compiled_by_content() -> None:
    number: dict[str, Any] = {"type": "integer", "maximum": 5}
    properties: dict[str, Any] = {"n": number}
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    assert not is_sealed(schema)
    assert not validators.record_validator(schema).is_valid({"n": 7})
    number["maximum"] = 10  # a caller's own dict, changed in place
    assert validators.record_validator(schema).is_valid({"n": 7})
    form = compile_form(schema)
    properties["m"] = {"type": "string"}
    assert compile_form(schema) is not form


def test_a_publish_is_used_by_the_next_request(
    client: FlaskClient,
    db_session: Session,
    users: dict[str, User],
    orgs: dict[str, Organisation],
    fridge_app: App,
    token,
) -> None:
    auth = token(users["practice_staff"])
    first = submit(client, auth, 5)
    assert first.status_code == 201 and first.get_json()["app_version"] == 1
    publish_app(db_session, fridge_v2(), [orgs["QWE"]])
    refused = submit(client, auth, 5, checked_by="Jo Bloggs")  # v2: at most 3 characters
    assert refused.status_code == 422, refused.get_json()
    second = submit(client, auth, 5, checked_by="JB")
    assert second.status_code == 201 and second.get_json()["app_version"] == 2
    made = db_session.get(Record, second.get_json()["id"])
    assert made is not None and record_definition(db_session, made).version == 2


def test_a_retire_is_honoured_by_the_next_request(
    client: FlaskClient, db_session: Session, users: dict[str, User], fridge_app: App, token
) -> None:
    auth = token(users["practice_staff"])
    assert submit(client, auth, 4).status_code == 201
    admin = users["platform_admin"]
    retire_app(db_session, Access(admin), admin, fridge_app)
    db_session.commit()
    refused = submit(client, auth, 4)
    assert refused.status_code == 409, refused.get_json()


def test_a_rollback_forgets_the_versions_looked_up(
    db_session: Session, orgs: dict[str, Organisation], fridge_app: App
) -> None:
    app_definition(db_session, fridge_app)
    v2 = publish_app(db_session, fridge_v2(), [orgs["QWE"]], commit=False)
    assert app_definition(db_session, v2).version == 2
    assert db_session.info.get("miniapps.version_definitions")
    db_session.rollback()  # the publish is undone: nothing remembered of it
    assert "miniapps.version_definitions" not in db_session.info


def test_caches_are_bounded() -> None:
    cache: BoundedCache[int, str] = BoundedCache(3)
    for n in range(5):
        cache.put(n, str(n))
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) == "4"
    cache.get(2)  # recently used: kept
    cache.put(5, "5")
    assert cache.get(2) == "2" and cache.get(3) is None


def test_sealed_cache_keeps_only_sealed_objects() -> None:
    sealed, loose = {"a": 1}, {"a": 1}
    seal(sealed)
    cache: SealedCache[str] = SealedCache(4)
    cache.put((sealed,), "kept")
    cache.put((loose,), "not kept")
    assert cache.get((sealed,)) == "kept"
    assert cache.get((loose,)) is None
    assert cache.get(({"a": 1},)) is None  # equal content, another object
