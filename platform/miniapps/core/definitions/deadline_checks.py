"""The ``deadlines`` and ``matrix`` members make sense.

``deadlines`` (:mod:`miniapps.core.records.deadlines`): ids are unique; ``from`` is
``created``, ``submitted`` or a top-level date (or date-time) field; ``met_by`` names an
action or a state of the app's workflow (the default one without ``workflow``); each
``until`` state exists.

``matrix`` (:mod:`miniapps.core.records.matrix`): ``person`` is a top-level text field
shown with the ``person`` widget (it holds a person's email), ``item`` a top-level
single-choice field, ``date`` a top-level date field; each key of ``refresh_months`` and
each value listed in ``required`` is one of the item's choices.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.context import SemanticContext, normalise
from miniapps.core.definitions.schema_fields import Field
from miniapps.core.pointers import pointer_join
from miniapps.core.workflow import DEFAULT_WORKFLOW

DATE_FORMATS = ("date", "date-time")
START_WORDS = ("created", "submitted")


def check_deadlines_and_matrix(ctx: SemanticContext) -> None:
    """Append an issue to ``ctx`` for each problem found."""
    workflow = ctx.raw.get("workflow") or DEFAULT_WORKFLOW
    seen: set[str] = set()
    for index, deadline in enumerate(ctx.raw.get("deadlines") or []):
        at = pointer_join("/deadlines", index)
        if deadline["id"] in seen:
            ctx.add(pointer_join(at, "id"), f"deadline '{deadline['id']}' is declared twice")
        seen.add(deadline["id"])
        _check_start(ctx, deadline["from"], pointer_join(at, "from"))
        _check_met_by(ctx, deadline["met_by"], pointer_join(at, "met_by"), workflow)
        for k, state in enumerate(deadline.get("until") or []):
            if state not in workflow["states"]:
                message = f"there is no workflow state '{state}' ({_listed(workflow['states'])})"
                ctx.add(pointer_join(at, "until", k), message, "unknown_state")
    matrix = ctx.raw.get("matrix")
    if matrix is not None:
        _check_matrix(ctx, matrix)


def _top_level(ctx: SemanticContext, pointer: str, at: str) -> Field | None:
    """The top-level field at ``pointer``, or None with an issue at ``at``."""
    field = ctx.find(pointer)
    if field is None:
        ctx.add(at, f"there is no field {pointer} in the schema", "unknown_field")
        return None
    if field.parent != "":
        message = f"{pointer} is inside a group or repeating section: name a top-level field"
        ctx.add(at, message, "not_top_level")
        return None
    return field


def _is_date(field: Field) -> bool:
    return field.kind == "string" and field.schema.get("format") in DATE_FORMATS


def _check_start(ctx: SemanticContext, start: str, at: str) -> None:
    if start in START_WORDS:
        return
    field = _top_level(ctx, start, at)
    if field is not None and not _is_date(field):
        message = f'{start} is not a date: name a field with "format": "date" (or "date-time")'
        ctx.add(at, message, "wrong_kind")


def _check_met_by(ctx: SemanticContext, met_by: str, at: str, workflow: dict[str, Any]) -> None:
    kind, _, name = met_by.partition(":")
    if kind == "state":
        if name not in workflow["states"]:
            message = f"there is no workflow state '{name}' ({_listed(workflow['states'])})"
            ctx.add(at, message, "unknown_state")
        elif not any(t["to"] == name for t in workflow["transitions"]):
            message = f"no workflow step leads into '{name}', so no record ever reaches it"
            ctx.add(at, message, "unreachable_state")
        return
    actions = list(dict.fromkeys(t["action"] for t in workflow["transitions"]))
    if name not in actions:
        ctx.add(at, f"there is no workflow action '{name}' ({_listed(actions)})", "unknown_action")


def _listed(names: Any) -> str:
    return "declared: " + ", ".join(names) if names else "none are declared"


def _check_matrix(ctx: SemanticContext, matrix: dict[str, Any]) -> None:
    person = _top_level(ctx, matrix["person"], "/matrix/person")
    if person is not None:
        widget = _widget(ctx, person.pointer)
        if person.kind != "string" or person.schema.get("format") not in (None, "email"):
            message = f"{person.pointer} must be a text field (it holds the person's email)"
            ctx.add("/matrix/person", message, "wrong_kind")
        elif widget != "person":
            message = (
                f'{person.pointer} must be shown with the "person" widget '
                f'(ui.fields["{person.pointer}"].widget), so it names someone at the organisation'
            )
            ctx.add("/matrix/person", message, "wrong_widget")
    item = _top_level(ctx, matrix["item"], "/matrix/item")
    choices: list[Any] | None = None
    if item is not None:
        if item.kind != "enum":
            message = f"{item.pointer} must be a single-choice field (enum, or oneOf of const)"
            ctx.add("/matrix/item", message, "wrong_kind")
        else:
            choices = [value for value, _ in item.choices]
    date_field = _top_level(ctx, matrix["date"], "/matrix/date")
    if date_field is not None and date_field.schema.get("format") != "date":
        message = f'{date_field.pointer} must be a date field ("format": "date")'
        ctx.add("/matrix/date", message, "wrong_kind")
    if choices is None:
        return
    for key in matrix.get("refresh_months") or {}:
        if key not in choices:
            at = pointer_join("/matrix/refresh_months", key)
            ctx.add(at, _not_a_choice(key, matrix["item"], choices), "unknown_choice")
    for role, values in (matrix.get("required") or {}).items():
        for k, value in enumerate(values):
            if value not in choices:
                at = pointer_join("/matrix/required", role, k)
                ctx.add(at, _not_a_choice(value, matrix["item"], choices), "unknown_choice")


def _not_a_choice(value: Any, pointer: str, choices: list[Any]) -> str:
    listed = ", ".join(str(c) for c in choices)
    return f"'{value}' is not one of the choices of {pointer} ({listed})"


def _widget(ctx: SemanticContext, pointer: str) -> str | None:
    for written, options in ((ctx.raw.get("ui") or {}).get("fields") or {}).items():
        if normalise(written) == pointer and isinstance(options, dict):
            widget = options.get("widget")
            return str(widget) if widget is not None else None
    return None
