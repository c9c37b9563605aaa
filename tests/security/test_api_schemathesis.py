"""schemathesis over ``/api/v1/openapi.json``, as served by the app, in process (WSGI).

For every operation and several roles' bearer tokens, generated requests (with generated
path parameters, and with the ids of real objects: the caller's own and another ICB's)
must get no server error and an answer the document describes: a documented status code,
content type and body schema. Examples are bounded and derandomised, so the run is the
same on every machine; each example runs in a savepoint rolled back after it.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from miniapps.web.api.openapi_spec import openapi_document
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.conftest import Seeded
from tests.security.matrix_world import World

ROLES = ("practice_manager", "pcn_manager", "icb_viewer", "stakeholder", "platform_admin")
EXAMPLES = 12  # per operation and role
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OPERATIONS = [
    (method.upper(), path)
    for path, item in openapi_document()["paths"].items()
    for method in item
    if method in ("get", "post", "patch", "put", "delete")
]
# Known faults other helpers are fixing, by (method, path): the reason (xfail).
KNOWN: dict[tuple[str, str], str] = {}
RUN: dict[str, int] = {}


@pytest.fixture(scope="module")
def api_schema(seeded: Seeded) -> Any:
    """The document as the app serves it, bound to the app for in-process calls."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded.app)


def known_ids(world: World, own: dict[str, Any]) -> list[dict[str, Any]]:
    """Path parameters naming real objects: the caller's own, then the victims'."""
    return [
        own,
        {
            "app_id": world.probe.app_id,
            "record_id": world.probe.record_id,
            "view_id": world.probe.view_id,
            "webhook_id": world.webhook_id,
            "number": world.library.number,
        },
        {"app_id": world.hidden.app_id, "record_id": world.library.record_id, "number": 1},
    ]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_the_document(
    method: str, path: str, api_schema: Any, isolated: Seeded
) -> None:
    reason = KNOWN.get((method, path))
    if reason:
        pytest.xfail(reason)
    operation = api_schema[path][method]
    names = {p.name for p in operation.path_parameters}
    world = isolated.world
    strategies = []
    for role in ROLES:
        headers = {"Authorization": f"Bearer {isolated.tokens[role]}"}
        strategies.append(operation.as_strategy(headers=headers))
        for ids in known_ids(world, world.own):
            fixed = {name: ids[name] for name in names if name in ids}
            if names and set(fixed) == names:
                strategies.append(operation.as_strategy(headers=headers, path_parameters=fixed))
    count = EXAMPLES * len(ROLES)

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )
    def conforms(case: Any) -> None:
        RUN[f"{method} {path}"] = RUN.get(f"{method} {path}", 0) + 1
        savepoint = isolated.connection.begin_nested()
        try:
            response = case.call()
            case.validate_response(response, checks=CHECKS)
        finally:
            if savepoint.is_active:
                savepoint.rollback()

    conforms()


def test_report_examples_run() -> None:
    """Runs last in the module: the operations and examples run, for the report."""
    if RUN:
        print(f"schemathesis: {len(RUN)} operations, {sum(RUN.values())} examples")
        for label, count in sorted(RUN.items()):
            print(f"  {label}: {count}")
