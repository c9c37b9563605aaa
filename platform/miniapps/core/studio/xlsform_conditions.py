"""XLSForm ``relevant`` and ``constraint`` trees as the engine's JSON Schema keywords."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from miniapps.core.definitions.pattern_checks import pattern_problem
from miniapps.core.studio.xlsform_expr import (
    Compare,
    Junction,
    Length,
    Literal,
    Node,
    Not,
    Ref,
    Regex,
    Selected,
    Today,
    Unsupported,
)

NUMERIC = ("integer", "number")
_BOUND = {">": "exclusiveMinimum", ">=": "minimum", "<": "exclusiveMaximum", "<=": "maximum"}


@dataclass(frozen=True)
class Question:
    """What a condition needs to know of an earlier question."""

    kind: str  # string, integer, number, date, datetime, select_one, select_multiple, file
    choices: tuple[str, ...] = field(default=())


def show_if(node: Node, known: Mapping[str, Question]) -> dict[str, Any]:
    """The ``show_if`` condition for a ``relevant`` tree over the questions ``known``."""
    if isinstance(node, Junction):
        parts = [show_if(part, known) for part in node.parts]
        return {"allOf": parts} if node.kind == "and" else {"anyOf": parts}
    if isinstance(node, Not):
        return {"not": show_if(node.inner, known)}
    if isinstance(node, Selected):
        name, question = _question(node.subject, known)
        _check_choice(name, question, node.value)
        if question.kind == "select_multiple":
            return _has(name, {"contains": {"const": node.value}})
        if question.kind == "select_one":
            return _has(name, {"const": node.value})
        raise Unsupported(f"selected() needs a choice question, but ${{{name}}} is not one")
    if isinstance(node, Regex):
        name, question = _question(node.subject, known)
        if question.kind != "string":
            raise Unsupported(f"regex() needs a text question, but ${{{name}}} is not one")
        return _has(name, {"pattern": _pattern(node.pattern)})
    return _compare(node, known)


def _compare(node: Compare, known: Mapping[str, Question]) -> dict[str, Any]:
    if isinstance(node.subject, Length):
        name, question = _question(node.subject.of, known)
        if question.kind != "string" or not isinstance(node.value, int):
            raise Unsupported("string-length() needs a text question and a whole number")
        return _has(name, _length(node.op, node.value))
    name, question = _question(node.subject, known)
    value, op = node.value, node.op
    if value == "" and op in ("=", "!="):
        present: dict[str, Any] = {"required": [name]}
        return present if op == "!=" else {"not": present}
    if isinstance(value, Today):
        raise Unsupported("today() can only be used in a date question's constraint")
    if question.kind in NUMERIC:
        number = _number(value)
        if op in _BOUND:
            return _has(name, {_BOUND[op]: number})
        return _equal(name, number, op)
    if op not in ("=", "!="):
        raise Unsupported(f"'{op}' needs a number question, but ${{{name}}} is not one")
    if question.kind == "select_multiple":
        raise Unsupported(f"use selected(${{{name}}}, '...') for a several-choices question")
    text = str(value)
    if question.kind == "select_one":
        _check_choice(name, question, text)
    return _equal(name, text, op)


def constraint(node: Node, kind: str) -> dict[str, Any]:
    """The keywords a ``constraint`` tree adds to the property of a question of ``kind``."""
    if isinstance(node, Junction) and node.kind == "and":
        merged: dict[str, Any] = {}
        for part in node.parts:
            merged.update(constraint(part, kind))
        return merged
    if isinstance(node, Regex) and _is_self(node.subject):
        if kind != "string":
            raise Unsupported("regex(., ...) needs a text question")
        return {"pattern": _pattern(node.pattern)}
    if isinstance(node, Compare):
        subject, value, op = node.subject, node.value, node.op
        if isinstance(subject, Length) and _is_self(subject.of):
            if kind != "string" or not isinstance(value, int):
                raise Unsupported("string-length(.) needs a text question and a whole number")
            return _length(op, value)
        if isinstance(subject, Ref) and _is_self(subject):
            if kind in NUMERIC and op in _BOUND and not isinstance(value, Today):
                return {_BOUND[op]: _number(value)}
            if kind in ("date", "datetime") and isinstance(value, Today) and op in ("<=", ">="):
                return {"x-not-future": True} if op == "<=" else {"x-not-past": True}
    raise Unsupported(
        "only these forms are understood: . >= n, . <= n, . > n, . < n (joined by and), "
        "regex(., '...'), string-length(.) <= n, . <= today(), . >= today()"
    )


def _question(ref: Ref, known: Mapping[str, Question]) -> tuple[str, Question]:
    if _is_self(ref):
        raise Unsupported("'.' (the question itself) cannot be used in relevant")
    question = known.get(ref.name)
    if question is None:
        raise Unsupported(f"${{{ref.name}}} is not an earlier question of the same page or repeat")
    return ref.name, question


def _pattern(pattern: str) -> str:
    problem = pattern_problem(pattern)
    if problem:
        raise Unsupported(f"this pattern {problem}")
    return pattern


def _check_choice(name: str, question: Question, value: str) -> None:
    if question.choices and value not in question.choices:
        raise Unsupported(f"'{value}' is not a choice of ${{{name}}}")


def _is_self(ref: Ref) -> bool:
    return ref.name == ""


def _has(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"properties": {name: schema}, "required": [name]}


def _equal(name: str, value: object, op: str) -> dict[str, Any]:
    same = _has(name, {"const": value})
    return same if op == "=" else {"not": same}


def _number(value: Literal) -> int | float:
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value))
    except ValueError:
        raise Unsupported(f"'{value}' is not a number") from None
    return int(number) if number.is_integer() else number


def _length(op: str, value: int) -> dict[str, Any]:
    bounds = {"<=": ("maxLength", 0), "<": ("maxLength", -1), ">=": ("minLength", 0)}
    bounds[">"] = ("minLength", 1)
    if op not in bounds:
        raise Unsupported("string-length() can only be compared with <, <=, > or >=")
    keyword, shift = bounds[op]
    return {keyword: max(0, value + shift)}
