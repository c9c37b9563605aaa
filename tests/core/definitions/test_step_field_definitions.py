"""A step's ``fields`` are checked at publish: top-level fields that exist and that the
schema does not require at submission (nobody could fill them in before the step)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid

from tests.step_fields_app import decision_definition


def decide_index(raw: dict[str, Any]) -> int:
    actions = [t["action"] for t in raw["workflow"]["transitions"]]
    return actions.index("decide")


def test_the_decision_app_publishes() -> None:
    definition = validate_definition(decision_definition())
    decide = definition.workflow["transitions"][decide_index(decision_definition())]
    assert decide["fields"] == ["/la_outcome", "/la_reasons"]


def test_a_step_field_required_at_submission_is_refused_at_its_pointer() -> None:
    raw = decision_definition()
    raw["schema"]["required"] = [*raw["schema"]["required"], "la_reasons"]
    with pytest.raises(DefinitionInvalid) as refused:
        validate_definition(raw)
    at = f"/workflow/transitions/{decide_index(raw)}/fields/1"
    found = {i.pointer: i.message for i in refused.value.issues}
    assert list(found) == [at]
    assert found[at] == (
        '/la_reasons is required at submission (the schema\'s "required"), but it is filled '
        "in only with the step 'decide': take it out of \"required\" (use requires_fields "
        "to need it for a later step)"
    )


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [(["/la_outcome", "/nowhere"], "fields/1"), (["/la_outcome/x"], "fields/0")],
)
def test_a_step_field_must_be_a_top_level_field(fields: list[str], pointer: str) -> None:
    raw = copy.deepcopy(decision_definition())
    raw["workflow"]["transitions"][decide_index(raw)]["fields"] = fields
    with pytest.raises(DefinitionInvalid) as refused:
        validate_definition(raw)
    at = f"/workflow/transitions/{decide_index(raw)}/{pointer}"
    assert at in [i.pointer for i in refused.value.issues]
