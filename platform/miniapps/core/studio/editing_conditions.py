"""Conditional questions: "show this when *question* is *answer*", stored as the engine's
``ui.fields[pointer].show_if`` and read back as a sentence.

A condition the studio writes names an earlier yes/no or choice question of the same
object (the record, a group, or the same item of a repeating section):
``{"required": [k], "properties": {k: {"const": v}}}`` (for several choices,
``{"contains": {"const": v}}``), wrapped in ``{"not": ...}`` for "is not". Any other
``show_if`` written in JSON is kept, described as well as the words allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from miniapps.core.definitions.schema_fields import enum_choices
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.studio.editing_base import (
    EditRefused,
    checked,
    copied,
    drop_empty_ui,
    holder_at,
    label_of,
    locate,
    parent_of,
    ui_entry,
    ui_key,
)
from miniapps.core.studio.editing_order import sibling_order
from miniapps.core.studio.field_kinds import data_pattern, field_ui, kind_of

QUESTION_KINDS = frozenset({"yes_no", "one_choice", "several_choices"})
IN_JSON = "a condition written in JSON"


@dataclass(frozen=True)
class Condition:
    """Show a field when the earlier ``question`` (a pointer) has ``answer`` (or, with
    ``negate``, has not)."""

    question: str
    answer: Any
    negate: bool = False


def condition_questions(
    definition: dict[str, Any], pointer: str
) -> list[tuple[str, str, list[tuple[Any, str]]]]:
    """The questions a condition of the field at ``pointer`` may use, as ``(pointer,
    label, [(answer, answer label), ...])``: the yes/no and choice questions shown
    before it in the same object."""
    spot = locate(definition, pointer)
    order = sibling_order(definition, spot.parent)
    found = []
    for key in order[: order.index(spot.key)]:
        question = pointer_join(spot.parent, key)
        answers = _answers(definition, question)
        if answers is not None:
            found.append((question, label_of(spot.holder["properties"][key], key), answers))
    return found


def _answers(definition: dict[str, Any], question: str) -> list[tuple[Any, str]] | None:
    kind = kind_of(definition, question)
    if kind == "yes_no":
        return [(True, "Yes"), (False, "No")]
    if kind not in QUESTION_KINDS:
        return None
    schema = locate(definition, question).schema
    return enum_choices(schema["items"] if kind == "several_choices" else schema)


def set_condition(
    definition: dict[str, Any], pointer: str, condition: Condition | None
) -> dict[str, Any]:
    """Show the field at ``pointer`` only when ``condition`` holds (None: always)."""
    spot = locate(definition, pointer)
    edited = copied(definition)
    key = ui_key(edited, pointer)
    entry = ui_entry(edited, pointer)
    if condition is None:
        entry.pop("show_if", None)
        drop_empty_ui(edited)
        return edited
    question = data_pattern(condition.question)
    offered = {
        q: (label, answers) for q, label, answers in condition_questions(definition, pointer)
    }
    if question not in offered:
        raise EditRefused(pointer, _why_not(definition, spot.parent, question))
    label, answers = offered[question]
    if not any(_same(value, condition.answer) for value, _ in answers):
        words = ", ".join(f"“{text}”" for _, text in answers)
        raise EditRefused(pointer, f"“{label}” can be answered only {words}")
    name = pointer_parts(question)[-1]
    test: dict[str, Any] = {"const": condition.answer}
    if kind_of(definition, question) == "several_choices":
        test = {"contains": test}
    show_if: dict[str, Any] = {"required": [name], "properties": {name: test}}
    entry["show_if"] = {"not": show_if} if condition.negate else show_if
    return checked(definition, edited, pointer, (pointer_join("/ui/fields", key),))


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _why_not(definition: dict[str, Any], parent: str, question: str) -> str:
    holder = holder_at(definition, parent) or {}
    properties = holder.get("properties") or {}
    name = pointer_parts(question)[-1] if question else ""
    if parent_of(question) != parent or name not in properties:
        return f"{question} is not a question of the same {'item' if parent else 'form'}"
    label = label_of(properties[name], name)
    if kind_of(definition, question) not in QUESTION_KINDS:
        return f"“{label}” is not a yes/no or choice question"
    return f"“{label}” comes later: a condition can only use an earlier question"


def condition_of(definition: dict[str, Any], pointer: str) -> Condition | None:
    """The field's condition as the studio writes it, or None (no condition, or one the
    studio cannot express: see :func:`condition_sentence`)."""
    show_if = field_ui(definition, pointer).get("show_if")
    parsed = _simple(show_if)
    if parsed is None:
        return None
    name, answer, negate = parsed
    return Condition(pointer_join(parent_of(pointer), name), answer, negate)


def _simple(show_if: Any) -> tuple[str, Any, bool] | None:
    """``(name, answer, negate)`` of a condition in the studio's shape, else None."""
    negate = False
    if isinstance(show_if, dict) and set(show_if) == {"not"}:
        show_if, negate = show_if["not"], True
    if not isinstance(show_if, dict) or set(show_if) != {"required", "properties"}:
        return None
    properties, required = show_if["properties"], show_if["required"]
    if not isinstance(properties, dict) or len(properties) != 1 or required != list(properties):
        return None
    name, test = next(iter(properties.items()))
    if isinstance(test, dict) and set(test) == {"contains"}:
        test = test["contains"]
    if not isinstance(test, dict) or set(test) != {"const"}:
        return None
    return name, test["const"], negate


def condition_sentence(definition: dict[str, Any], pointer: str) -> str | None:
    """The field's condition in words (``Show this when “Has a DBS check” is “Yes”``),
    or None when it is always shown."""
    show_if = field_ui(definition, pointer).get("show_if")
    if show_if is None:
        return None
    words = _words(definition, parent_of(pointer), show_if)
    return f"Show this when {words or IN_JSON + ' holds'}"


def _words(definition: dict[str, Any], parent: str, show_if: Any, depth: int = 0) -> str | None:
    simple = _simple(show_if)
    if simple is not None:
        name, answer, negate = simple
        question = pointer_join(parent, name)
        spot_label = label_of(
            (holder_at(definition, parent) or {}).get("properties", {}).get(name), name
        )
        several = kind_of(definition, question) == "several_choices"
        verb = (
            ("does not include" if negate else "includes")
            if several
            else ("is not" if negate else "is")
        )
        return f"“{spot_label}” {verb} “{_answer_label(definition, question, answer)}”"
    if isinstance(show_if, dict) and depth < 5 and len(show_if) == 1:
        ((keyword, parts),) = show_if.items()
        joiner = {"allOf": " and ", "anyOf": " or "}.get(keyword)
        if joiner and isinstance(parts, list) and parts:
            words = [_words(definition, parent, p, depth + 1) for p in parts]
            if all(words):
                return joiner.join(w for w in words if w)
    return None


def _answer_label(definition: dict[str, Any], question: str, answer: Any) -> str:
    for value, text in _answers(definition, question) or []:
        if _same(value, answer):
            return text
    if isinstance(answer, bool):
        return "Yes" if answer else "No"
    return str(answer)
