"""``$ref`` in a record schema: only to schemas that exist in it, and never in a cycle.

A record schema whose field refers to the schema around it (``{"$ref": "#"}``) describes
records nested without end: the form compiler, the field list and the exports would
recurse until the interpreter's stack ran out (a 500 at publish). A cycle of references
that never descends into the data (``#/$defs/a`` → ``#/$defs/b`` → ``#/$defs/a``, or an
``allOf`` of ``#``) recurses forever in the validator itself. Both are refused at publish,
at the pointer of the ``$ref`` that closes the cycle, as are references that lead
nowhere, that leave the definition, and the dynamic references (``$dynamicRef``) nothing
here can follow, and a ``$schema`` naming another dialect than 2020-12 (records are
checked in 2020-12 whatever it says). An ``$id`` inside the schema is refused too: below
it a ``#/...`` reference would mean a place in that subschema, not in the record schema,
so the references checked here would not be the ones the validator follows (a 500 at
submit).

The walk is iterative (a deep schema cannot exhaust the stack) and visits each schema
once, so a schema that refers to the same ``$defs`` many times costs no more than one
that refers to them once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from miniapps.core.errors import Issue
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.schema_walk import DRAFT_2020_12, SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_ONE

_DYNAMIC = ("$dynamicRef", "$recursiveRef")
_ID_INSIDE = (
    "“$id” is not supported inside a record schema: it would change what the “#/...” "
    "references below it point at. Remove it and refer from the record schema's root"
)
_OTHER_DIALECT = (
    "“$schema” in a record schema can only name JSON Schema 2020-12 "
    "(“https://json-schema.org/draft/2020-12/schema”), the dialect records are checked in: "
    "remove it"
)


def ref_issues(schema: Any, at: str = "/schema") -> list[Issue]:
    """Every ``$ref`` problem of the record ``schema``, with pointers under ``at``."""
    issues: list[Issue] = []
    done: set[str] = set()  # schemas fully walked
    open_: set[str] = set()  # schemas on the current path (a reference to one is a cycle)
    stack: list[tuple[str, Iterator[tuple[str, Any]]]] = []

    def enter(pointer: str, node: Any) -> None:
        if pointer in done or pointer in open_ or not isinstance(node, dict):
            return
        open_.add(pointer)
        stack.append((pointer, _children(node, pointer, schema, at, issues)))

    enter("", schema)
    while stack:
        pointer, children = stack[-1]
        step = next(children, None)
        if step is None:
            stack.pop()
            open_.discard(pointer)
            done.add(pointer)
            continue
        child, node = step
        if child in open_ and isinstance(node, _RefTarget):
            issues.append(
                Issue(
                    node.source,
                    f"“$ref”: “{node.ref}” leads back to a schema this reference is part "
                    "of (a cycle), so the schema would never end: describe the nested part "
                    "without referring back",
                    "ref_cycle",
                )
            )
            continue
        enter(child, node.schema if isinstance(node, _RefTarget) else node)
    return issues


class _RefTarget:
    """A reference's target, told apart from a plain child so a cycle names its ``$ref``."""

    def __init__(self, schema: Any, ref: str, source: str) -> None:
        self.schema, self.ref, self.source = schema, ref, source


def _children(
    node: dict[str, Any], pointer: str, root: Any, at: str, issues: list[Issue]
) -> Iterator[tuple[str, Any]]:
    """The schemas directly inside ``node`` (and its reference's target), by pointer."""
    for keyword in _DYNAMIC:
        if keyword in node:
            issues.append(
                Issue(
                    at + pointer_join(pointer, keyword),
                    f"“{keyword}” is not supported in a record schema: use “$ref” to a schema "
                    "under “$defs”",
                    "ref",
                )
            )
    if pointer and "$id" in node:  # "#/..." below it would mean a place in it, not the root
        issues.append(Issue(at + pointer_join(pointer, "$id"), _ID_INSIDE, "ref"))
    if "$schema" in node and node["$schema"] not in DRAFT_2020_12:
        issues.append(Issue(at + pointer_join(pointer, "$schema"), _OTHER_DIALECT, "ref"))
    ref = node.get("$ref")
    if isinstance(ref, str):
        source = at + pointer_join(pointer, "$ref")
        target = _target(ref, root)
        if target is None:
            issues.append(Issue(source, _nowhere(ref), "ref"))
        else:
            yield target[0], _RefTarget(target[1], ref, source)
    for keyword in SCHEMA_ONE:
        if keyword in node:
            yield pointer_join(pointer, keyword), node[keyword]
    for keyword in SCHEMA_LISTS:
        value = node.get(keyword)
        for index, item in enumerate(value if isinstance(value, list) else []):
            yield pointer_join(pointer, keyword, index), item
    for keyword in SCHEMA_MAPS:
        value = node.get(keyword)
        for name, item in (value if isinstance(value, dict) else {}).items():
            yield pointer_join(pointer, keyword, name), item


def _target(ref: str, root: Any) -> tuple[str, Any] | None:
    """``(pointer, schema)`` that a local ``#/...`` reference names, else None."""
    if ref != "#" and not ref.startswith("#/"):
        return None
    parts = pointer_parts(unquote(ref[1:]))
    node = root
    for token in parts:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return pointer_join("", *parts), node


def _nowhere(ref: str) -> str:
    if ref == "#" or ref.startswith("#/"):
        return f"“$ref”: “{ref}” refers to nothing in the schema: check the path"
    return (
        f"“$ref”: “{ref}” is not a reference within this schema: refer to a schema here "
        "with a JSON pointer such as “#/$defs/address”"
    )
