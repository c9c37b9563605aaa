"""Views (``views``) make sense: unique ids; ``fields``, ``month_fields``, ``themes`` and
``shared_text`` name real fields of the right kind; ``states`` exist (and are not the
draft state: a view shows submitted records); ``when`` is a condition in the
``show_if`` language naming real fields.

A view is what a wider audience sees of the records (shared learning), so anything that
would show more than the definition says is refused here: free text among ``fields``
(free text is shown only as ``shared_text``, where the reporter agreed), a month field
that is not a date.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.condition_checks import check_condition
from miniapps.core.definitions.context import SemanticContext
from miniapps.core.definitions.schema_fields import Field
from miniapps.core.forms.conditions import check_condition as unsupported_keywords
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.workflow import DEFAULT_WORKFLOW

THEME_KINDS = frozenset({"enum", "multi_enum", "boolean"})
DATE_FORMATS = ("date", "date-time")


def check_views(ctx: SemanticContext) -> None:
    seen: dict[str, int] = {}
    for i, view in enumerate(ctx.raw.get("views") or []):
        at = pointer_join("/views", i)
        view_id = str(view.get("id"))
        if view_id in seen:
            message = f"view {seen[view_id] + 1} already has the id '{view_id}'"
            ctx.add(pointer_join(at, "id"), message, "duplicate")
        seen.setdefault(view_id, i)
        _check_states(ctx, view, at)
        if "when" in view:
            ctx.issues.extend(unsupported_keywords(view["when"], pointer_join(at, "when")))
            if ctx.schema_ok:
                check_condition(ctx, view["when"], pointer_join(at, "when"), "")
        if ctx.schema_ok:
            _check_fields(ctx, view, at)
            _check_shared_text(ctx, view.get("shared_text"), view, pointer_join(at, "shared_text"))


def _check_states(ctx: SemanticContext, view: dict[str, Any], at: str) -> None:
    workflow = ctx.raw.get("workflow") or DEFAULT_WORKFLOW
    states = list(workflow.get("states") or {})
    for k, state in enumerate(view.get("states") or []):
        here = pointer_join(at, "states", k)
        if state not in states:
            message = f"there is no workflow state '{state}' (states: {', '.join(states)})"
            ctx.add(here, message, "unknown_state")
        elif state == workflow.get("initial"):
            message = f"'{state}' holds drafts: a view shows submitted records only"
            ctx.add(here, message, "draft_state")


def _field(ctx: SemanticContext, pointer: str, at: str, whole: bool = False) -> Field | None:
    """The field at ``pointer``, or an issue at ``at``; ``whole``: not inside a repeating
    section (one value per record)."""
    found = ctx.find(pointer)
    if found is None:
        ctx.add(at, f"there is no field at {pointer}", "unknown_field")
    elif whole and "-" in pointer_parts(found.pointer):
        message = f"{pointer} is in a repeating section: use a field with one answer per record"
        ctx.add(at, message, "in_repeat")
        return None
    return found


def _check_fields(ctx: SemanticContext, view: dict[str, Any], at: str) -> None:
    listed = list(view.get("fields") or [])
    for k, pointer in enumerate(listed):
        found = _field(ctx, pointer, pointer_join(at, "fields", k))
        if found is not None and found.kind in ("object", "repeat"):
            inner = f"{pointer}/-/<field>" if found.kind == "repeat" else f"{pointer}/<field>"
            message = f"{pointer} is a group of questions: list the answers to show, like {inner}"
            ctx.add(pointer_join(at, "fields", k), message, "not_an_answer")
        elif found is not None and _is_free_text(found):
            message = (
                f"{pointer} is free text, which may name people: a view shows free text only "
                "through 'shared_text', where the reporter agreed to share it"
            )
            ctx.add(pointer_join(at, "fields", k), message, "free_text")
    for k, pointer in enumerate(view.get("month_fields") or []):
        here = pointer_join(at, "month_fields", k)
        found = _field(ctx, pointer, here, whole=True)
        if found is None:
            continue
        if found.kind != "string" or found.schema.get("format") not in DATE_FORMATS:
            message = f'{pointer} is not a date: a month field needs "format": "date" or '
            message += '"date-time"'
            ctx.add(here, message, "not_a_date")
        elif pointer not in listed:
            message = f"{pointer} is not among the view's fields: list it in 'fields' too"
            ctx.add(here, message, "not_listed")
    for k, pointer in enumerate(view.get("themes") or []):
        here = pointer_join(at, "themes", k)
        found = _field(ctx, pointer, here, whole=True)
        if found is not None and found.kind not in THEME_KINDS:
            message = f"{pointer} has no choices to count by (use a field with options)"
            ctx.add(here, message, "not_a_choice")


def _is_free_text(found: Field) -> bool:
    """Text typed freely: a string that is not a date (or a list of such strings)."""
    if found.kind == "array":
        return True
    return found.kind == "string" and found.schema.get("format") not in DATE_FORMATS


def _check_shared_text(ctx: SemanticContext, shared: Any, view: dict[str, Any], at: str) -> None:
    if not isinstance(shared, dict):
        return
    text, flag = shared["field"], shared["only_when"]
    text_at, flag_at = pointer_join(at, "field"), pointer_join(at, "only_when")
    found = _field(ctx, text, text_at, whole=True)
    if found is not None and found.kind != "string":
        ctx.add(text_at, f"{text} is not a text field", "not_text")
    if text in (view.get("fields") or []):
        message = (
            f"{text} is also among the view's fields, so it would be shown even where the "
            "reporter did not agree: take it out of 'fields'"
        )
        ctx.add(text_at, message, "shown_anyway")
    agreed = _field(ctx, flag, flag_at, whole=True)
    if agreed is not None and agreed.kind != "boolean":
        ctx.add(flag_at, f"{flag} is not a yes/no (boolean) field", "not_boolean")
