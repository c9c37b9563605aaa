"""The answer combinations a record holds under its definition's ``unique`` member.

``"unique": [{"fields": ["/fridge", "/date"], "message": "..."}]`` says that only one
record of an organisation (in one app) may hold the same answers to those fields: one
fridge log per fridge per day. Each entry of ``unique`` is a *key*; a record holds a
key when it answers every field of it. A record that leaves any of them unanswered is
not constrained by that key (a draft without a date yet blocks nothing).

Answers are compared after :func:`canonical`: numbers by value (``5`` and ``5.0`` are
one answer), text without case, surrounding spaces or doubled spaces ("Fridge 1" and
" fridge  1" name the same fridge). A key is stored as the SHA-256 of the canonical
JSON of its values (:func:`key_digest`), so the database can hold it in a unique index
whatever the answers are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.pointers import value_at
from miniapps.core.records.display import format_value

_ABSENT = object()


@dataclass(frozen=True)
class AnswerKey:
    """Key ``index`` of ``unique`` as one record answers it."""

    index: int
    fields: tuple[str, ...]
    values: tuple[Any, ...]
    digest: str

    @property
    def pointer(self) -> str:
        """Where a clash is reported: the key's first field."""
        return self.fields[0]


def canonical(value: Any) -> Any:
    """``value`` as compared: whole floats as integers, text folded (case, spaces)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def key_digest(values: Sequence[Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``values``, in the key's field order."""
    text = json.dumps(
        [canonical(v) for v in values], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_answered(value: Any) -> bool:
    if value is _ABSENT or value is None or value == [] or value == {}:
        return False
    return not (isinstance(value, str) and not value.strip())


def answer_keys(unique: Sequence[dict[str, Any]], data: Any) -> list[AnswerKey]:
    """The keys ``data`` holds: one per entry of ``unique`` whose fields are all answered."""
    keys: list[AnswerKey] = []
    for index, entry in enumerate(unique):
        fields = tuple(str(f) for f in entry.get("fields") or ())
        values = tuple(value_at(data, f, _ABSENT) for f in fields)
        if fields and all(is_answered(v) for v in values):
            keys.append(AnswerKey(index, fields, values, key_digest(values)))
    return keys


def answers_text(key: AnswerKey, fields: dict[str, Field], root: dict[str, Any]) -> str:
    """The key's answers in words: "Fridge: Main fridge and Date: 2 March 2026"."""
    parts = []
    for pointer, value in zip(key.fields, key.values, strict=True):
        field = fields.get(pointer)
        title = field.title if field is not None else pointer.rsplit("/", 1)[-1]
        shown = format_value(field.schema, root, value) if field is not None else str(value)
        parts.append(f"{title}: {shown}")
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


def clash_message(
    unique: Sequence[dict[str, Any]],
    key: AnswerKey,
    fields: dict[str, Field],
    root: dict[str, Any],
    *,
    org_name: str,
    holder: str,
) -> str:
    """What a second record holding ``key`` is told: the definition's ``message`` when it
    has one, else one naming the answers and ``holder`` ("record 17", "row 2")."""
    declared = unique[key.index].get("message")
    if isinstance(declared, str) and declared.strip():
        return declared.strip()
    return (
        f"{holder[0].upper()}{holder[1:]} already has {answers_text(key, fields, root)}: "
        f"only one record of {org_name} may have the same answers to these questions"
    )
