"""The jsonschema-rs check in front of the request schemas: asked only where it means what
the Python validator means, and then agreeing with it on every body tried."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.web.api.openapi_schemas import REQUEST_SCHEMAS
from miniapps.web.api.parsing import StrictValidator, _fast_validator, _surely_valid

BODIES: list[Any] = [
    {},
    {"org": "A00001", "data": {}},
    {"org": "A00001", "data": {"x": 1}, "submit": True, "period": "2025-04"},
    {"org": "A00001", "data": {"x": 1}, "period": None},
    {"org": "A00001", "data": []},
    {"org": 5, "data": {}},
    {"org": "A00001", "data": {}, "extra": 1},
    {"org": "A00001", "data": {}, "submit": "yes"},
    {"org": "A00001", "data": {}, "submit": 1},
    {"data": {"big": 2**70}, "submit": False},
    {"data": {"text": "\ud800"}},
    {"action": "submit"},
    {"action": ""},
    {"action": "approve", "comment": "ok", "values": {"a": 1}},
    {"action": 1.0},
    {"url": "https://example.org/hook", "events": ["record.created"]},
    {"url": 1, "events": "x"},
    {"body": "hello", "parent_id": 1.0},
    {"body": "hello", "parent_id": 3},
]


@pytest.mark.parametrize("name", sorted(REQUEST_SCHEMAS))
def test_the_fast_check_never_passes_what_the_python_check_refuses(name: str) -> None:
    python = StrictValidator(REQUEST_SCHEMAS[name])
    asked = _fast_validator(name) is not None
    for body in BODIES:
        if _surely_valid(name, body):
            assert python.is_valid(body), (name, body)
        else:  # where it is asked, it passes what Python passes (else it saves nothing)
            assert not (asked and python.is_valid(body)), (name, body)


def test_a_schema_with_integers_is_left_to_the_python_check() -> None:
    # CommentCreate's parent id is an integer: 1.0 is one to jsonschema-rs, not to the API
    assert _fast_validator("CommentCreate") is None
    assert not _surely_valid("CommentCreate", {"body": "hello", "parent_id": 1.0})
    assert _fast_validator("RecordCreate") is not None
