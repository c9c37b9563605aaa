"""Bad workflows are refused by the validator, each problem at its JSON pointer."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid

from tests.sample_workflows import CASE_LOG


def case_log(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    raw = copy.deepcopy(CASE_LOG)
    change(raw)
    return raw


def states(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["workflow"]["states"]


def close(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["workflow"]["transitions"][1]


def test_the_sample_is_valid() -> None:
    assert validate_definition(copy.deepcopy(CASE_LOG)).workflow == CASE_LOG["workflow"]


CASES = [
    (
        "state requires an unknown field",
        lambda r: states(r)["closed"].update(requires_fields=["/result"]),
        "/workflow/states/closed/requires_fields/0",
        "there is no field at /result",
    ),
    (
        "transition requires an unknown field in a repeat",
        lambda r: close(r).update(requires_fields=["/actions/-/nobody"]),
        "/workflow/transitions/1/requires_fields/0",
        "there is no field at /actions/-/nobody",
    ),
    (
        "fields required to enter the initial state",
        lambda r: states(r)["draft"].update(requires_fields=["/summary"]),
        "/workflow/states/draft/requires_fields/0",
        "records start in 'draft', so nothing can be required to enter it",
    ),
    (
        "a field required twice",
        lambda r: states(r)["closed"].update(requires_fields=["/outcome", "/outcome"]),
        "/workflow/states/closed/requires_fields",
        "must not contain the same item twice",
    ),
    (
        "editable is not a boolean",
        lambda r: states(r)["open"].update(editable="yes"),
        "/workflow/states/open/editable",
        "must be true or false",
    ),
    (
        "transition to an unknown state",
        lambda r: close(r).update(to="archived"),
        "/workflow/transitions/1/to",
        "'archived' is not a declared state (states: draft, open, closed)",
    ),
    (
        "unreachable state",
        lambda r: states(r).update(limbo={"title": "Limbo"}),
        "/workflow/states/limbo",
        "state 'limbo' cannot be reached from the initial state 'draft'",
    ),
    (
        "unknown role on a transition",
        lambda r: close(r).update(roles=["gp"]),
        "/workflow/transitions/1/roles/0",
        "must be one of: platform_admin, icb_viewer",
    ),
    (
        "unknown role to notify",
        lambda r: close(r).update(notify=["everyone"]),
        "/workflow/transitions/1/notify/0",
        "must be one of: platform_admin",
    ),
    (
        "unknown role in permissions",
        lambda r: r.update(permissions={"approve": ["boss"]}),
        "/permissions/approve/0",
        "must be one of: platform_admin",
    ),
]


@pytest.mark.parametrize(
    ("change", "pointer", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_workflow_is_refused_at_its_pointer(
    change: Callable[[dict[str, Any]], Any], pointer: str, message: str
) -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(case_log(change))
    found = {issue.pointer: issue.message for issue in caught.value.issues}
    assert pointer in found, found
    assert found[pointer].startswith(message)
