"""JSON pointers (RFC 6901): build, split, read and write record data by pointer.

Every place that walks record data or a schema by pointer uses these functions, so
they agree on escaping (``~0`` for ``~``, ``~1`` for ``/``) and on list indices.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def pointer_join(base: str, *parts: str | int) -> str:
    """Append reference tokens to a JSON pointer, escaping ``~`` and ``/``.

    ``pointer_join("/courses", 0, "a/b")`` is ``"/courses/0/a~1b"``; with no parts the
    pointer comes back unchanged.
    """
    for part in parts:
        token = str(part)
        if "~" in token or "/" in token:
            token = token.replace("~", "~0").replace("/", "~1")
        base = f"{base}/{token}"
    return base


def pointer_parts(pointer: str) -> list[str]:
    """Split a JSON pointer into unescaped reference tokens.

    ``""`` (the root) has no tokens; ``"/a~1b/0"`` is ``["a/b", "0"]`` and ``"//"`` is
    ``["", ""]`` (two empty member names). Tokens stay strings, list indices included.
    A pointer without its leading ``/`` is read as if it had one.
    """
    if not pointer:
        return []
    body = pointer[1:] if pointer.startswith("/") else pointer
    return [p.replace("~1", "/").replace("~0", "~") for p in body.split("/")]


def _index(token: str, items: list[Any]) -> int | None:
    """The list index a token names: ASCII digits below ``len(items)``, else None."""
    if token.isascii() and token.isdigit() and int(token) < len(items):
        return int(token)
    return None


def value_at(data: Any, pointer: str, default: Any = None) -> Any:
    """The value at ``pointer`` in ``data``, or ``default`` when there is none.

    Each token steps into a dict member that exists, or into a list item whose index
    it spells in ASCII digits and which exists (``-`` and negative or out-of-range
    indices never match). Anything else on the way (a missing member, a scalar, an
    index into a dict) gives ``default``. A member present with the value ``None`` gives
    ``None``, not ``default``. The root pointer ``""`` gives ``data`` itself. Nothing is
    copied: a dict or list found is the one inside ``data``.
    """
    for token in pointer_parts(pointer):
        if isinstance(data, dict) and token in data:
            data = data[token]
        elif isinstance(data, list) and (index := _index(token, data)) is not None:
            data = data[index]
        else:
            return default
    return data


def pattern_values(data: Any, pattern: str) -> Iterator[tuple[str, Any]]:
    """``(pointer, value)`` for every value a field's pattern names in ``data``: ``-``
    stands for each item of a list (``/actions/-/due`` gives ``/actions/0/due``, ...).
    Members that are absent give nothing."""
    yield from _pattern_values(data, pointer_parts(pattern), "")


def _pattern_values(data: Any, tokens: list[str], base: str) -> Iterator[tuple[str, Any]]:
    if not tokens:
        yield base, data
        return
    head, rest = tokens[0], tokens[1:]
    if head == "-":
        for index, item in enumerate(data if isinstance(data, list) else []):
            yield from _pattern_values(item, rest, pointer_join(base, index))
    elif isinstance(data, dict) and head in data:
        yield from _pattern_values(data[head], rest, pointer_join(base, head))


def set_at(data: dict[str, Any] | list[Any], pointer: str, value: Any) -> None:
    """Put ``value`` at ``pointer`` inside ``data`` (in place), creating dicts on the way.

    Every token but the last steps into a dict member, which is created as ``{}`` when
    absent, or into an existing list item (index as in :func:`value_at`). The last token
    sets that dict member (adding or replacing it) or replaces that existing list item.
    Raises ``ValueError`` for the root pointer ``""`` (the root cannot be replaced in
    place), ``TypeError`` when a step meets a value that is neither a dict nor a list
    (an existing member is never overwritten to make room), and ``IndexError`` when a
    token is not an existing index of the list it steps into.
    """
    parts = pointer_parts(pointer)
    if not parts:
        raise ValueError("the root pointer cannot be set in place")
    *parents, last = parts
    node: Any = data
    for token in parents:
        node = _child(node, token, pointer)
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list):
        node[_existing_index(node, last, pointer)] = value
    else:
        raise TypeError(f"{pointer}: {type(node).__name__} has no members")


def _child(node: Any, token: str, pointer: str) -> Any:
    if isinstance(node, dict):
        return node.setdefault(token, {})
    if isinstance(node, list):
        return node[_existing_index(node, token, pointer)]
    raise TypeError(f"{pointer}: {type(node).__name__} has no members")


def _existing_index(items: list[Any], token: str, pointer: str) -> int:
    index = _index(token, items)
    if index is None:
        raise IndexError(f"{pointer}: {token!r} is not an item of a list of {len(items)}")
    return index


def item_pattern(pointer: str) -> str:
    """A field's pointer whatever item it names: ``/courses/0/name`` → ``/courses/-/name``."""
    return "/".join("-" if part.isdigit() else part for part in pointer.split("/"))
