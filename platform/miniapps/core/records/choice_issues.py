"""A wrong answer to a choice question, said once, at the question, with the options
that are allowed.

An answer outside a choice list fails ``enum`` (or ``oneOf``/``anyOf`` of ``const``)
once for each list that applies: the field's own, and each list a condition narrows it
to (``then``/``else``, see :mod:`miniapps.core.forms.choice_rules`). jsonschema reports
a wrong tick of a multi-choice question at the item (``/abuse_categories/1``); the form
and the API user think of the question (``/abuse_categories``). :class:`ChoiceProblems`
gathers every such error of a question and makes one issue of them, at the question,
naming the options allowed by all the lists together (in the question's order, with its
titles). When a condition narrowed them, the message says which answer it follows from:
``Given your answer to type of report, select type of abuse or neglect only from:
Physical abuse, Emotional abuse, ...``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import ValidationError

from miniapps.core.definitions.schema_fields import Field, enum_choices, resolve
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.records.issue_context import lower_first, pattern_of


@dataclass
class _Question:
    """The choice errors of one question: each list it failed, and the ``if`` members
    of the conditions that narrowed its options."""

    asked: Field
    lists: list[list[tuple[Any, str]]] = field(default_factory=list)
    because: list[str] = field(default_factory=list)


class ChoiceProblems:
    """Collects the choice errors of a record's check, by question (see module doc)."""

    def __init__(self, schema: dict[str, Any], fields: dict[str, Field]) -> None:
        self._schema = schema
        self._fields = fields
        self._questions: dict[str, _Question] = {}

    def take(self, error: ValidationError) -> str | None:
        """The pointer of the question when ``error`` is a wrong choice (kept for
        :meth:`message`), else None (the caller reports it as usual)."""
        options = _options(error)
        if options is None:
            return None
        pointer = pointer_join("", *error.absolute_path)
        target = self._fields.get(pattern_of(pointer))
        tokens = pointer_parts(pointer)
        if target is None or target.kind != "enum":
            parent = pointer_join("", *tokens[:-1])
            target = self._fields.get(pattern_of(parent)) if tokens else None
            if target is None or target.kind != "multi_enum" or not tokens[-1].isdigit():
                return None
            pointer = parent
        question = self._questions.setdefault(pointer, _Question(target))
        question.lists.append(options)
        if {_key(v) for v, _ in options} != {_key(v) for v, _ in target.choices}:
            for name in _condition_members(self._branch_condition(error)):
                if name not in question.because:
                    question.because.append(name)
        return pointer

    def message(self, pointer: str) -> str:
        """The one message for the question at ``pointer`` (after :meth:`take`)."""
        question = self._questions[pointer]
        own = question.asked.choices
        titles = {_key(v): label for v, label in own if label != str(v)}
        allowed: dict[str, str] = {}  # every list allows it: its key → its label
        for v, label in (option for options in question.lists for option in options):
            if all(_key(v) in {_key(o) for o, _ in options} for options in question.lists):
                allowed.setdefault(_key(v), titles.get(_key(v), label))
        order = {_key(v): i for i, (v, _) in enumerate(own)}
        ordered = sorted(allowed, key=lambda key: order.get(key, len(order)))
        names = ", ".join(allowed[key] for key in ordered)
        title = question.asked.title
        if question.because and len(ordered) < len(own):
            parent = pointer.rpartition("/")[0]
            answers = " and ".join(lower_first(self._title(parent, n)) for n in question.because)
            return f"Given your answer to {answers}, select {lower_first(title)} only from: {names}"
        return f"{title} must be one of: {names}"

    def _title(self, parent: str, name: str) -> str:
        found = self._fields.get(pattern_of(pointer_join(parent, name)))
        return found.title if found else name.replace("_", " ")

    def _branch_condition(self, error: ValidationError) -> Any:
        """The ``if`` beside the ``then``/``else`` the failed list was written in."""
        path = list(error.absolute_schema_path)
        branch = max((i for i, t in enumerate(path) if t in ("then", "else")), default=None)
        if branch is None:
            return None
        node: Any = self._schema
        for token in path[:branch]:  # a $ref may or may not be a step of the path
            node = resolve(node, self._schema)
            node = node if token == "$ref" else _step(node, token)
        node = resolve(node, self._schema)
        return node.get("if") if isinstance(node, dict) else None


def _step(node: Any, token: Any) -> Any:
    if isinstance(node, dict):
        return node.get(token)
    if isinstance(node, list) and isinstance(token, int) and token < len(node):
        return node[token]
    return None


def _options(error: ValidationError) -> list[tuple[Any, str]] | None:
    """(value, label) of the list an ``enum``-like error failed, else None."""
    value: Any = error.validator_value
    if error.validator == "enum" and isinstance(value, list):
        return [(v, _label(v)) for v in value]
    if error.validator in ("oneOf", "anyOf"):
        return enum_choices({str(error.validator): value}) or None
    return None


def _condition_members(cond: Any, depth: int = 0) -> list[str]:
    """The members a condition reads (``required``, ``properties``, nested), in order."""
    if not isinstance(cond, dict) or depth > 32:
        return []
    found = [n for n in cond.get("required") or [] if isinstance(n, str)]
    found += list(cond.get("properties") or {})
    for keyword in ("allOf", "anyOf"):
        for branch in cond.get(keyword) or []:
            found += _condition_members(branch, depth + 1)
    found += _condition_members(cond.get("not"), depth + 1)
    return [n for i, n in enumerate(found) if n not in found[:i]]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return "blank"
    return str(value)
