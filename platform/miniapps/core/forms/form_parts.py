"""Part of a record's form: only some top-level fields, or all but some.

A workflow step that fills in fields (``transitions[].fields``) shows exactly those
fields on the record page (:func:`compile_fields_form`); the record's own form leaves
them out (:func:`compile_form_without`). Both come from :func:`compile_form`, so the
widgets, labels, hints and messages are the same as everywhere else.

Each part keeps the conditions that show or require its own fields; a step's form also
leaves out a condition that reads a field outside the step (that field is not on the
page to read). The server still checks the whole record when either is saved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from miniapps.core.bounded_cache import SealedCache
from miniapps.core.forms.compiler import CompiledForm, Section, compile_form
from miniapps.core.pointers import pointer_parts


def compile_fields_form(
    schema: dict[str, Any], ui: dict[str, Any] | None, keys: Iterable[str]
) -> CompiledForm:
    """A form of only the top-level fields named ``keys`` (member names), in the form's
    order, under no section heading (cached by content)."""
    return _cached_part(schema, ui, keys, True)


def compile_form_without(
    schema: dict[str, Any], ui: dict[str, Any] | None, keys: Iterable[str]
) -> CompiledForm:
    """The record's form without the top-level fields named ``keys`` (cached by content);
    a section left with no field is left out too."""
    return _cached_part(schema, ui, keys, False)


# Parts of sealed schemas and ui (stored versions, see services/definitions.py), by identity.
_BY_IDENTITY: SealedCache[CompiledForm] = SealedCache(64)


def _cached_part(
    schema: dict[str, Any], ui: dict[str, Any] | None, keys: Iterable[str], only: bool
) -> CompiledForm:
    names = tuple(sorted(set(keys)))
    sealed = (schema, ui) if ui else (schema,)  # an absent ui is a new {} every time
    found = _BY_IDENTITY.get(sealed, (names, only))
    if found is not None:
        return found
    part = _part(json.dumps([schema, ui or {}, list(names), only], default=str))
    return _BY_IDENTITY.put(sealed, part, (names, only))


@lru_cache(maxsize=64)
def _part(key: str) -> CompiledForm:
    schema, ui, keys, only = json.loads(key)
    wanted = set(keys)
    full = compile_form(schema, ui)
    nodes = tuple(n for n in full.nodes if (n.field.key in wanted) == only)
    part = CompiledForm(schema, ui, nodes)
    shown = {n.field.key for n in nodes}
    part.rules = [r for r in (_among(rule, shown, only) for rule in part.rules) if r]
    if only:
        part.sections = (Section("", "", tuple(n.name for n in nodes)),)
    else:
        part.sections = tuple(s for s in part.sections if s.names)
    return part


def _among(rule: dict[str, Any], shown: set[str], strict: bool) -> dict[str, Any] | None:
    """``rule`` as it applies to the fields ``shown`` (top-level member names), or None
    when it shows or requires none of them; ``strict``: also None when its condition
    reads a field that is not shown (a step's form cannot read it)."""
    scope = pointer_parts(rule["scope"])
    if scope:
        return rule if scope[0] in shown else None
    if strict and not condition_names(rule["when"]) <= shown:
        return None
    then, otherwise = (
        {k: _among_names(v, shown) for k, v in b.items()} for b in (rule["then"], rule["else"])
    )
    if not any(then.values()) and not any(otherwise.values()):
        return None
    return {**rule, "then": then, "else": otherwise}


def _among_names(names: Any, shown: set[str]) -> Any:
    """A branch's ``show``/``require`` list, or its ``choices`` map, for ``shown`` only."""
    if isinstance(names, dict):
        return {n: v for n, v in names.items() if n in shown}
    return [n for n in names if n in shown]


def condition_names(cond: Any, depth: int = 0) -> set[str]:
    """The member names a condition reads on the object it is tested against."""
    names: set[str] = set()
    if not isinstance(cond, dict) or depth > 32:
        return names
    names |= set(cond.get("properties") or {})
    names |= {n for n in cond.get("required") or [] if isinstance(n, str)}
    for key, needed in (cond.get("dependentRequired") or {}).items():
        names |= {key, *(n for n in needed if isinstance(n, str))}
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in cond.get(keyword) or []:
            names |= condition_names(branch, depth + 1)
    for keyword in ("not", "if", "then", "else"):
        names |= condition_names(cond.get(keyword), depth + 1)
    return names
