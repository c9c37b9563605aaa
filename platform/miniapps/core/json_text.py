"""Reading JSON text from outside with limits the standard parser lacks.

``json.loads`` recurses once per nested array or object, so a body of 100,000 ``[``
exhausts the interpreter's stack (a ``RecursionError``, a 500), and it reads ``1e400``
as Infinity and ``NaN`` as NaN, which are not JSON and cannot be stored or served.
:func:`loads_bounded` refuses both with a :class:`ValueError` that says what is wrong,
before anything deep is built.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

MAX_JSON_DEPTH = 64
# A string literal (skipped: brackets inside text do not nest) or one bracket.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class JsonTooDeep(ValueError):
    """JSON text nests arrays and objects deeper than the limit."""


def nesting_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``text`` opens more than ``limit`` arrays or objects inside one another
    (stops scanning as soon as it does)."""
    if text.count("[") + text.count("{") <= limit:  # fewer openings than that at all
        return False
    depth = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large (numbers must be finite)")
    return value


def _finite_int(text: str) -> int:
    value = int(text)
    if len(text) > 300 and not math.isfinite(_as_float(value)):
        raise ValueError(f"the number {text[:40]}... is too large (numbers must be finite)")
    return value


def _as_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def refuse_duplicate_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An ``object_pairs_hook`` refusing an object that names one member twice, which
    ``json.loads`` would otherwise settle silently by keeping the last."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the member {key!r} appears twice in one object")
        result[key] = value
    return result


def loads_bounded(
    text: str,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
) -> Any:
    """``json.loads(text)`` that refuses nesting deeper than ``max_depth``
    (:class:`JsonTooDeep`), ``NaN``/``Infinity`` and numbers too large to be finite
    (``ValueError``); malformed JSON raises ``json.JSONDecodeError`` as usual."""
    if nesting_depth_exceeds(text, max_depth):
        raise JsonTooDeep(
            f"arrays and objects are nested more than {max_depth} levels deep "
            f"(the limit is {max_depth})"
        )
    try:
        return json.loads(
            text,
            parse_float=_finite_float,
            parse_int=_finite_int,
            parse_constant=_refuse_constant,
            object_pairs_hook=object_pairs_hook,
        )
    except RecursionError as exc:  # unreachable below the limit; never a 500 regardless
        raise JsonTooDeep("arrays and objects are nested too deeply") from exc
