"""Names and values people cannot see wrong in a form but that break it or its data:
field names that are not machine names, a top-level name an import reads as the
organisation or the period, one stored value offered by two choices, and a condition
(``show_if``) that reads a question shown after the one it hides, or the question itself.
"""

from __future__ import annotations

import json
import re
from typing import Any

from miniapps.core.definitions.context import SemanticContext, normalise, schema_pointer
from miniapps.core.definitions.field_order import form_rank
from miniapps.core.pointers import pointer_join

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Headings an import reads as a row's organisation or period (core/imports/base.py): a
# top-level field of that name would take the column instead.
IMPORT_NAMES = frozenset({"ods", "ods_code", "org", "organisation_ods", "period"})
MAX_CHOICE_WORDS = 60


def check_field_names(ctx: SemanticContext) -> None:
    for f in ctx.fields.values():
        if not FIELD_NAME.match(f.key):
            suggestion = re.sub(r"[^a-z0-9]+", "_", f.key.lower()).strip("_")
            if not suggestion or not suggestion[0].isalpha():
                suggestion = "field_" + suggestion
            ctx.add(
                schema_pointer(f.pointer),
                f"the field name “{f.key[:MAX_CHOICE_WORDS]}” must start with a small letter "
                f"and hold only small letters, digits and _ (like “{suggestion}”)",
                "field_name",
            )
        elif f.parent == "" and f.key in IMPORT_NAMES:
            ctx.add(
                schema_pointer(f.pointer),
                f"“{f.key}” is the name imports read as each row's "
                f"{'period' if f.key == 'period' else 'organisation'}; call the field "
                f"something else, like “{f.key}_answer”",
                "reserved_name",
            )


def check_choice_values(ctx: SemanticContext) -> None:
    """No stored value is offered twice by one question (``enum``, ``oneOf``/``anyOf`` of
    ``const``, and the same under ``items`` for several choices)."""
    for f in ctx.fields.values():
        at = schema_pointer(f.pointer)
        source = f.schema
        if f.kind == "multi_enum" and isinstance(f.schema.get("items"), dict):
            source, at = f.schema["items"], pointer_join(at, "items")
        _check_values(ctx, source, at)


def _check_values(ctx: SemanticContext, schema: dict[str, Any], at: str) -> None:
    if isinstance(schema.get("enum"), list):
        _first_twice(ctx, [(v, str(v)) for v in schema["enum"]], pointer_join(at, "enum"), "")
    for keyword in ("oneOf", "anyOf"):
        options = schema.get(keyword)
        if isinstance(options, list):
            pairs = [
                (o.get("const"), str(o.get("title") or o.get("const")))
                for o in options
                if isinstance(o, dict) and "const" in o
            ]
            if len(pairs) == len(options):
                _first_twice(ctx, pairs, pointer_join(at, keyword), "/const")


def _first_twice(ctx: SemanticContext, pairs: list[tuple[Any, str]], at: str, suffix: str) -> None:
    seen: dict[str, int] = {}
    for index, (value, _label) in enumerate(pairs):
        key = json.dumps(value, sort_keys=True)
        if key in seen:
            first = seen[key]
            ctx.add(
                f"{at}/{index}{suffix}",
                f"the value {key[:MAX_CHOICE_WORDS]} is already stored by choice {first + 1} "
                f"(“{pairs[first][1][:MAX_CHOICE_WORDS]}”); give this choice its own value",
                "duplicate_choice",
            )
        else:
            seen[key] = index


def check_condition_order(ctx: SemanticContext) -> None:
    """A ``show_if`` reads only questions shown before its own (in the same object)."""
    raw_ui = ctx.raw.get("ui")
    ui: dict[str, Any] = raw_ui if isinstance(raw_ui, dict) else {}
    raw_specs = ui.get("fields")
    specs: dict[str, Any] = raw_specs if isinstance(raw_specs, dict) else {}
    fields = list(ctx.fields.values())
    rank = form_rank(ui, fields)
    for pointer, spec in specs.items():
        target = ctx.find(pointer)
        if target is None or not isinstance(spec, dict) or "show_if" not in spec:
            continue
        at = pointer_join("/ui/fields", pointer, "show_if")
        for name, where in _names_read(spec["show_if"], at):
            other = ctx.fields.get(pointer_join(normalise(target.parent), name))
            if other is None:
                continue  # an unknown name is reported by the condition check
            if other.pointer == target.pointer:
                ctx.add(where, f"“{target.title}” cannot be shown on its own answer", "order")
            elif rank[other.pointer] > rank[target.pointer]:
                ctx.add(
                    where,
                    f"“{other.title}” comes after “{target.title}” in the form: a question "
                    "can only be shown on the answer to one asked before it",
                    "order",
                )


def _names_read(cond: Any, at: str, depth: int = 0) -> list[tuple[str, str]]:
    """The sibling names a condition reads, each with the pointer that names it."""
    if not isinstance(cond, dict) or depth > 20:
        return []
    found = [
        (key, pointer_join(at, "properties", key))
        for key in (cond.get("properties") or {})
        if isinstance(cond.get("properties"), dict)
    ]
    required = cond.get("required")
    for i, name in enumerate(required if isinstance(required, list) else []):
        if isinstance(name, str):
            found.append((name, pointer_join(at, "required", i)))
    for keyword in ("allOf", "anyOf", "oneOf"):
        branches = cond.get(keyword)
        for i, branch in enumerate(branches if isinstance(branches, list) else []):
            found.extend(_names_read(branch, pointer_join(at, keyword, i), depth + 1))
    found.extend(_names_read(cond.get("not"), pointer_join(at, "not"), depth + 1))
    unique: dict[str, str] = {}
    for name, where in found:
        unique.setdefault(name, where)
    return list(unique.items())
