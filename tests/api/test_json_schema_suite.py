"""The official JSON Schema Test Suite (draft 2020-12) through the records API.

Each test group's schema becomes the schema of one field, ``v``, of a published app
(``{"type": "object", "properties": {"v": <group schema>}}``), and each test's data is
posted as that field's value (``{"v": <data>}``) through ``POST /api/v1/apps/{id}/records``
with ``submit: true``. The answer must be 201 when the suite says valid and 422 with an
issue at ``/v`` (or below it) when it says invalid; never anything else.

Keeping the suite's meaning inside a record schema: a reference ``#/...`` names a place
in the *record* schema, so the group's own references are moved under
``#/properties/v`` (only where they are references: a ``$ref`` inside ``enum`` or
``const`` is data and stays as written).

What the product does differently on purpose is listed below with the reason
(:func:`refusal_reason`, :data:`NEVER_STORED`, :data:`ANNOTATION_ONLY`,
:data:`SKIPPED_FILES`); a group refused at publish must be refused with a message at a
pointer inside the field's schema. Any other difference fails, naming the file, the group
and the test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.core import schema_walk
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.models import Organisation, User
from sqlalchemy.orm import Session

from tests.publishing import publish_app

SUITE = Path(__file__).resolve().parents[1] / "json_schema_suite" / "tests" / "draft2020-12"
FIELD = "/properties/v"

# Keywords whose value is a schema, a list of schemas, or a map of name -> schema (2020-12).
SCHEMA_ONE = (*schema_walk.SCHEMA_ONE, "contentSchema")

# Why whole groups cannot be published: the product's rules for a record schema.
NOT_A_POINTER = (
    "a $ref that is not a JSON pointer into the record schema (a remote URL such as "
    "http://localhost:1234, which the product never fetches, an $id-relative URI, a URN "
    "or an $anchor): records refer only with #/... pointers"
)
DYNAMIC = "$dynamicRef is not supported in a record schema"
RESOURCE = (
    "an $id inside the record schema would change what #/... means below it; records "
    "refer only with #/... pointers from the record schema's root"
)
CYCLE = "a $ref back to an enclosing schema describes records nested without end"
FIELD_NAME = "property names become field names: small letters, digits and _ only"
UNDECLARED = "required / dependentSchemas name a field the schema does not declare"
OTHER_DIALECT = "a $schema other than 2020-12 (records are checked in 2020-12 whatever it says)"
UNKNOWN_FORMAT = "an unknown format is refused at publish (a typo would check nothing)"

# (file, group description) -> why the product refuses that schema at publish, besides the
# schemas that hold an $id (see refusal_reason).
REFUSED_AT_PUBLISH: dict[tuple[str, str], str] = {
    ("ref.json", "root pointer ref"): CYCLE,
    ("unevaluatedProperties.json", "unevaluatedProperties + single cyclic ref"): CYCLE,
    ("dynamicRef.json", "$dynamicRef points to a boolean schema"): DYNAMIC,
    ("properties.json", "properties whose names are Javascript object property names"): FIELD_NAME,
    ("properties.json", "properties with escaped characters"): FIELD_NAME,
    ("ref.json", "property named $ref that is not a reference"): FIELD_NAME,
    ("ref.json", "property named $ref, containing an actual $ref"): FIELD_NAME,
    ("ref.json", "refs with quote"): FIELD_NAME,
    ("anchor.json", "Location-independent identifier"): NOT_A_POINTER,
    ("defs.json", "validate definition against metaschema"): NOT_A_POINTER,
    ("dynamicRef.json", "$ref to $dynamicRef finds detached $dynamicAnchor"): NOT_A_POINTER,
    ("optional/anchor.json", "$anchor inside an enum is not a real identifier"): NOT_A_POINTER,
    (
        "optional/cross-draft.json",
        "refs to historic drafts are processed as historic drafts",
    ): NOT_A_POINTER,
    ("ref.json", "remote ref, containing refs itself"): NOT_A_POINTER,
    ("refRemote.json", "$ref to $ref finds detached $anchor"): NOT_A_POINTER,
    ("refRemote.json", "Location-independent identifier in remote ref"): NOT_A_POINTER,
    ("refRemote.json", "anchor within remote ref"): NOT_A_POINTER,
    ("refRemote.json", "fragment within remote ref"): NOT_A_POINTER,
    ("refRemote.json", "ref within remote ref"): NOT_A_POINTER,
    ("refRemote.json", "remote HTTP ref with different $id"): NOT_A_POINTER,
    ("refRemote.json", "remote HTTP ref with different URN $id"): NOT_A_POINTER,
    ("refRemote.json", "remote HTTP ref with nested absolute ref"): NOT_A_POINTER,
    ("refRemote.json", "remote ref"): NOT_A_POINTER,
    ("additionalProperties.json", "dependentSchemas with additionalProperties"): UNDECLARED,
    ("oneOf.json", "oneOf with required"): UNDECLARED,
    ("unevaluatedProperties.json", "dependentSchemas with unevaluatedProperties"): UNDECLARED,
    ("unevaluatedProperties.json", "unevaluatedProperties with anyOf"): UNDECLARED,
    ("unevaluatedProperties.json", "unevaluatedProperties with oneOf"): UNDECLARED,
    ("optional/format/unknown.json", "unknown format"): UNKNOWN_FORMAT,
    ("vocabulary.json", "ignore unrecognized optional vocabulary"): OTHER_DIALECT,
}

# (file, group, test): text the suite calls valid that holds NUL or another control
# character (not tab, new line, carriage return), which the product never stores
# (core/records/value_safety.py): a 422 whose message names the control character.
CONTROL_ESCAPE = "ECMA 262 regex escapes control codes with \\c and {} letter"
ECMA = "optional/ecmascript-regex.json"
NEVER_STORED: set[tuple[str, str, str]] = {
    ("const.json", "nul characters in strings", "match string with nul"),
    ("enum.json", "nul characters in strings", "match string with nul"),
    (
        "required.json",
        "required with escaped characters",
        "object with all properties present is valid",
    ),
    (ECMA, CONTROL_ESCAPE.format("upper"), "matches"),
    (ECMA, CONTROL_ESCAPE.format("lower"), "matches"),
    (ECMA, "ECMA 262 \\s matches whitespace", "Line tabulation matches"),
    (ECMA, "ECMA 262 \\s matches whitespace", "Form feed matches"),
    (ECMA, "ECMA 262 \\S matches everything but whitespace", "Non-whitespace control matches"),
}
# The core suite's format.json expects format to be an annotation only by default; the
# product asserts it (the format-assertion vocabulary, as optional/format/ expects).
ANNOTATION_ONLY = "only an annotation by default"

# Optional files that test something outside draft 2020-12 itself.
SKIPPED_FILES = {
    "optional/dependencies-compatibility.json": (
        "draft 7's `dependencies` is not a 2020-12 keyword: ignored like any unknown keyword"
    ),
}


@dataclass(frozen=True)
class Group:
    file: str
    description: str
    schema: Any
    tests: list[dict[str, Any]]


def suite_files() -> list[str]:
    """Every suite file the harness runs: core, ``optional/`` and ``optional/format/``."""
    return sorted(str(p.relative_to(SUITE)) for p in SUITE.rglob("*.json"))


def groups_of(file: str) -> list[Group]:
    raw = json.loads((SUITE / file).read_text(encoding="utf-8"))
    return [Group(file, g["description"], g["schema"], g["tests"]) for g in raw]


def under_field(schema: Any) -> Any:
    """``schema`` with its ``#...`` references moved under ``#/properties/v`` (only in
    schema positions: ``enum``, ``const`` and unknown keywords hold data)."""
    if not isinstance(schema, dict):
        return schema
    moved: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str) and (value == "#" or value.startswith("#/")):
            moved[key] = "#" + FIELD + value[1:]
        elif key in SCHEMA_ONE:
            moved[key] = under_field(value)
        elif key in schema_walk.SCHEMA_LISTS and isinstance(value, list):
            moved[key] = [under_field(item) for item in value]
        elif key in schema_walk.SCHEMA_MAPS and isinstance(value, dict):
            moved[key] = {name: under_field(item) for name, item in value.items()}
        else:
            moved[key] = value
    return moved


def holds_id(schema: Any) -> bool:
    """Whether ``schema`` declares an ``$id`` in a schema position (not inside ``enum``)."""
    if not isinstance(schema, dict):
        return False
    inner: list[Any] = [schema.get(key) for key in SCHEMA_ONE]
    for key in (*schema_walk.SCHEMA_LISTS, *schema_walk.SCHEMA_MAPS):
        value = schema.get(key)
        inner += value.values() if isinstance(value, dict) else value or []
    return "$id" in schema or any(holds_id(item) for item in inner)


def refusal_reason(group: Group) -> str | None:
    """Why the product refuses ``group``'s schema at publish, or None when it must publish:
    every schema holding an ``$id`` (:data:`RESOURCE`), and the groups listed."""
    if holds_id(group.schema):
        return RESOURCE
    return REFUSED_AT_PUBLISH.get((group.file, group.description))


def definition_for(group: Group, app_id: str) -> dict[str, Any]:
    """An app whose one field ``v`` has the group's schema."""
    schema = {"type": "object", "properties": {"v": under_field(group.schema)}}
    return {"id": app_id, "title": f"Suite {app_id}", "version": 1, "schema": schema}


def publish_refusal(group: Group) -> list[str]:
    """What is wrong with a group the product refuses at publish ([] when it is clear)."""
    try:
        validate_definition(definition_for(group, "suite_refused"))
    except DefinitionInvalid as exc:
        unclear = [
            f"{issue.pointer}: {issue.message}"
            for issue in exc.issues
            if not issue.pointer.startswith("/schema" + FIELD) or not issue.message.strip()
        ]
        return [f"refusal not at a pointer in the field: {u}" for u in unclear]
    return ["published, but listed as refused at publish"]


def refused_data(group: Group, test: dict[str, Any]) -> tuple[str, str] | None:
    """(words the 422's message holds, why) when the product refuses ``test``'s data on
    purpose although the suite calls it valid, else None."""
    if (group.file, group.description, test["description"]) in NEVER_STORED:
        return "control character", "never stored"
    if group.file == "format.json" and test["description"].endswith(ANNOTATION_ONLY):
        return "", "format is asserted"
    return None


def verdict_problem(group: Group, test: dict[str, Any], status: int, body: Any) -> str | None:
    """Why the API's answer to one suite test is wrong, or None."""
    refused = refused_data(group, test)
    errors = body.get("errors", []) if isinstance(body, dict) else []
    if test["valid"] and refused is None:
        return None if status == 201 else f"suite says valid, got {status} {errors or body}"
    expected = "invalid" if refused is None else f"refused on purpose ({refused[1]})"
    if status != 422:
        return f"expected 422 ({expected}), got {status}" + ("" if status == 201 else f" {body}")
    pointers = [e.get("pointer", "") for e in errors]
    if not pointers or not all(p == "/v" or p.startswith("/v/") for p in pointers):
        return f"422 but not at /v: {pointers}"
    if refused is not None and not any(refused[0] in e.get("message", "") for e in errors):
        return f"422 without “{refused[0]}”: {errors}"
    return None


def disagreements(
    client: FlaskClient,
    session: Session,
    target: Organisation,
    where: Organisation,
    auth: dict[str, str],
    file: str,
) -> Iterator[str]:
    for index, group in enumerate(groups_of(file)):
        name = f"{file} :: {group.description}"
        if refusal_reason(group) is not None:
            yield from (f"{name}: {p}" for p in publish_refusal(group))
            continue
        app_id = f"suite_{index}"
        try:
            publish_app(session, definition_for(group, app_id), [target])
        except DefinitionInvalid as exc:
            issues = "; ".join(f"{i.pointer}: {i.message}" for i in exc.issues)
            yield f"{name}: refused at publish: {issues}"
            continue
        for test in group.tests:
            response = client.post(
                f"/api/v1/apps/{app_id}/records",
                json={"org": where.ods, "data": {"v": test["data"]}, "submit": True},
                headers=auth,
            )
            problem = verdict_problem(group, test, response.status_code, response.get_json())
            if problem:
                yield f"{name} :: {test['description']}: {problem}"


@pytest.mark.parametrize("file", [f for f in suite_files() if f not in SKIPPED_FILES])
def test_suite_file_through_the_records_api(
    file: str,
    client: FlaskClient,
    db_session: Session,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    token: Any,
) -> None:
    auth = token(users["practice_staff"])
    found = list(disagreements(client, db_session, orgs["QWE"], orgs["A00001"], auth, file))
    assert not found, f"{len(found)} disagreement(s):\n" + "\n".join(found)


def test_every_listed_exception_is_in_the_suite() -> None:
    """A stale entry (the suite renamed a group or test) must not hide a disagreement, nor
    a missing suite folder pass for agreement."""
    groups = {(f, g.description): g for f in suite_files() for g in groups_of(f)}
    assert len(groups) > 400 and "optional/format/date.json" in suite_files()
    annotation = [t for g in groups_of("format.json") for t in g.tests]
    assert sum(t["description"].endswith(ANNOTATION_ONLY) for t in annotation) >= 19
    assert set(REFUSED_AT_PUBLISH) <= set(groups)
    for file, group, test in NEVER_STORED:
        assert test in {t["description"] for t in groups[(file, group)].tests}
    assert set(SKIPPED_FILES) <= set(suite_files())
