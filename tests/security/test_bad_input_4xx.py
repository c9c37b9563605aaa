"""Issue 15, fault 14: bad input answers 4xx with a message, never a 500.

Reproduced before the fix: a JSON body nested 100,000 deep (``RecursionError``), a
definition whose field refers to its own schema (``{"$ref": "#"}``, ``RecursionError`` at
publish), ``from=0000`` on a dashboard (``date(0, 1, 1)``), record ids and page numbers
beyond 64 bits (``OverflowError`` on SQLite, ``integer out of range`` on PostgreSQL).
The URL-map tests cover every ``<int:...>`` route there is, so a new one is covered too.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.json_text import MAX_JSON_DEPTH, loads_bounded, nesting_depth_exceeds
from miniapps.models import App, AppVersion, Organisation, Record
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import Access
from miniapps.web.converters import MAX_ID
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.publishing import publish_app

HUGE = "99999999999999999999"  # beyond 64 bits
DEEP = "[" * 100_000 + "]" * 100_000

MONTHLY: dict[str, Any] = {
    "id": "monthly_counts",
    "title": "Monthly counts",
    "version": 1,
    "period": {"frequency": "monthly"},
    "schema": {
        "type": "object",
        "required": ["seen"],
        "properties": {"seen": {"type": "integer", "title": "Patients seen", "minimum": 0}},
    },
}


@pytest.fixture
def monthly(db_session: Session, orgs: dict[str, Organisation]) -> App:
    app = publish_app(db_session, MONTHLY, [orgs["QWE"]])
    db_session.add(
        Record(
            app_id="monthly_counts",
            app_version=1,
            organisation=orgs["A00001"],
            period="2025-04",
            data={"seen": 3},
            status="submitted",
        )
    )
    db_session.commit()
    return app


def answer(response: Any) -> Any:
    """The JSON of an answer (typed ``Any``: the shape is what the test asserts)."""
    return response.get_json()


def no_server_error(response: Any) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code < 500, text[:800]
    return text


# --- JSON nested without end ----------------------------------------------------------------


def test_the_depth_scan_ignores_brackets_in_text_and_stops_early() -> None:
    assert not nesting_depth_exceeds('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 2)
    assert nesting_depth_exceeds('{"a": [[{"b": 1}]]}', 3)
    assert not nesting_depth_exceeds('{"a": [[{"b": "\\"]]]]"}]]}', 4)
    assert loads_bounded("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    with pytest.raises(ValueError, match="nested more than 64 levels"):
        loads_bounded(DEEP)


def _api_json_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, URL) of every API route that reads a JSON body, ids filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) & {"POST", "PATCH", "PUT"}):
            values = {name: 1 if f"<int:{name}>" in rule.rule else "x" for name in rule.arguments}
            found.append((method, _build(rule.rule, values)))
    return found


def _arguments(rule: str) -> list[str]:
    return [part.split(">")[0].split(":")[-1] for part in rule.split("<")[1:]]


def _build(rule: str, values: dict[str, Any]) -> str:
    url = rule
    for name, value in values.items():
        for pattern in (f"<int:{name}>", f"<{name}>", f"<string:{name}>", f"<path:{name}>"):
            url = url.replace(pattern, str(value))
    return url


def test_every_api_route_refuses_a_body_nested_100000_deep(
    app: Flask, client: FlaskClient, users, token, fridge_app
) -> None:
    auth = token(users["platform_admin"])
    routes = _api_json_routes(app)
    assert ("POST", "/api/v1/apps/x/records") in routes and ("POST", "/api/v1/apps") in routes
    for method, url in routes:
        url = url.replace("/apps/x/", "/apps/fridge_log/")
        response = client.open(
            url, method=method, data=DEEP, content_type="application/json", headers=auth
        )
        text = no_server_error(response)
        if response.status_code == 400:
            assert "nested" in answer(response)["message"], (url, text)


def test_a_deep_record_body_is_a_400_naming_the_problem(
    client: FlaskClient, db_session: Session, users, token, fridge_app
) -> None:
    body = '{"org": "A00001", "data": {"reading": 4, "x": ' + DEEP + "}}"
    response = client.post(
        "/api/v1/apps/fridge_log/records",
        data=body,
        content_type="application/json",
        headers=token(users["practice_manager"]),
    )
    assert response.status_code == 400
    assert answer(response)["error"] == "malformed_json"
    assert "nested more than 64 levels deep" in answer(response)["message"]
    assert db_session.scalar(select(func.count()).select_from(Record)) == 0


def test_a_deep_definition_is_refused_by_the_publish_page_and_the_cli(
    client: FlaskClient, users, login, runner, tmp_path: Path
) -> None:
    login(users["platform_admin"])
    page = client.post("/apps/publish", data={"definition": DEEP, "action": "preview"})
    assert page.status_code == 422
    assert "nested more than 64 levels deep" in page.get_data(as_text=True)
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    result = runner.invoke(args=["apps", "validate", str(path)])
    assert result.exit_code == 1
    assert "nested more than 64 levels deep" in result.output


def test_a_deep_json_cell_in_an_import_is_a_problem_naming_its_column(
    db_session: Session, orgs: dict[str, Organisation], users
) -> None:
    raw = {
        "id": "visits_log",
        "title": "Visits",
        "version": 1,
        "schema": {
            "type": "object",
            "properties": {
                "visits": {
                    "type": "array",
                    "title": "Visits",
                    "items": {"type": "object", "properties": {"place": {"type": "string"}}},
                }
            },
        },
    }
    app = publish_app(db_session, raw, [orgs["QWE"]])
    cell = "[" * 60_000 + "]" * 60_000  # within the CSV reader's field limit
    report = import_records(
        db_session,
        Access(users["practice_manager"]),
        app,
        f"ods,visits\nA00001,{cell}\n".encode(),
        "deep.csv",
        dry_run=True,
        actor=users["practice_manager"],
    )
    assert [(p.row, p.column) for p in report.problems] == [(2, "visits")], report.problems


# --- $ref cycles in a record schema ------------------------------------------------------------

BASE: dict[str, Any] = {"id": "refs", "title": "Refs", "version": 1}
CYCLES: dict[str, tuple[dict[str, Any], str]] = {
    "field refers to the record": (
        {"type": "object", "properties": {"a": {"$ref": "#"}}},
        "/schema/properties/a/$ref",
    ),
    "allOf of the record": (
        {"type": "object", "allOf": [{"$ref": "#"}], "properties": {"a": {"type": "string"}}},
        "/schema/allOf/0/$ref",
    ),
    "two definitions referring to each other": (
        {
            "type": "object",
            "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
            "properties": {"x": {"$ref": "#/$defs/a"}},
        },
        "/schema/$defs/b/$ref",
    ),
    "a section holding itself": (
        {
            "type": "object",
            "$defs": {
                "node": {
                    "type": "object",
                    "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                }
            },
            "properties": {"tree": {"$ref": "#/$defs/node"}},
        },
        "/schema/$defs/node/properties/kids/items/$ref",
    ),
    "a reference to nothing": (
        {"type": "object", "properties": {"x": {"$ref": "#/$defs/missing"}}},
        "/schema/properties/x/$ref",
    ),
    "a reference outside the definition": (
        {"type": "object", "properties": {"x": {"$ref": "https://example.com/s.json"}}},
        "/schema/properties/x/$ref",
    ),
}


def _with_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(BASE), "schema": copy.deepcopy(schema)}


@pytest.mark.parametrize(("schema", "pointer"), CYCLES.values(), ids=CYCLES.keys())
def test_validation_refuses_ref_cycles_at_their_pointer(
    schema: dict[str, Any], pointer: str
) -> None:
    with pytest.raises(DefinitionInvalid) as refused:
        validate_definition(_with_schema(schema))
    assert [i.pointer for i in refused.value.issues] == [pointer]


def test_shared_definitions_are_still_fine() -> None:
    schema = {
        "type": "object",
        "$defs": {"day": {"type": "string", "format": "date", "title": "Day"}},
        "properties": {"start": {"$ref": "#/$defs/day"}, "end": {"$ref": "#/$defs/day"}},
    }
    assert validate_definition(_with_schema(schema)).id == "refs"


def test_ref_to_itself_is_refused_by_cli_page_and_api(
    client: FlaskClient, db_session: Session, users, login, token, runner, tmp_path: Path
) -> None:
    raw = _with_schema(CYCLES["field refers to the record"][0])
    path = tmp_path / "refs.json"
    path.write_text(json.dumps(raw))
    result = runner.invoke(args=["apps", "validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:/schema/properties/a/$ref: " in result.output
    api = client.post("/api/v1/apps", json=raw, headers=token(users["platform_admin"]))
    assert api.status_code == 422, api.get_data(as_text=True)
    assert "/schema/properties/a/$ref" in [e["pointer"] for e in answer(api)["errors"]]
    login(users["platform_admin"])
    page = client.post("/apps/publish", data={"definition": json.dumps(raw), "action": "publish"})
    assert page.status_code == 422
    assert "leads back to a schema" in page.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(AppVersion)) == 0


# --- dashboards: bad period filters ------------------------------------------------------------

BAD_PERIODS = ["0000", "0000-01", "0000-Q1", "0000-W01", "2025-W53", "2025-13", "20255", "abc"]
EDGE_PERIODS = ["0001", "0001-W01", "9999", "9999-12", "9999-Q4", "9999-W51"]


@pytest.mark.parametrize("value", BAD_PERIODS)
@pytest.mark.parametrize("name", ["from", "to"])
def test_a_bad_dashboard_period_is_a_4xx_naming_it(
    client: FlaskClient, users, login, token, monthly: App, name: str, value: str
) -> None:
    api = client.get(
        f"/api/v1/apps/monthly_counts/dashboard?{name}={value}",
        headers=token(users["platform_admin"]),
    )
    assert api.status_code == 422, api.get_data(as_text=True)
    assert [e["pointer"] for e in answer(api)["errors"]] == [f"/{name}"]
    login(users["platform_admin"])
    page = client.get(f"/apps/monthly_counts/dashboard?{name}={value}")
    assert 400 <= page.status_code < 500
    assert "must be a month (2025-04), a quarter (2025-Q1) or a year" in page.get_data(as_text=True)
    csv = client.get(f"/apps/monthly_counts/dashboard.csv?widget=records&{name}={value}")
    assert 400 <= csv.status_code < 500


@pytest.mark.parametrize("value", EDGE_PERIODS)
def test_periods_at_the_edges_of_the_calendar_are_answered(
    client: FlaskClient, users, token, monthly: App, value: str
) -> None:
    auth = token(users["platform_admin"])
    for query in (f"from={value}", f"to={value}", f"from={value}&to={value}"):
        response = client.get(f"/api/v1/apps/monthly_counts/dashboard?{query}", headers=auth)
        assert response.status_code == 200, (query, response.get_data(as_text=True))


@pytest.mark.parametrize("value", ["0000", "0000-01", "0000-W01", "2025-W53", "99999"])
def test_other_period_filters_are_never_a_500(
    client: FlaskClient, users, login, monthly: App, value: str
) -> None:
    login(users["platform_admin"])
    for url in (
        f"/apps/monthly_counts/returns?from={value}",
        f"/apps/monthly_counts/returns?to={value}",
        f"/apps/monthly_counts/indicators?period={value}",
        f"/apps/monthly_counts/?period={value}",
        f"/apps/monthly_counts/export?period={value}",
        f"/apps/monthly_counts/matrix?period={value}",
        f"/inbox/dashboard?from={value}",
        f"/inbox/dashboard?to={value}",
        f"/admin/audit?from={value}",
    ):
        no_server_error(client.get(url))


# --- ids and page numbers beyond the columns -----------------------------------------------------


def _int_routes(app: Flask) -> list[tuple[str, str, list[str]]]:
    """(method, rule, int variable names) of every route with an ``<int:...>`` variable."""
    found = []
    for rule in app.url_map.iter_rules():
        names = [n for n in rule.arguments if f"<int:{n}>" in rule.rule]
        if names:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule, names))
    return found


@pytest.mark.parametrize("number", [HUGE, str(MAX_ID + 1), "9" * 400])
def test_every_int_url_variable_beyond_the_bound_is_a_404(
    app: Flask, client: FlaskClient, users, login, token, fridge_app, number: str
) -> None:
    routes = _int_routes(app)
    assert len(routes) >= 20  # records, comments, documents, admin, library, actions ...
    login(users["platform_admin"])
    auth = token(users["platform_admin"])
    for method, rule, names in routes:
        others = {name: "x" for name in _arguments(rule) if name not in names}
        url = _build(rule, {**others, "app_id": "fridge_log", **dict.fromkeys(names, number)})
        response = client.open(url, method=method, headers=auth if url.startswith("/api/") else {})
        # The id matches no route at all (not 405 from a route sharing the path).
        assert response.status_code == 404, (method, url, response.get_data(as_text=True))


def test_the_record_page_beyond_64_bits_is_a_404(
    client: FlaskClient, users, login, fridge_app
) -> None:
    login(users["practice_manager"])
    response = client.get(f"/apps/fridge_log/records/{HUGE}")
    assert response.status_code == 404
    assert client.get(f"/apps/fridge_log/records/{MAX_ID}").status_code == 404  # in range


PAGED = [
    "/apps/fridge_log/",
    "/inbox",
    "/admin/users",
    "/admin/tokens",
    "/admin/organisations",
    "/admin/audit",
    "/admin/outbox",
    "/api/v1/apps/fridge_log/records",
    "/api/v1/inbox",
]


@pytest.mark.parametrize("url", PAGED)
def test_a_page_number_beyond_the_bound_is_a_400_and_the_last_in_range_answers(
    client: FlaskClient, users, login, token, fridge_app, url: str
) -> None:
    login(users["platform_admin"])
    headers = token(users["platform_admin"]) if url.startswith("/api/") else {}
    huge = client.get(f"{url}?page=99999999999999999999999", headers=headers)
    assert huge.status_code == 400, huge.get_data(as_text=True)[:500]
    assert "page must be a whole number" in huge.get_data(as_text=True)
    last = client.get(f"{url}?page={MAX_ID}", headers=headers)
    no_server_error(last)
    assert last.status_code in (200, 400), last.get_data(as_text=True)[:500]


def test_int_query_and_form_values_are_bounded(
    client: FlaskClient, users, login, fridge_app
) -> None:
    login(users["platform_admin"])
    response = client.get(f"/admin/tokens?user={HUGE}")
    assert response.status_code == 400
    assert "user must be a whole number up to 2147483647" in response.get_data(as_text=True)
    assert client.get("/admin/tokens?user=abc").status_code == 200  # not a number: ignored


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/compliance?framework=saf%00x",
        "/api/v1/apps/fridge_log/records?org=A0%0001",
        "/apps/fridge_log/dashboard?org=A0%0001",
        "/auth/login?next=/x%00",
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400_naming_it(
    client: FlaskClient, users, login, token, fridge_app, url: str
) -> None:
    """PostgreSQL refuses NUL in text: it used to answer 500 there (schemathesis found it)."""
    login(users["platform_admin"])
    headers = token(users["platform_admin"]) if url.startswith("/api/") else {}
    response = client.get(url, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert "contains a NUL character" in response.get_data(as_text=True)


def test_a_nul_in_a_form_field_or_a_json_text_is_a_400_and_nothing_is_written(
    client: FlaskClient, db_session: Session, users, login, token, monthly: App
) -> None:
    response = client.post("/auth/login", data={"email": "a\x00@example.nhs.uk", "password": "x"})
    assert response.status_code == 400
    assert "email&#39; contains a NUL character" in response.get_data(as_text=True)
    record = db_session.scalar(select(Record).where(Record.app_id == "monthly_counts"))
    assert record is not None
    before = db_session.scalar(select(func.count()).select_from(Record))
    # A JSON member outside record data reaches the database as text (a comment's body).
    answer = client.post(
        f"/api/v1/records/{record.id}/comments",
        json={"body": "nul\x00here"},
        headers=token(users["platform_admin"]),
    )
    no_server_error(answer)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert "Comment contains a control character (U+0000)" in answer.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Record)) == before
