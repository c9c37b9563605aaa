"""A retired app through every page and endpoint: listed and marked retired, its records
readable and exportable, and every way of adding a record (the form, the API, the
import page) refused with the same message, storing nothing."""

from __future__ import annotations

import io

import pytest
from miniapps.models import Record
from miniapps.services.app_retirement import retire_app
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle
from sqlalchemy import func, select

from tests.conftest import load_example
from tests.publishing import publish_app

MESSAGE = "Vaccine fridge log is retired: no new records can be added"


@pytest.fixture
def retired(db_session, users, orgs):
    """The fridge log with one submitted reading at North Surgery, then retired."""
    app = publish_app(db_session, load_example("fridge_log"), [orgs["U00001"]])
    pm = users["practice_manager"]
    record = lifecycle.create_record(
        db_session, Access(pm), app, orgs["A00001"], {"reading": 4}, submit=True, actor=pm
    )
    retire_app(db_session, Access(users["pcn_manager"]), users["pcn_manager"], app)
    db_session.commit()
    return record


def count(db_session) -> int:
    return db_session.scalar(select(func.count(Record.id)).where(Record.app_id == "fridge_log"))


def test_listed_as_retired_with_its_records_readable(client, login, users, retired):
    login(users["practice_manager"])
    home = client.get("/").get_data(as_text=True)
    assert "Vaccine fridge log" in home and "Retired" in home
    page = client.get("/apps/fridge_log/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert MESSAGE in body
    assert "Add a record" not in body and "/apps/fridge_log/new" not in body
    assert client.get(f"/apps/fridge_log/records/{retired.id}").status_code == 200
    export = client.get("/apps/fridge_log/export?format=csv")
    assert export.status_code == 200 and "A00001" in export.get_data(as_text=True)


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_form_refuses(client, login, users, retired, db_session, method):
    login(users["practice_manager"])
    response = getattr(client, method)("/apps/fridge_log/new", data={"reading": "5", "submit": "1"})
    assert response.status_code == 409
    assert MESSAGE in response.get_data(as_text=True)
    assert count(db_session) == 1


def test_the_import_page_refuses(client, login, users, retired, db_session):
    login(users["practice_manager"])
    assert client.get("/apps/fridge_log/import").status_code == 409
    response = client.post(
        "/apps/fridge_log/import",
        data={"file": (io.BytesIO(b"ods,reading\nA00001,5\n"), "r.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    assert MESSAGE in response.get_data(as_text=True)
    assert count(db_session) == 1


def test_the_api_refuses_with_a_conflict(client, users, token, retired, db_session):
    headers = token(users["practice_manager"])
    response = client.post(
        "/api/v1/apps/fridge_log/records",
        json={"org": "A00001", "data": {"reading": 5}, "submit": True},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.get_json() == {"error": "app_retired", "message": MESSAGE}
    listed = client.get("/api/v1/apps/fridge_log/records", headers=headers)
    assert listed.status_code == 200
    assert count(db_session) == 1
