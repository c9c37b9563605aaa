"""A record's audit trail in words: what each entry did, and each change as a readable line.

Audit entries store JSON pointers with raw old and new values (``/indicators``:
``None`` → ``{"CAN-04": {...}}``). Here they become field labels and values as the
record page shows answers (:mod:`miniapps.core.records.display`): titles, enum titles,
Yes/No, dates as dates; nested values one line per answer ("CAN-04 numerator: 30 → 32");
a status change with the workflow's state titles ("Status: Submitted → Draft"); and
the entry's action in the past tense ("Returned for changes").
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from miniapps.core.definitions.schema_fields import field_kind, resolve
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.records.display import format_value
from miniapps.core.workflow import Workflow

# Past tenses of the verbs workflow titles start with, where adding "ed" is wrong.
IRREGULAR_PAST = {
    "submit": "submitted",
    "resubmit": "resubmitted",
    "refer": "referred",
    "cancel": "cancelled",
    "send": "sent",
    "resend": "resent",
    "withdraw": "withdrew",
    "sign": "signed",
    "reopen": "reopened",
    "open": "opened",
    "hold": "held",
    "put": "put",
    "set": "set",
    "take": "took",
    "give": "gave",
}
# Actions the platform writes itself (the rest are workflow actions).
ACTION_TITLES = {
    "create": "Created",
    "update": "Changed",
    "migrate": "Moved to a new app version",
}
NOTHING = "\u2013"  # an en dash: no value
SEPARATOR = " \u203a "  # a chevron between the titles of nested fields


@dataclass(frozen=True)
class HistoryLine:
    """One change: ``label: old → new`` (``old`` is None when the entry created the
    record); ``comment_id`` links to a comment in the thread instead."""

    label: str
    new: str
    old: str | None = None
    comment_id: int | None = None

    @property
    def text(self) -> str:
        if self.old is None:
            return f"{self.label}: {self.new}"
        return f"{self.label}: {self.old} → {self.new}"


@dataclass(frozen=True)
class HistoryEntry:
    """What one audit entry did ("Returned for changes") and its lines."""

    what: str
    lines: list[HistoryLine]


def done_title(title: str) -> str:
    """A workflow action's title in the past tense: "Return for changes" → "Returned for
    changes", "Approve" → "Approved", "Submit" → "Submitted"."""
    verb, space, rest = title.strip().partition(" ")
    lower = verb.lower()
    if not lower.isalpha() or lower.endswith("ed"):
        return title
    if lower in IRREGULAR_PAST:
        past = IRREGULAR_PAST[lower]
    elif lower.endswith("e"):
        past = lower + "d"
    elif lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        past = lower[:-1] + "ied"
    else:
        past = lower + "ed"
    if verb[0].isupper():
        past = past[0].upper() + past[1:]
    return past + space + rest


def step_title(workflow: Workflow, action: str) -> str:
    """What an audit entry's ``action`` did, in words: a workflow action in the past
    tense ("Returned for changes"), or one the platform writes ("Created")."""
    transition = next((t for t in workflow.transitions if t.action == action), None)
    if transition is not None:
        return done_title(transition.title)
    return ACTION_TITLES.get(action, action.replace("_", " ").capitalize())


def describe_entry(
    action: str,
    changes: Sequence[Mapping[str, Any]],
    schema: dict[str, Any],
    workflow: Workflow,
) -> HistoryEntry:
    """One audit entry (its ``action`` and ``changes``) in words, against the record's
    definition: ``schema`` for labels and values, ``workflow`` for state and action titles."""
    if action == "comment":
        return _comment_entry(changes)
    transition = next((t for t in workflow.transitions if t.action == action), None)
    what = step_title(workflow, action)
    created = action == "create"
    lines: list[HistoryLine] = []
    for change in changes:
        pointer = str(change.get("pointer") or "")
        if pointer == "/status":
            old, new = change.get("old"), change.get("new")
            lines.append(
                HistoryLine(
                    "Status",
                    workflow.title(str(new)),
                    workflow.title(str(old)) if old is not None else NOTHING,
                )
            )
        elif pointer == "/comment" and transition is not None:
            comment_id = change.get("comment_id")
            if isinstance(comment_id, int):
                lines.append(HistoryLine("Comment", "in the thread", comment_id=comment_id))
            else:  # written before workflow comments joined the thread
                lines.append(HistoryLine("Comment", str(change.get("new") or "")))
        elif pointer == "/app_version":
            lines.append(
                HistoryLine("App version", str(change.get("new")), _plain(change.get("old")))
            )
        else:
            lines += _data_lines(pointer, change.get("old"), change.get("new"), schema, created)
    return HistoryEntry(what, lines)


def _comment_entry(changes: Sequence[Mapping[str, Any]]) -> HistoryEntry:
    lines: list[HistoryLine] = []
    is_reply = False
    for change in changes:
        is_reply = is_reply or change.get("parent_id") is not None
        token = pointer_parts(str(change.get("pointer") or ""))[-1:]
        comment_id = int(token[0]) if token and token[0].isdigit() else None
        mentions = list(change.get("mentions") or [])
        label = "Reply" if change.get("parent_id") is not None else "Comment"
        new = "mentioning " + ", ".join(mentions) if mentions else "in the thread"
        lines.append(HistoryLine(label, new, comment_id=comment_id))
    return HistoryEntry("Replied" if is_reply else "Commented", lines)


def _data_lines(
    pointer: str, old: Any, new: Any, schema: dict[str, Any], created: bool
) -> list[HistoryLine]:
    """Lines for a change of record data, one per answer that differs."""
    lines: list[HistoryLine] = []
    for leaf, before, after in _leaves(pointer, old, new):
        label, field = _label(schema, leaf)
        after_text = _value(field, schema, after)
        if created:
            lines.append(HistoryLine(label, after_text))
        else:
            lines.append(HistoryLine(label, after_text, _value(field, schema, before)))
    return lines


def _leaves(pointer: str, old: Any, new: Any) -> Iterator[tuple[str, Any, Any]]:
    """The answers that differ between ``old`` and ``new`` below ``pointer``: objects
    member by member, lists of objects (repeating sections) item by item."""
    if old == new:
        return
    if _is_object(old) and _is_object(new):
        before, after = old or {}, new or {}
        keys = list(before) + [key for key in after if key not in before]
    elif _is_rows(old) and _is_rows(new):
        before, after = dict(enumerate(old or [])), dict(enumerate(new or []))
        keys = sorted(set(before) | set(after))
    else:
        yield pointer, old, new
        return
    for key in keys:
        yield from _leaves(pointer_join(pointer, key), before.get(key), after.get(key))


def _is_object(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def _is_rows(value: Any) -> bool:
    """None or a list of objects (a repeating section), compared item by item."""
    return value is None or (isinstance(value, list) and all(isinstance(v, dict) for v in value))


def _label(schema: dict[str, Any], pointer: str) -> tuple[str, dict[str, Any] | None]:
    """A readable label for the answer at ``pointer`` and its field schema (None when the
    definition does not describe it).

    Titles are joined with :data:`SEPARATOR`; a member of an open-ended object, or one
    whose title starts with its key (an indicator code), or an item of a repeating section
    names itself, and what follows it is lower-cased
    after a space: ``/indicators/CAN-04/numerator`` is "CAN-04 numerator",
    ``/courses/0/name`` is "Courses 1 name"."""
    root = schema
    node: dict[str, Any] | None = resolve(schema, root)
    label = ""
    after_name = False
    for token in pointer_parts(pointer):
        part, named, node = _step(node, root, token, label)
        if named:
            label, after_name = part, True
        elif not label:
            label = part
        elif after_name:
            label, after_name = f"{label} {_lower_first(part)}", False
        else:
            label = f"{label}{SEPARATOR}{part}"
    return label or "Answers", node


def _step(
    node: dict[str, Any] | None, root: dict[str, Any], token: str, label: str
) -> tuple[str, bool, dict[str, Any] | None]:
    """One pointer token: (its label, whether it names itself, the schema below it)."""
    humane = token.replace("_", " ").capitalize()
    if node is None:
        return humane, False, None
    kind = field_kind(node, root)
    if kind in ("repeat", "array") and token.isdigit():
        items = resolve(node.get("items"), root)
        return (
            f"{label or 'Item'} {int(token) + 1}",
            True,
            items if isinstance(items, dict) else None,
        )
    properties = _properties(node, root)
    if token in properties:
        sub = resolve(properties[token], root)
        sub = sub if isinstance(sub, dict) else {}
        title = str(sub.get("title") or humane)
        # A member titled by its own code ("CAN-04: Lower GI ...") is named by the code.
        if title != token and title.startswith((f"{token}:", f"{token} ")):
            return token, True, sub
        return title, False, sub
    extra = resolve(node.get("additionalProperties"), root)
    if isinstance(extra, dict):
        return token, True, extra
    return humane, False, None


def _properties(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """An object's properties, with those its conditional branches declare."""
    found = dict(schema.get("properties") or {})
    branches: list[Any] = [schema.get("then"), schema.get("else")]
    branches += list(schema.get("allOf") or [])
    branches += list((schema.get("dependentSchemas") or {}).values())
    for branch in branches:
        branch = resolve(branch, root)
        if isinstance(branch, dict):
            for key, sub in _properties(branch, root).items():
                found.setdefault(key, sub)
    return found


def _lower_first(text: str) -> str:
    """ "Numerator" → "numerator", but an acronym ("DBS checked") keeps its capitals."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _value(field: dict[str, Any] | None, root: dict[str, Any], value: Any) -> str:
    if value is None or value == "" or value == []:
        return NOTHING
    if field is not None:
        return format_value(field, root, value)
    return _plain(value)


def _plain(value: Any) -> str:
    """A value the definition does not describe: Yes/No, text, or compact JSON."""
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
