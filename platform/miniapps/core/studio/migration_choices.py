"""Choosing how stored records are carried into a new version, without writing JSON.

:func:`suggest_choices` compares the published definition with the new one and offers
what the engine's ``migration`` member can do: a removed question and an added one of
the same kind → *rename* (carry the answers over); a removed choice → *map_value* (its
stored answers become a remaining choice); a newly required question → *default* (a
value for the records without one). The person picks (or leaves) each, and
:func:`apply_choices` writes the ``migration`` member: ``from_version``, ``rename``,
``map_values``, ``defaults``. Only top-level questions can be migrated (as the engine's
migration works).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.core.studio.editing_base import EditRefused, copied
from miniapps.core.studio.field_kinds import kind_of

ChoiceKind = Literal["rename", "map_value", "default"]


@dataclass(frozen=True)
class MigrationChoice:
    """One way to carry stored records forward.

    - ``rename``: ``field`` is the removed question's key, ``new`` the added question's
      key its answers move to (None: do not rename), ``options`` the candidates.
    - ``map_value``: ``field`` is the question's key (in the new version), ``old`` the
      removed stored value, ``new`` the value stored instead (None: leave it),
      ``options`` the remaining choices.
    - ``default``: ``field`` is the newly required question's key, ``new`` the value
      records without an answer get (None: none), ``options`` its choices, if any.

    ``sentence`` says it in words for the page; ``options`` are ``(value, label)``.
    """

    kind: ChoiceKind
    field: str
    sentence: str
    old: Any = None
    new: Any = None
    options: tuple[tuple[Any, str], ...] = ()
    field_kind: str | None = None  # the studio kind of the question (for the input)

    def chosen(self, value: Any) -> MigrationChoice:
        """This choice with ``new`` set to ``value``."""
        return replace(self, new=value)


def _top_fields(definition: dict[str, Any]) -> dict[str, Field]:
    schema = definition.get("schema") if isinstance(definition.get("schema"), dict) else {}
    try:
        return {f.key: f for f in iter_fields(schema or {}) if f.parent == ""}
    except (TypeError, AttributeError, KeyError, IndexError):  # broken in the JSON tab
        return {}


def _label(field: Field) -> str:
    return field.title


def _kind(definition: dict[str, Any], field: Field) -> str:
    return kind_of(definition, field.pointer) or field.kind


def _migration(definition: dict[str, Any]) -> dict[str, Any]:
    """The new version's migration, keeping only members of the right shape."""
    found = definition.get("migration")
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(v, dict) or k == "from_version"}


def value_key(value: Any) -> str:
    """How ``map_values`` names a stored value: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def suggest_choices(old: dict[str, Any], new: dict[str, Any]) -> list[MigrationChoice]:
    """The migration choices worth offering between the published ``old`` and ``new``,
    with what ``new``'s own ``migration`` already says chosen."""
    before, after = _top_fields(old), _top_fields(new)
    existing = _migration(new)
    renamed: dict[str, str] = {
        k: v for k, v in (existing.get("rename") or {}).items() if isinstance(v, str)
    }
    removed = [k for k in before if k not in after]
    added = [k for k in after if k not in before]
    suggestions = []
    for key in removed:
        field = before[key]
        kind = _kind(old, field)
        candidates = [k for k in added if _kind(new, after[k]) == kind]
        if not candidates:
            continue
        same_label = [k for k in candidates if after[k].title.casefold() == field.title.casefold()]
        pick = None
        if renamed.get(key) in candidates:
            pick = renamed[key]
        elif same_label or len(candidates) == 1:
            pick = (same_label or candidates)[0]
        suggestions.append(
            MigrationChoice(
                "rename",
                key,
                f"The question “{field.title}” was removed: move its answers to another question?",
                new=pick,
                options=tuple((k, after[k].title) for k in candidates),
                field_kind=kind,
            )
        )
    suggestions += _value_maps(old, new, before, after, renamed, existing)
    suggestions += _defaults(new, before, after, renamed, existing)
    return suggestions


def _value_maps(
    old: dict[str, Any],
    new: dict[str, Any],
    before: dict[str, Field],
    after: dict[str, Field],
    renamed: dict[str, str],
    existing: dict[str, Any],
) -> list[MigrationChoice]:
    found = []
    for old_key, old_field in before.items():
        key = renamed.get(old_key, old_key)
        if key not in after or old_field.kind not in ("enum", "multi_enum"):
            continue
        field = after[key]
        remaining = field.choices if field.kind in ("enum", "multi_enum") else []
        values = {value_key(v) for v, _ in remaining}
        mapped = (existing.get("map_values") or {}).get(key) or {}
        for value, text in old_field.choices:
            if value_key(value) in values:
                continue
            same = [v for v, t in remaining if t.casefold() == text.casefold()]
            pick = mapped.get(value_key(value), same[0] if same else None)
            found.append(
                MigrationChoice(
                    "map_value",
                    key,
                    f"The choice “{text}” of “{field.title}” was removed: what should "
                    "stored answers become?",
                    old=value,
                    new=pick,
                    options=tuple(remaining),
                    field_kind=_kind(new, field),
                )
            )
    return found


def _defaults(
    new: dict[str, Any],
    before: dict[str, Field],
    after: dict[str, Field],
    renamed: dict[str, str],
    existing: dict[str, Any],
) -> list[MigrationChoice]:
    found = []
    was_required = {renamed.get(k, k) for k, f in before.items() if f.required}
    defaults = existing.get("defaults") or {}
    for key, field in after.items():
        if not field.required or key in was_required or "default" in field.schema:
            continue
        found.append(
            MigrationChoice(
                "default",
                key,
                f"“{field.title}” is now required: what should records without an answer hold?",
                new=defaults.get(key),
                options=tuple(field.choices) if field.kind == "enum" else (),
                field_kind=_kind(new, field),
            )
        )
    return found


def default_value(definition: dict[str, Any], field: str, text: str) -> Any:
    """The typed value of ``text`` typed for the top-level question ``field`` (a number
    for a number question, true/false for yes/no, a choice's stored value); refused
    with the reason at the field when it does not fit."""
    found = _top_fields(definition).get(field)
    pointer = f"/{field}"
    if found is None:
        raise EditRefused(pointer, f"there is no question '{field}'")
    text = text.strip()
    kind = _kind(definition, found)
    if not text:
        raise EditRefused(pointer, f"give the value for “{found.title}”")
    try:
        if kind == "whole_number":
            return int(text.replace(",", ""))
        if kind == "number":
            number = float(text.replace(",", ""))
            return int(number) if number.is_integer() else number
    except ValueError as exc:
        raise EditRefused(pointer, f"“{found.title}” needs a number, not “{text}”") from exc
    if kind == "yes_no":
        answers = {"yes": True, "true": True, "no": False, "false": False}
        if text.casefold() not in answers:
            raise EditRefused(pointer, f"“{found.title}” is answered Yes or No")
        return answers[text.casefold()]
    if kind in ("date", "date_time"):
        try:
            (date.fromisoformat if kind == "date" else datetime.fromisoformat)(text)
        except ValueError as exc:
            raise EditRefused(pointer, f"“{found.title}” needs a date like 2026-04-01") from exc
    if found.kind == "enum":
        for value, label in found.choices:
            if text in (value_key(value), label):
                return value
        raise EditRefused(pointer, f"“{text}” is not a choice of “{found.title}”")
    return text


def apply_choices(
    new: dict[str, Any], old_version: int, chosen: list[MigrationChoice]
) -> dict[str, Any]:
    """``new`` with its ``migration`` member written from the ``chosen`` choices (those
    whose ``new`` is None are left out) for records of ``old_version``; no choice left:
    no ``migration``. Refused when a choice names a question or value ``new`` lacks."""
    edited = copied(new)
    after = _top_fields(new)
    rename: dict[str, str] = {}
    maps: dict[str, dict[str, Any]] = {}
    defaults: dict[str, Any] = {}
    for choice in chosen:
        if choice.new is None:
            continue
        target = choice.new if choice.kind == "rename" else choice.field
        if not isinstance(target, str) or target not in after:
            raise EditRefused("/migration", f"there is no question '{target}' in the new version")
        if choice.kind == "rename":
            rename[choice.field] = target
        elif choice.kind == "map_value":
            values = [value_key(v) for v, _ in after[target].choices]
            if value_key(choice.new) not in values:
                raise EditRefused(
                    f"/{target}", f"{choice.new!r} is not a choice of “{after[target].title}”"
                )
            maps.setdefault(target, {})[value_key(choice.old)] = choice.new
        else:
            defaults[target] = choice.new
    if not (rename or maps or defaults):
        edited.pop("migration", None)
        return edited
    migration: dict[str, Any] = {"from_version": old_version}
    if rename:
        migration["rename"] = rename
    if maps:
        migration["map_values"] = maps
    if defaults:
        migration["defaults"] = defaults
    edited["migration"] = migration
    return edited
