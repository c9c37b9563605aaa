"""Step fields: the top-level fields a workflow step fills in (``transitions[].fields``).

Whoever takes such a step gives their values with it (a stakeholder's decision and its
reasons); :func:`merge_step_values` lays them over the record's data and refuses any
key the step does not fill in, at ``/data/<key>`` (where the API body holds it).
Nobody edits step fields in the record's own form: :func:`keep_step_values` keeps the
stored values when the data is replaced and refuses a change at the field's pointer.
Both are pure; the services check the result with the one record check.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.schema_fields import find_field
from miniapps.core.errors import Issue
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.workflow import Transition, Workflow


def step_keys(transition: Transition) -> list[str]:
    """The member names of the fields ``transition`` fills in (``/la_outcome`` →
    ``la_outcome``), in the order declared."""
    return [pointer_parts(pointer)[0] for pointer in transition.fields if pointer_parts(pointer)]


def step_fields(workflow: Workflow) -> dict[str, Transition]:
    """Every step field of the workflow by member name, with the first step filling it."""
    found: dict[str, Transition] = {}
    for transition in workflow.transitions:
        for key in step_keys(transition):
            found.setdefault(key, transition)
    return found


def merge_step_values(
    data: Any, transition: Transition, values: Any
) -> tuple[dict[str, Any], list[Issue]]:
    """``data`` with the step's ``values`` laid over it, and the problems with ``values``.

    A key given replaces the stored value; ``None`` removes it (the answer is cleared);
    a step field left out keeps its stored value. A key the step does not fill in is
    refused at ``/data/<key>``; then nothing is merged."""
    merged = dict(data) if isinstance(data, dict) else {}
    if not isinstance(values, dict):
        return merged, [Issue("/data", "data must be a JSON object of the step's fields", "type")]
    allowed = step_keys(transition)
    outside = [key for key in values if key not in allowed]
    if outside:
        return merged, [_outside_issue(key, transition, allowed) for key in outside]
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged, []


def _outside_issue(key: str, transition: Transition, allowed: list[str]) -> Issue:
    step = transition.title
    if not allowed:
        message = f"The step {step!r} fills in no fields: leave {key!r} out"
    else:
        listed = ", ".join(repr(k) for k in allowed)
        message = f"{key!r} is not filled in with the step {step!r} (it fills in {listed})"
    return Issue(pointer_join("/data", key), message, "not_a_step_field")


def keep_step_values(
    workflow: Workflow, schema: dict[str, Any], stored: Any, given: Any
) -> tuple[Any, list[Issue]]:
    """The record data ``given`` for the record's own form (or a replacement through the
    API) with the step fields' stored values kept, and a problem for each step field
    ``given`` changes: step fields are filled in only by taking their step.

    A step field left out of ``given`` keeps its stored value; the same value is
    accepted; any other value (or a value where none is stored) is refused at the
    field's pointer."""
    fields = step_fields(workflow)
    if not fields or not isinstance(given, dict):
        return given, []
    stored = stored if isinstance(stored, dict) else {}
    kept = {k: v for k, v in given.items() if k not in fields}
    issues: list[Issue] = []
    for key, transition in fields.items():
        if key in given and given[key] != stored.get(key):
            pointer = pointer_join("", key)
            field = find_field(schema, pointer)
            title = field.title if field is not None else key
            issues.append(
                Issue(
                    pointer,
                    f"{title!r} is filled in with the step {transition.title!r}, not here",
                    "step_field",
                )
            )
        if key in stored:
            kept[key] = stored[key]
    return kept, issues
