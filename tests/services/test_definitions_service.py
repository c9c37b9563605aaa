"""Where definitions come from: a record keeps the version it was made with, everything
else follows the app's latest version, and an indicator app's is expanded per period."""

from __future__ import annotations

import copy

from miniapps.core.definitions.loading import validate_definition
from miniapps.services import apps as app_service
from miniapps.services.definitions import (
    app_definition,
    latest_version,
    published_versions,
    record_definition,
)
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service

from tests.conftest import load_example


def test_a_record_keeps_its_version_while_the_app_moves_on(
    db_session, users, orgs, fridge_app
) -> None:
    admin = users["platform_admin"]
    record = record_service.create_record(
        db_session, Access(admin), fridge_app, orgs["A00001"], {"reading": 4}, actor=admin
    )
    second = copy.deepcopy(load_example("fridge_log"))
    second["version"] = 2
    second["schema"]["properties"]["note"] = {"type": "string", "title": "Note"}
    app_service.publish(db_session, validate_definition(second), [orgs["QWE"]], actor=None)
    db_session.flush()
    db_session.expire(fridge_app)  # as a later request sees it

    # Publishing carried the stored record forward; one still at version 1 reads version 1.
    record.app_version = 1
    assert record_definition(db_session, record).version == 1
    assert "note" not in record_definition(db_session, record).schema["properties"]
    assert app_definition(db_session, fridge_app).version == 2
    latest = latest_version(db_session, "fridge_log")
    assert latest is not None and latest.version == 2
    assert [v.version for v in published_versions(db_session, "fridge_log")] == [2, 1]


def test_an_indicator_app_is_expanded_for_the_period_asked(db_session, iif_app) -> None:
    plain = app_definition(db_session, iif_app)
    june = app_definition(db_session, iif_app, "2025-06")
    keyed = june.schema["properties"]["indicators"]
    assert "CAN-04" in keyed["properties"] and "HI-03" in keyed["properties"]
    assert plain.schema["properties"]["indicators"] != keyed
    # Before any year set was loaded there is nothing to expand with.
    assert app_definition(db_session, iif_app, "2019-06") == plain
    assert app_definition(db_session, iif_app, "2025-06") is june  # cached per process
