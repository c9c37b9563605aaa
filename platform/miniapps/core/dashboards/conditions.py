"""A widget's ``where`` and ``item_where``: which conditions the database can answer.

Both are conditions in the ``show_if`` language
(:mod:`miniapps.core.forms.condition_language`), tested against a record's data
(``where``) or one item of a repeating section (``item_where``). The dashboard asks the
database to test the common, simple ones, and tests the rest in Python over the rows:

* **simple** (:func:`simple_terms` gives its terms): ``properties`` whose members use
  only ``const`` or ``enum`` of JSON scalars (text, numbers, true/false, null),
  ``required``, and ``allOf`` of simple conditions, with annotations (``title``,
  ``description``, ``$comment``) anywhere. It names members of the object tested only
  (top-level fields for ``where``), so each term reads one value.
* anything else (``not``, ``anyOf``, ``contains``, ranges, patterns, nested objects)
  is evaluated with :func:`~miniapps.core.forms.condition_language.matches` itself.

A simple condition keeps the language's semantics exactly: ``properties`` only checks
members that are present, so ``{"properties": {"kind": {"const": "x"}}}`` also holds for
a record without ``kind`` (write ``"required": ["kind"]`` beside it to mean "answered
x"); values are compared as JSON (``1`` equals ``1.0``; ``true`` is not ``1``, ``"1"``
is not ``1``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from miniapps.core.forms.condition_language import ANNOTATIONS, matches
from miniapps.core.pointers import pointer_parts

SIMPLE_KEYWORDS = frozenset({"properties", "required", "allOf"})
SIMPLE_VALUE_KEYWORDS = frozenset({"const", "enum"})


@dataclass(frozen=True)
class Term:
    """One member of the tested object: it must be present (``values`` None), or, when
    present, equal one of ``values``."""

    name: str
    values: tuple[Any, ...] | None


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _value_terms(name: str, sub: Any) -> list[Term] | None:
    """The terms of ``properties[name]``: ``const`` and ``enum`` of scalars only."""
    if isinstance(sub, bool):
        return [] if sub else None  # {"x": false} fails whenever x is present
    if not isinstance(sub, dict):
        return None
    terms: list[Term] = []
    for key, arg in sub.items():
        if key in ANNOTATIONS:
            continue
        if key == "const" and _is_scalar(arg):
            terms.append(Term(name, (arg,)))
        elif key == "enum" and isinstance(arg, list) and all(_is_scalar(v) for v in arg):
            terms.append(Term(name, tuple(arg)))
        else:
            return None
    return terms


def simple_terms(cond: Any, depth: int = 0) -> list[Term] | None:
    """The terms that must all hold, when ``cond`` is simple; None when it is not (then
    evaluate it with :func:`matches`). ``true`` is simple and has no terms."""
    if cond is True:
        return []
    if not isinstance(cond, dict) or depth > 20:
        return None
    terms: list[Term] = []
    for key, arg in cond.items():
        if key in ANNOTATIONS:
            continue
        if key not in SIMPLE_KEYWORDS:
            return None
        if key == "required":
            if not isinstance(arg, list) or not all(isinstance(n, str) for n in arg):
                return None
            terms += [Term(name, None) for name in arg]
        elif key == "properties":
            if not isinstance(arg, dict):
                return None
            for name, sub in arg.items():
                found = _value_terms(name, sub)
                if found is None:
                    return None
                terms += found
        else:
            if not isinstance(arg, list):
                return None
            for branch in arg:
                found = simple_terms(branch, depth + 1)
                if found is None:
                    return None
                terms += found
    return terms


def items_at(data: Any, pointer: str) -> Iterator[Any]:
    """Every item of the repeating section at ``pointer`` (``/actions``, or
    ``/visits/-/actions`` for a section inside another), across the outer items."""
    found: list[Any] = [data]
    for token in pointer_parts(pointer):
        if token == "-":
            found = [item for value in found if isinstance(value, list) for item in value]
        else:
            found = [value[token] for value in found if isinstance(value, dict) and token in value]
    for value in found:
        if isinstance(value, list):
            yield from value


def count_items(data: Any, pointer: str, item_where: Any = None) -> int:
    """How many items of the section at ``pointer`` match ``item_where`` (all of them
    when it is None)."""
    return sum(
        1 for item in items_at(data, pointer) if item_where is None or matches(item_where, item)
    )
