"""The difference between two versions of a definition, in plain words.

Used on the publish page (against the published version) and in a draft's history
(between two saves): questions added, removed, renamed (through the new version's
``migration.rename``), retyped, relabelled, made required or optional, choices added,
removed (and what they become) or relabelled, conditions, the title, the period, the
workflow, dashboard widgets, and any other member that changed.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.core.studio.editing_conditions import condition_sentence
from miniapps.core.studio.editing_period import PERIOD_FREQUENCIES, period_of
from miniapps.core.studio.editing_workflow import WORKFLOW_PATTERNS, workflow_pattern_of
from miniapps.core.studio.field_kinds import FIELD_KINDS, data_pattern, kind_of
from miniapps.core.studio.migration_choices import value_key

# Members described one by one; any other member that changed gets one line.
DESCRIBED = frozenset(
    {"id", "version", "title", "description", "schema", "ui", "period", "workflow"}
    | {"dashboard", "migration", "channels", "$schema"}
)
OTHER_KINDS = {
    "string": "text",
    "integer": "whole number",
    "number": "number",
    "boolean": "yes or no",
    "enum": "one choice",
    "multi_enum": "several choices",
    "object": "group",
    "repeat": "repeating section",
    "array": "list",
}


def _fields(definition: dict[str, Any]) -> dict[str, Field]:
    """The fields by pointer; a draft's schema broken in the JSON tab has none to compare."""
    schema = definition.get("schema")
    try:
        return {f.pointer: f for f in iter_fields(schema)} if isinstance(schema, dict) else {}
    except (TypeError, AttributeError, KeyError, IndexError):
        return {}


def _kind_words(definition: dict[str, Any], field: Field) -> str:
    kind = kind_of(definition, field.pointer)
    return FIELD_KINDS[kind].label.lower() if kind else OTHER_KINDS.get(field.kind, field.kind)


def _renames(new: dict[str, Any]) -> dict[str, str]:
    """Old pointer → new pointer, from the new version's ``migration.rename``."""
    migration = new.get("migration") if isinstance(new.get("migration"), dict) else {}
    rename = (migration or {}).get("rename") or {}
    if not isinstance(rename, dict):
        return {}
    return {f"/{k}": f"/{v}" for k, v in rename.items() if isinstance(v, str)}


def _where(fields: dict[str, Field], field: Field) -> str:
    parent = fields.get(data_pattern(field.parent).removesuffix("/-"))
    return f" in “{parent.title}”" if parent is not None else ""


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed from ``old`` to ``new``, one sentence per change (``[]``: nothing)."""
    lines: list[str] = []
    if old.get("title") != new.get("title"):
        lines.append(f"The title changed from “{old.get('title')}” to “{new.get('title')}”.")
    if old.get("description") != new.get("description"):
        lines.append("The description changed.")
    lines += _field_lines(old, new)
    if (old.get("ui") or {}).get("sections") != (new.get("ui") or {}).get("sections"):
        lines.append("The sections changed.")
    lines += _period_lines(old, new)
    before, after = workflow_pattern_of(old), workflow_pattern_of(new)
    if before != after:
        lines.append(f"The workflow changed from {_pattern(before)} to {_pattern(after)}.")
    elif old.get("workflow") != new.get("workflow") or old.get("channels") != new.get("channels"):
        lines.append("The workflow changed.")
    lines += _widget_lines(old, new)
    others = sorted(
        k for k in set(old) | set(new) if k not in DESCRIBED and old.get(k) != new.get(k)
    )
    if others:
        lines.append(f"Also changed (in the JSON): {', '.join(others)}.")
    return lines


def _pattern(pattern: str) -> str:
    return (
        f"“{WORKFLOW_PATTERNS[pattern].label}”" if pattern in WORKFLOW_PATTERNS else "a custom one"
    )


def _field_lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    before, after = _fields(old), _fields(new)
    renames = _renames(new)
    carried = {renames.get(p, p): p for p in before}  # new pointer -> old pointer
    lines = []
    for pointer, field in after.items():
        old_pointer = carried.get(pointer)
        if old_pointer is None or old_pointer not in before:
            words = _kind_words(new, field)
            lines.append(f"Added the question “{field.title}”{_where(after, field)} ({words}).")
            continue
        was = before[old_pointer]
        if old_pointer != pointer and was.title == field.title:
            lines.append(
                f"“{field.title}” is now stored as “{field.key}” (was “{was.key}”): "
                "its answers are kept."
            )
        elif old_pointer != pointer:
            lines.append(f"Renamed “{was.title}” to “{field.title}”: its answers are kept.")
        elif was.title != field.title:
            lines.append(f"The question “{was.title}” is now labelled “{field.title}”.")
        lines += _one_field(old, new, was, field)
    for pointer, field in before.items():
        if renames.get(pointer, pointer) not in after and _top_gone(
            pointer, before, after, renames
        ):
            lines.append(f"Removed the question “{field.title}”{_where(before, field)}.")
    return lines


def _top_gone(
    pointer: str, before: dict[str, Field], after: dict[str, Field], renames: dict[str, str]
) -> bool:
    """Report a removed field once: not when its group or section went with it."""
    parent = data_pattern(before[pointer].parent).removesuffix("/-")
    return not parent or renames.get(parent, parent) in after


def _one_field(old: dict[str, Any], new: dict[str, Any], was: Field, field: Field) -> list[str]:
    lines = []
    before_kind, after_kind = _kind_words(old, was), _kind_words(new, field)
    if before_kind != after_kind:
        lines.append(f"“{field.title}” changed from {before_kind} to {after_kind}.")
    if was.required != field.required:
        state = "now required" if field.required else "no longer required"
        lines.append(f"“{field.title}” is {state}.")
    if was.kind in ("enum", "multi_enum") and field.kind in ("enum", "multi_enum"):
        lines += _choice_lines(new, was, field)
    sentences = condition_sentence(old, was.pointer), condition_sentence(new, field.pointer)
    if sentences[0] != sentences[1]:
        shown = sentences[1][0].lower() + sentences[1][1:] if sentences[1] else ""
        lines.append(
            f"“{field.title}”: {shown.replace('show this', 'shown only')}."
            if sentences[1]
            else f"“{field.title}” is now always shown."
        )
    return lines


def _choice_lines(new: dict[str, Any], was: Field, field: Field) -> list[str]:
    old_choices = {value_key(v): t for v, t in was.choices}
    new_choices = {value_key(v): t for v, t in field.choices}
    migration = new.get("migration") if isinstance(new.get("migration"), dict) else {}
    mapped = ((migration or {}).get("map_values") or {}).get(field.key) or {}
    lines = []
    for value, text in new_choices.items():
        if value not in old_choices:
            lines.append(f"“{field.title}”: added the choice “{text}”.")
        elif old_choices[value] != text:
            lines.append(
                f"“{field.title}”: the choice “{old_choices[value]}” is now labelled “{text}”."
            )
    for value, text in old_choices.items():
        if value in new_choices:
            continue
        target = mapped.get(value)
        into = new_choices.get(value_key(target)) if target is not None else None
        tail = f" (stored answers become “{into}”)" if into else ""
        lines.append(f"“{field.title}”: removed the choice “{text}”{tail}.")
    return lines


def _period_lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    before, after = period_of(old), period_of(new)
    if before == after:
        return [] if old.get("period") == new.get("period") else ["The period settings changed."]
    if before["frequency"] != after["frequency"]:
        if after["frequency"] == "none":
            return ["It is no longer a periodic return."]
        words = PERIOD_FREQUENCIES[after["frequency"]].lower()
        if before["frequency"] == "none":
            return [f"It is now a {words} return."]
        return [
            f"The period changed from {PERIOD_FREQUENCIES[before['frequency']].lower()} to {words}."
        ]
    lines = []
    if before["due_day"] != after["due_day"]:
        lines.append(f"Returns are now due on day {after['due_day'] or 'the default'}.")
    if before["owed_by"] != after["owed_by"]:
        lines.append("Who owes a return changed.")
    if before["several"] != after["several"]:
        lines.append(
            "Several records per period are now allowed."
            if after["several"]
            else "Only one record per period is now allowed."
        )
    return lines


def _widget_lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    def widgets(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
        found = (definition.get("dashboard") or {}).get("widgets") or []
        return {str(w.get("id")): w for w in found if isinstance(w, dict)}

    before, after = widgets(old), widgets(new)
    lines = [
        f"Added the dashboard widget “{w.get('title')}”."
        for k, w in after.items()
        if k not in before
    ]
    lines += [
        f"Removed the dashboard widget “{w.get('title')}”."
        for k, w in before.items()
        if k not in after
    ]
    lines += [
        f"Changed the dashboard widget “{w.get('title')}”."
        for k, w in after.items()
        if k in before and before[k] != w
    ]
    if not lines and list(before) != list(after):
        lines.append("The dashboard widgets were reordered.")
    return lines
