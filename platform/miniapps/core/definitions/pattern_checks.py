"""Publish-time check of every regular expression in a definition.

A pattern runs in browsers (``new RegExp(pattern, "u")``: the condition language's live
``show_if``, and any other JSON Schema tool) and on the server, which reads it the same
way (ECMA-262, see :mod:`miniapps.core.records.patterns`). Each ``pattern`` and
``patternProperties`` name in the record schema (``if`` conditions included) and in every
condition of the definition (``show_if``, ``when``, ``where``, ``item_where``,
``urgent_when`` ... found through the meta-schema, so a new place for a condition is
covered without a change here) must:

1. be read as the browser reads it (:mod:`miniapps.core.definitions.regex_syntax`, then
   ``regress``, an ECMA-262 engine, for what the parser leaves to it: Unicode property
   names);
2. not backtrack catastrophically (:mod:`miniapps.core.definitions.backtracking`), since
   browsers backtrack, and so does the server for lookaround and backreferences.

Each failure is an issue at the pattern's JSON pointer with a plain message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import regress

from miniapps.core.definitions.backtracking import backtracking_problem
from miniapps.core.definitions.context import SemanticContext
from miniapps.core.definitions.regex_escapes import UnpairedSurrogate
from miniapps.core.definitions.regex_syntax import RegexSyntaxError, parse_pattern
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.records.format_limits import bounded_format_checker
from miniapps.core.schema_walk import SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_ONE

# The meta-schema, read here too: the loading module runs the semantic pass, which runs this.
META_SCHEMA_PATH = Path(__file__).resolve().parents[4] / "schemas" / "app-definition.schema.json"
CONDITION_REF = "#/$defs/condition"
# Keywords whose value is one subschema, a list of them, or a map of them (and
# ``contentSchema``, which holds a schema that is not applied: its patterns are refused too).
ONE = (*SCHEMA_ONE, "contentSchema")

# For checking a schema against the 2020-12 meta-schema: its ``format: regex`` would ask
# Python's ``re``, which refuses ``\p{L}`` and ``(?<year>...)``; every pattern is checked
# (and the reason worded) by :func:`check_patterns` instead.
META_FORMAT_CHECKER = bounded_format_checker(leave_out={"regex"})


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used (a sentence completing "This pattern ..."), or None."""
    try:
        tree = parse_pattern(pattern)
        regress.Regex(pattern, "u")
    except (RegexSyntaxError, regress.RegressError) as error:
        reason = str(error)
        if isinstance(error, UnpairedSurrogate):
            return f"cannot be used: {reason}, which no answer can hold"
        return f"cannot be read by browsers: {reason[:1].lower()}{reason[1:]}"
    return backtracking_problem(tree)


def check_patterns(ctx: SemanticContext) -> None:
    """Add an issue for each unusable pattern in the record schema and in every condition."""
    taken = {issue.pointer for issue in ctx.issues}  # e.g. not a regex at all: said already
    places = [("/schema", ctx.raw.get("schema"))]
    places += [(at, _value_at(ctx.raw, at)) for at in condition_pointers(ctx.raw)]
    seen: set[str] = set()
    for base, schema in places:
        for at, pattern in schema_patterns(schema, base):
            if at in seen or at in taken:
                continue
            seen.add(at)
            problem = pattern_problem(pattern)
            if problem is not None:
                ctx.add(at, f"This pattern {problem}", "pattern")


def schema_patterns(schema: Any, at: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """``(pointer, pattern)`` for every ``pattern`` and ``patternProperties`` name."""
    if not isinstance(schema, dict) or depth > 64:
        return
    if isinstance(schema.get("pattern"), str):
        yield pointer_join(at, "pattern"), schema["pattern"]
    for name in schema.get("patternProperties") or {}:
        if isinstance(name, str):
            yield pointer_join(at, "patternProperties", name), name
    for keyword in ONE:
        yield from schema_patterns(schema.get(keyword), pointer_join(at, keyword), depth + 1)
    for keyword in SCHEMA_LISTS:
        subschemas = schema.get(keyword)
        for i, sub in enumerate(subschemas if isinstance(subschemas, list) else []):
            yield from schema_patterns(sub, pointer_join(at, keyword, i), depth + 1)
    for keyword in SCHEMA_MAPS:
        members = schema.get(keyword)
        for key, sub in (members if isinstance(members, dict) else {}).items():
            yield from schema_patterns(sub, pointer_join(at, keyword, key), depth + 1)


def condition_pointers(raw: dict[str, Any]) -> list[str]:
    """Where the definition holds a condition, found by walking the meta-schema beside it."""
    meta = _meta_schema()
    found: list[str] = []
    _co_walk(meta, meta, raw, "", found, 0)
    return list(dict.fromkeys(found))


def _co_walk(
    meta: dict[str, Any], node: Any, value: Any, at: str, found: list[str], depth: int
) -> None:
    if not isinstance(node, dict) or depth > 64:
        return
    ref = node.get("$ref")
    if ref == CONDITION_REF:
        found.append(at)
        return
    if isinstance(ref, str) and ref.startswith("#/"):
        _co_walk(meta, _value_at(meta, ref[1:]), value, at, found, depth + 1)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(keyword) or []:
            _co_walk(meta, branch, value, at, found, depth + 1)
    for keyword in ("then", "else"):
        _co_walk(meta, node.get(keyword), value, at, found, depth + 1)
    if isinstance(value, dict):
        properties = node.get("properties") or {}
        extra = node.get("additionalProperties")
        for key, member in value.items():
            sub = properties.get(key, extra)
            _co_walk(meta, sub, member, pointer_join(at, key), found, depth + 1)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(value):
            _co_walk(meta, node["items"], item, pointer_join(at, i), found, depth + 1)


@cache
def _meta_schema() -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(META_SCHEMA_PATH.read_text(encoding="utf-8"))
    return meta


def _value_at(document: Any, pointer: str) -> Any:
    for token in pointer_parts(pointer):
        if isinstance(document, list) and token.isdigit() and int(token) < len(document):
            document = document[int(token)]
        elif isinstance(document, dict) and token in document:
            document = document[token]
        else:
            return None
    return document
