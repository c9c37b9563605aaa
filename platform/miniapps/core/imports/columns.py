"""Column headers → fields, and the pointer bookkeeping of an import.

A header names a field by key or title, or by a path of them (``address/postcode``,
``courses/2/completed``; items of a repeating section are numbered from 1). Cells
are placed at their pointers with :func:`put`; :func:`finish` closes gaps in item
numbers and remembers them so problems still name the columns the file used.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from miniapps.core.definitions.schema_fields import Field, resolve
from miniapps.core.pointers import pointer_join, pointer_parts


def column_name(pointer: str) -> str:
    """The header that names a pointer: ``/courses/0/name`` → ``courses/1/name``."""
    parts = [str(int(p) + 1) if p.isdigit() else p for p in pointer_parts(pointer)]
    return "/".join(parts)


def resolve_header(header: str, fields: list[Field]) -> tuple[str, Field] | None:
    """The (concrete pointer, field) a header names, or None.

    A header is a field's key or title (any case), or a path of them separated by
    ``/`` or ``.`` (``address/postcode``); items of a repeating section are numbered
    from 1 (``courses/2/completed``).
    """
    wanted = header.strip().casefold()
    for field in fields:
        if field.parent == "" and wanted in (field.key.casefold(), field.title.casefold()):
            return field.pointer, field
    segments = [s.strip().casefold() for s in re.split(r"[/.]", wanted) if s.strip()]
    pattern, concrete, current = "", "", None
    for segment in segments:
        if current is not None and current.kind == "repeat":
            if not segment.isdigit() or int(segment) < 1:
                return None
            pattern, concrete = pointer_join(pattern, "-"), pointer_join(concrete, int(segment) - 1)
            current = None
            continue
        if current is not None and current.kind != "object":
            return None
        current = next(
            (
                f
                for f in fields
                if f.parent == pattern and segment in (f.key.casefold(), f.title.casefold())
            ),
            None,
        )
        if current is None:
            return None
        pattern, concrete = current.pointer, pointer_join(concrete, current.key)
    return (concrete, current) if current is not None else None


def put(data: dict[str, Any], pointer: str, value: Any) -> None:
    """Set ``value`` at ``pointer``; repeat items are kept as ``{index: item}`` until
    :func:`finish` turns them into lists."""
    tokens = pointer_parts(pointer)
    target: dict[Any, Any] = data
    for token, following in pairwise(tokens):
        key: Any = int(token) if token.isdigit() and isinstance(target, _Items) else token
        if key not in target:
            target[key] = _Items() if following.isdigit() else {}
        target = target[key]
    target[tokens[-1]] = value


class _Items(dict[int, Any]):
    """Items of a repeating section by their number in the file, before :func:`finish`."""


def finish(value: Any, pointer: str = "", renames: dict[str, str] | None = None) -> Any:
    """Turn ``{index: item}`` into lists in index order; ``renames`` maps each item's new
    pointer to the pointer its columns named (a gap in the numbering closes up)."""
    renames = {} if renames is None else renames
    if isinstance(value, _Items):
        items = []
        for position, index in enumerate(sorted(value)):
            renames[pointer_join(pointer, position)] = pointer_join(pointer, index)
            items.append(finish(value[index], pointer_join(pointer, position), renames))
        return items
    if isinstance(value, dict):
        return {k: finish(v, pointer_join(pointer, k), renames) for k, v in value.items()}
    return value


def original_pointer(pointer: str, renames: dict[str, str]) -> str:
    """Undo :func:`finish`'s renumbering so an issue names the columns the file used."""
    for new in sorted(renames, key=len, reverse=True):
        if pointer == new or pointer.startswith(new + "/"):
            return renames[new] + pointer[len(new) :]
    return pointer


def overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def missing_required(schema: dict[str, Any], columns: list[Any]) -> set[str]:
    """Pointers of required fields no column fills (checked once, reported at row 1)."""
    targets = [c.target for c in columns if c.target and c.target.startswith("/")]
    missing: list[str] = []

    def walk(obj: dict[str, Any], base: str) -> None:
        properties = obj.get("properties") or {}
        for key in obj.get("required") or []:
            pointer = pointer_join(base, key)
            if not any(overlaps(pointer, t) for t in targets):
                missing.append(pointer)
            elif any(t == pointer for t in targets):
                continue
            else:
                child = resolve(properties.get(key, {}), schema)
                if isinstance(child, dict) and "properties" in child:
                    walk(child, pointer)

    walk(resolve(schema, schema), "")
    return set(missing)


def column_for(pointer: str, columns: list[Any]) -> str | None:
    """The header of the column that filled ``pointer`` (or holds it), else its path."""
    if not pointer:
        return None
    best: Any = None
    for column in columns:
        target = column.target or ""
        if not target.startswith("/"):
            continue
        if target == pointer:
            header: str | None = column.header
            return header
        if pointer.startswith(target + "/") and (
            best is None or len(target) > len(best.target or "")
        ):
            best = column
    return best.header if best is not None else column_name(pointer)
