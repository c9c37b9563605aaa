"""The OpenAPI document is valid, complete, and describes what the routes really return."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from miniapps.web.api.openapi_spec import REQUEST_SCHEMAS, openapi_document

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def flask_operations(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, method) for every Flask rule under /api/v1."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in (rule.methods or set()) - IGNORED_METHODS:
            found.add((path, method.lower()))
    return found


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }


def test_served_without_a_token(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == openapi_document()


def test_document_is_valid_openapi_3_1() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    validator.validate(document)


def test_every_route_is_documented_and_nothing_else(app: Flask) -> None:
    assert flask_operations(app) == documented_operations(openapi_document())


def test_path_parameters_match_the_rules() -> None:
    document = openapi_document()
    for path, item in document["paths"].items():
        declared = {
            document["components"]["parameters"][p["$ref"].rsplit("/", 1)[-1]]["name"]
            for p in item.get("parameters", [])
        }
        assert declared == set(re.findall(r"{([a-z_]+)}", path)), path


def test_bearer_security_everywhere_but_the_document() -> None:
    document = openapi_document()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearerAuth": []}]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            if path == "/openapi.json":
                assert operation["security"] == []
            else:
                assert "security" not in operation
                assert operation["responses"]["401"]


def test_request_schemas_refuse_unknown_members() -> None:
    for name, schema in REQUEST_SCHEMAS.items():
        assert schema["additionalProperties"] is False, name
        Draft202012Validator.check_schema(schema)


# --- real answers validate against the documented schemas ----------------------------------------


def check(document: dict[str, Any], schema_name: str, instance: Any) -> None:
    schema = {**document, "$ref": f"#/components/schemas/{schema_name}"}
    errors = list(Draft202012Validator(schema).iter_errors(instance))
    assert not errors, [e.message for e in errors]


def test_answers_match_the_schemas(client: FlaskClient, users, token, fridge_app) -> None:
    document = openapi_document()
    pm = token(users["practice_manager"])
    check(document, "AppList", client.get("/api/v1/apps", headers=pm).get_json())
    check(document, "Definition", client.get("/api/v1/apps/fridge_log", headers=pm).get_json())
    created = client.post(
        "/api/v1/apps/fridge_log/records",
        json={"org": "A00001", "data": {"reading": 4}, "submit": True},
        headers=pm,
    )
    assert created.status_code == 201
    check(document, "Record", created.get_json())
    check(
        document, "RecordList", client.get("/api/v1/apps/fridge_log/records", headers=pm).get_json()
    )
    rid = created.get_json()["id"]
    stale = client.patch(
        f"/api/v1/records/{rid}", json={"data": {}}, headers={**pm, "If-Match": "1"}
    )
    check(document, "Conflict", stale.get_json())
    invalid = client.post(
        "/api/v1/apps/fridge_log/records",
        json={"org": "A00001", "data": {}, "submit": True},
        headers=pm,
    )
    check(document, "ValidationError", invalid.get_json())
    check(document, "Error", client.get("/api/v1/apps").get_json())
    dashboard = client.get("/api/v1/apps/fridge_log/dashboard?org=A00001", headers=pm)
    check(document, "Dashboard", dashboard.get_json())
    published = client.post(
        "/api/v1/apps",
        json={**openapi_minimal(), "id": "doc_app"},
        headers=token(users["platform_admin"]),
    )
    check(document, "Published", published.get_json())


def openapi_minimal() -> dict[str, Any]:
    return {
        "id": "x",
        "title": "X",
        "version": 1,
        "schema": {"type": "object", "properties": {"n": {"type": "number", "title": "N"}}},
    }
