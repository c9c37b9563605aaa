"""The condition language shared by the server and the browser (its twin is
``static/js/condition_language.mjs``, used by ``static/js/conditions.mjs``).

A subset of JSON Schema with its real semantics: ``type const enum minimum maximum
exclusiveMinimum exclusiveMaximum pattern minLength maxLength contains not allOf
anyOf required properties`` (plus the annotations ``title description $comment``).
Keywords ignore values of other types, and ``properties`` only checks members that
are present, so ``{"properties": {"x": {"const": true}}}`` matches ``{}``. ``pattern`` runs
as ECMA 262 with the ``u`` flag (as in browsers, in a linear-time engine) and never
matches a string longer than
:data:`~miniapps.core.records.patterns.PATTERN_INPUT_LIMIT` characters (the browser's rule).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from miniapps.core.errors import Issue
from miniapps.core.pointers import pointer_join
from miniapps.core.records.patterns import condition_pattern

ANNOTATIONS = frozenset({"title", "description", "$comment"})

SUPPORTED = frozenset(
    {
        "type", "const", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "pattern", "minLength", "maxLength", "contains", "not", "allOf", "anyOf", "required",
        "properties",
    }
)  # fmt: skip


def check_condition(cond: Any, origin: str) -> list[Issue]:
    """Issues for keywords a condition uses outside the supported subset."""
    if isinstance(cond, bool):
        return []
    if not isinstance(cond, dict):
        return [Issue(origin, "A condition must be an object or true/false", "condition")]
    issues: list[Issue] = []
    for key, arg in cond.items():
        where = pointer_join(origin, key)
        if key in ANNOTATIONS:
            continue
        if key not in SUPPORTED:
            message = f"Conditions cannot use “{key}” (the browser would not understand it)"
            issues.append(Issue(where, message, "condition"))
        elif key in ("not", "contains"):
            issues += check_condition(arg, where)
        elif key in ("allOf", "anyOf"):
            for i, sub in enumerate(arg if isinstance(arg, list) else []):
                issues += check_condition(sub, pointer_join(where, i))
        elif key == "properties" and isinstance(arg, dict):
            for name, sub in arg.items():
                issues += check_condition(sub, pointer_join(where, name))
    return issues


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_type(name: str, value: Any) -> bool:
    if name == "integer":
        return _is_number(value) and float(value).is_integer()
    return {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "number": _is_number(value),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }.get(name, False)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``true != 1``; arrays and objects compared deeply."""
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _num(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda arg, v: not _is_number(v) or test(v, arg)


_KEYWORDS: dict[str, Callable[[Any, Any], bool]] = {
    "type": lambda arg, v: any(_is_type(t, v) for t in ([arg] if isinstance(arg, str) else arg)),
    "const": lambda arg, v: json_equal(arg, v),
    "enum": lambda arg, v: any(json_equal(a, v) for a in arg),
    "minimum": _num(lambda v, a: v >= a),
    "maximum": _num(lambda v, a: v <= a),
    "exclusiveMinimum": _num(lambda v, a: v > a),
    "exclusiveMaximum": _num(lambda v, a: v < a),
    "pattern": lambda arg, v: not isinstance(v, str) or condition_pattern(arg, v),
    "minLength": lambda arg, v: not isinstance(v, str) or len(v) >= arg,
    "maxLength": lambda arg, v: not isinstance(v, str) or len(v) <= arg,
    "contains": lambda arg, v: not isinstance(v, list) or any(matches(arg, x) for x in v),
    "not": lambda arg, v: not matches(arg, v),
    "allOf": lambda arg, v: all(matches(s, v) for s in arg),
    "anyOf": lambda arg, v: any(matches(s, v) for s in arg),
    "required": lambda arg, v: not isinstance(v, dict) or all(k in v for k in arg),
    "properties": lambda arg, v: (
        not isinstance(v, dict) or all(matches(s, v[k]) for k, s in arg.items() if k in v)
    ),
}


def matches(cond: Any, value: Any) -> bool:
    """Whether ``value`` satisfies ``cond`` (the supported subset of JSON Schema)."""
    if isinstance(cond, bool):
        return cond
    return all(_KEYWORDS[key](arg, value) for key, arg in cond.items() if key not in ANNOTATIONS)
