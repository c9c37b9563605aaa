"""The ``unique`` and ``follow_ups`` members and notifications' ``when`` make sense.

- ``unique``: each key names fields that exist, hold one answer each (text, a number, a
  date, a choice, yes/no) and lie outside repeating sections (a record holds one
  combination per key, not one per item); two keys may not name the same fields.
- ``notifications[*].when``: a condition in the ``show_if`` language naming fields of
  the record; not on ``overdue`` (an overdue return may not exist, so has no answers).
- ``follow_ups``: ``items`` is a repeating section; ``title``, ``owner`` and ``due``
  name fields of its items (``due`` a date, ``title`` and ``owner`` single answers);
  ``where`` is a condition on an item, naming the item's fields.

(Called by the semantic pass once the record schema is sound.)
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.condition_checks import check_condition
from miniapps.core.definitions.context import SemanticContext, normalise
from miniapps.core.forms.conditions import check_condition as unsupported_keywords
from miniapps.core.pointers import pointer_join

SCALAR_KINDS = frozenset({"string", "integer", "number", "boolean", "enum"})
TEXT_KINDS = frozenset({"string", "enum", "integer", "number"})


def check_audit_members(ctx: SemanticContext) -> None:
    """Append an issue to ``ctx`` for each problem found."""
    _check_unique(ctx)
    _check_notification_conditions(ctx)
    follow_ups = ctx.raw.get("follow_ups")
    if isinstance(follow_ups, dict):
        _check_follow_ups(ctx, follow_ups)


def _check_unique(ctx: SemanticContext) -> None:
    seen: dict[frozenset[str], int] = {}
    for i, entry in enumerate(ctx.raw.get("unique") or []):
        fields = [str(f) for f in entry.get("fields") or []]
        for j, pointer in enumerate(fields):
            _check_key_field(ctx, pointer, pointer_join("/unique", i, "fields", j))
        names = frozenset(normalise(f) for f in fields)
        if names in seen:
            message = f"these fields are already a key in /unique/{seen[names]}"
            ctx.add(pointer_join("/unique", i, "fields"), message, "duplicate")
        seen.setdefault(names, i)


def _check_key_field(ctx: SemanticContext, pointer: str, at: str) -> None:
    found = ctx.find(pointer)
    if found is None:
        ctx.add(at, f"there is no field at {pointer}", "unknown_field")
        return
    section = _enclosing_repeat(ctx, found.pointer)
    if section is not None:
        message = (
            f"{pointer} is inside the repeating section {section}: a unique key takes "
            "fields answered once per record"
        )
        ctx.add(at, message, "in_repeat")
    elif found.kind not in SCALAR_KINDS:
        message = (
            f"{pointer} is {_kind_words(found.kind)}: a unique key takes fields with one "
            "answer (text, a number, a date, a choice or yes/no)"
        )
        ctx.add(at, message, "not_scalar")


def _enclosing_repeat(ctx: SemanticContext, pointer: str) -> str | None:
    """The repeating section ``pointer`` (normalised) lies in, if any."""
    parts = pointer.split("/")
    for end in range(len(parts) - 1, 1, -1):
        if parts[end] == "-":
            return "/".join(parts[:end])
    return None


def _kind_words(kind: str) -> str:
    return {
        "object": "a group of questions",
        "repeat": "a repeating section",
        "multi_enum": "a question with several answers",
        "array": "a list",
    }.get(kind, f"a {kind} field")


def _check_notification_conditions(ctx: SemanticContext) -> None:
    for i, notification in enumerate(ctx.raw.get("notifications") or []):
        if "when" not in notification:
            continue
        at = pointer_join("/notifications", i, "when")
        if notification.get("on") == "overdue":
            message = (
                "'when' needs a record's answers, and an overdue return may not exist: "
                "leave 'when' out of an 'overdue' notification"
            )
            ctx.add(at, message, "when_without_record")
            continue
        ctx.issues.extend(unsupported_keywords(notification["when"], at))
        check_condition(ctx, notification["when"], at, "")


def _check_follow_ups(ctx: SemanticContext, spec: dict[str, Any]) -> None:
    items = str(spec.get("items") or "")
    section = ctx.find(items)
    if section is None:
        ctx.add("/follow_ups/items", f"there is no field at {items}", "unknown_field")
        return
    if section.kind != "repeat":
        message = (
            f"{items} is {_kind_words(section.kind)}: follow_ups.items must be a repeating "
            "section (an array of objects), whose items become actions"
        )
        ctx.add("/follow_ups/items", message, "not_repeat")
        return
    item_parent = section.pointer + "/-"
    if "where" in spec:
        ctx.issues.extend(unsupported_keywords(spec["where"], "/follow_ups/where"))
        check_condition(ctx, spec["where"], "/follow_ups/where", item_parent)
    for member in ("title", "owner", "due"):
        if member not in spec:
            continue
        at = pointer_join("/follow_ups", member)
        inner = str(spec[member])
        found = ctx.find(item_parent + inner)
        if found is None:
            ctx.add(at, f"there is no field {inner} in the items of {items}", "unknown_field")
        elif member == "due" and not (
            found.kind == "string" and found.schema.get("format") == "date"
        ):
            message = f'{inner} must be a date field (a string with "format": "date")'
            ctx.add(at, message, "not_date")
        elif member != "due" and found.kind not in TEXT_KINDS:
            message = f"{inner} is {_kind_words(found.kind)}: use a text or choice field"
            ctx.add(at, message, "not_text")
