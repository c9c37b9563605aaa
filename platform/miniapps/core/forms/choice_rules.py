"""Choices that follow a condition: the options a ``then``/``else`` branch allows.

A choice field (``enum``, or ``oneOf``/``anyOf`` of ``const``; for several answers the
same under ``items``) declares every option where it is declared first, with their
titles. A conditional branch may *narrow* it by giving a shorter list of the same
options (as ``enum``, ``oneOf`` or ``anyOf``)::

    "if": {"properties": {"kind": {"const": "child"}}, "required": ["kind"]},
    "then": {"properties": {"abuse_categories": {"items": {"enum": ["physical", "neglect"]}}}}

The compiled rule carries that list in its branch as ``"choices": {"abuse_categories":
[...]}`` (:func:`narrowed_choices`), so the browser and the server's form show only the
options allowed now (:func:`allow` intersects what every applying branch allows). The
schema still decides validity: the form only stops offering what would be refused.
Like hidden values, answers no longer allowed count as not given while the rules are
evaluated (:func:`without_refused`), as they are unticked in the browser.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from miniapps.core.definitions.schema_fields import enum_choices, iter_fields, resolve
from miniapps.core.forms.condition_language import json_equal
from miniapps.core.pointers import pointer_join, pointer_parts, value_at

CHOICE_KINDS = ("enum", "multi_enum")


def choice_fields(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, tuple[str, set[str]]]:
    """Member name → (kind, its options as JSON text) for the choice fields of an object."""
    return {
        f.key: (f.kind, {_key(v) for v, _ in f.choices})
        for f in iter_fields(schema, root)
        if f.parent == "" and f.kind in CHOICE_KINDS
    }


def narrowed_choices(
    branch: dict[str, Any], root: dict[str, Any], fields: dict[str, tuple[str, set[str]]]
) -> dict[str, list[Any]]:
    """Member name → the options ``branch`` (and its ``allOf`` members) allows, for each
    choice field it gives a list different from the field's own."""
    found: dict[str, list[Any]] = {}
    for part in _parts(branch, root):
        for key, sub in (part.get("properties") or {}).items():
            if key not in fields:
                continue
            kind, own = fields[key]
            sub = resolve(sub, root)
            source = resolve(sub.get("items"), root) if isinstance(sub, dict) else None
            source = source if kind == "multi_enum" else sub
            values = [v for v, _ in enum_choices(source)] if isinstance(source, dict) else []
            if values and {_key(v) for v in values} != own:
                found[key] = values if key not in found else _both(found[key], values)
    return found


def allow(allowed: dict[str, list[Any]], pointer: str, values: list[Any]) -> None:
    """Record that the field at ``pointer`` allows only ``values`` (with what it already
    allows: both apply)."""
    allowed[pointer] = _both(allowed[pointer], values) if pointer in allowed else list(values)


def without_refused(data: Any, choices: dict[str, list[Any]]) -> Any:
    """``data`` without the answers ``choices`` no longer allows (a copy when any is
    dropped): a single answer goes, a list keeps the allowed ones and goes when none is
    left."""
    for pointer, values in choices.items():
        *parents, last = pointer_parts(pointer)
        holder = value_at(data, pointer_join("", *parents))
        if not isinstance(holder, dict) or last not in holder:
            continue
        current = holder[last]
        if isinstance(current, list):
            kept = [v for v in current if _among(v, values)]
            if len(kept) == len(current):
                continue
        elif _among(current, values):
            continue
        else:
            kept = []
        data = copy.deepcopy(data)  # never change the caller's data
        target = value_at(data, pointer_join("", *parents))
        if kept:
            target[last] = kept
        else:
            del target[last]
    return data


def _among(value: Any, values: list[Any]) -> bool:
    return any(json_equal(value, v) for v in values)


def _both(first: list[Any], second: list[Any]) -> list[Any]:
    return [v for v in first if _among(v, second)]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _parts(schema: Any, root: dict[str, Any]) -> Iterator[dict[str, Any]]:
    schema = resolve(schema, root)
    if isinstance(schema, dict):
        yield schema
        for member in schema.get("allOf") or []:
            yield from _parts(member, root)
