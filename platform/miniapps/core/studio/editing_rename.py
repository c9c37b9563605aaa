"""Renaming a question's stored name (its machine name, the key its answers are kept
under), and every place that names it: ``required``, ``ui.fields``, ``ui.order``,
``ui.sections``, conditions (``show_if``, workflow ``when``, widget ``where``), rules in
the schema, and pointers anywhere else (widgets, period, workflow, channels).

In a draft of a published app the records already stored use the old name: a top-level
rename also writes ``migration.rename`` (old → new, ``from_version`` the published
version) so they follow. The engine's migrations rename top-level fields only, so a
question inside a group or repeating section that was published keeps its name.
"""

from __future__ import annotations

import re
from typing import Any

from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.studio.editing_base import (
    RESERVED_NAMES,
    EditRefused,
    checked,
    copied,
    holder_at,
    label_of,
    locate,
    taken_names,
)
from miniapps.core.studio.editing_references import BRANCH_KEYWORDS, NESTED_KEYWORDS
from miniapps.core.studio.field_kinds import data_pattern

NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
# Conditions tested against the whole record (``show_if`` is handled with ``ui.fields``).
CONDITION_MEMBERS = frozenset({"when", "where", "urgent_when"})
SKIPPED = frozenset({"schema", "migration", "ui", "id", "title", "description", "version"})


def rename_field(
    definition: dict[str, Any],
    pointer: str,
    name: str,
    *,
    published: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The question at ``pointer`` stored under ``name`` from now on. ``published``: the
    latest published version of the app this draft changes (None for a new app)."""
    spot = locate(definition, pointer)
    title = label_of(spot.schema, spot.key)
    name = name.strip()
    if name == spot.key:
        return copied(definition)
    if not NAME.fullmatch(name):
        raise EditRefused(
            pointer,
            f"“{name}” cannot be the stored name of “{title}”: use lower-case letters a-z, "
            "digits and _, starting with a letter (at most 64 characters)",
        )
    if name in RESERVED_NAMES:
        raise EditRefused(pointer, f"“{name}” is kept for the platform's own use: choose another")
    if name in taken_names(spot.holder):
        raise EditRefused(pointer, f"another question here is already stored as “{name}”")
    old = spot.pointer
    new = pointer_join(spot.parent, name)
    migrate = published is not None and _was_published(published, old)
    if migrate and spot.parent:
        raise EditRefused(
            pointer,
            f"“{title}” is inside a group or repeating section of the published app: its "
            "stored answers cannot follow a new name (the platform's migrations rename "
            "top-level questions only), so it keeps its name",
        )
    edited = copied(definition)
    spot = locate(edited, pointer)
    spot.holder["properties"] = {
        (name if k == spot.key else k): v for k, v in spot.holder["properties"].items()
    }
    _rename_required(spot.holder, spot.key, name)
    _rename_rules(edited, old, name)
    _rename_ui(edited, old, spot.parent, spot.key, name)
    for key, value in list(edited.items()):
        if key not in SKIPPED:
            edited[key] = _rewrite(value, old, name, key)
    if published is not None and not spot.parent:
        _migration(edited, published, spot.key, name)
    return checked(definition, edited, new, None)


def _was_published(published: dict[str, Any], pointer: str) -> bool:
    try:
        locate(published, pointer)
    except EditRefused:
        return False
    return True


def _rename_required(holder: dict[str, Any], key: str, name: str) -> None:
    required = holder.get("required")
    if isinstance(required, list):
        holder["required"] = [name if k == key else k for k in required]
    dependent = holder.get("dependentRequired")
    if isinstance(dependent, dict):
        holder["dependentRequired"] = {
            (name if k == key else k): [name if x == key else x for x in v]
            if isinstance(v, list)
            else v
            for k, v in dependent.items()
        }


def _rename_rules(definition: dict[str, Any], old: str, name: str) -> None:
    """Rules written in the schema (``if``/``then``, ``allOf``...) of the objects above."""
    tokens = pointer_parts(old)
    for depth in range(len(tokens)):
        base = "".join(pointer_join("", t) for t in tokens[:depth])
        holder = holder_at(definition, base)
        if holder is None:
            continue
        rest = tokens[depth:]
        for keyword in NESTED_KEYWORDS:
            if isinstance(holder.get(keyword), dict):
                rename_in_condition(holder[keyword], rest, name)
        for keyword in BRANCH_KEYWORDS:
            for branch in holder.get(keyword) or []:
                rename_in_condition(branch, rest, name)


def rename_in_condition(condition: Any, tokens: list[str], name: str, depth: int = 0) -> None:
    """Rename, in place, the field at the relative path ``tokens`` of a condition (the
    ``show_if`` language) to ``name``."""
    if not isinstance(condition, dict) or not tokens or depth > 30:
        return
    head, rest = tokens[0], tokens[1:]
    properties = condition.get("properties")
    if isinstance(properties, dict) and head in properties:
        if rest:
            sub = properties[head]
            if rest[0] == "-" and isinstance(sub, dict):
                for keyword in ("items", "contains"):
                    rename_in_condition(sub.get(keyword), rest[1:], name, depth + 1)
            else:
                rename_in_condition(sub, rest, name, depth + 1)
        else:
            condition["properties"] = {(name if k == head else k): v for k, v in properties.items()}
    if not rest:
        if isinstance(condition.get("required"), list):
            condition["required"] = [name if k == head else k for k in condition["required"]]
        dependent = condition.get("dependentRequired")
        if isinstance(dependent, dict) and head in dependent:
            condition["dependentRequired"] = {
                (name if k == head else k): v for k, v in dependent.items()
            }
    for keyword in BRANCH_KEYWORDS:
        for branch in condition.get(keyword) or []:
            rename_in_condition(branch, tokens, name, depth + 1)
    for keyword in NESTED_KEYWORDS:
        rename_in_condition(condition.get(keyword), tokens, name, depth + 1)


def _renamed_pointer(text: str, old: str, name: str) -> str:
    """``text`` (a pointer) with the field ``old`` (or a field inside it) renamed."""
    if not text.startswith("/"):
        return text
    parts, wanted = text.split("/"), old.split("/")
    if len(parts) < len(wanted):
        return text
    if [data_pattern(p) for p in parts[: len(wanted)]] != wanted:
        return text
    parts[len(wanted) - 1] = name
    return "/".join(parts)


def _rename_ui(definition: dict[str, Any], old: str, parent: str, key: str, name: str) -> None:
    ui = definition.get("ui")
    if not isinstance(ui, dict):
        return
    fields = ui.get("fields")
    if isinstance(fields, dict):
        renamed: dict[str, Any] = {}
        for entry_key, entry in fields.items():
            entry = _rewrite(entry, old, name, "")
            if isinstance(entry, dict) and "show_if" in entry:
                base = _parent(entry_key)
                if (old + "/").startswith(base + "/") if base else True:
                    rename_in_condition(entry["show_if"], pointer_parts(old[len(base) :]), name)
            renamed[_renamed_pointer(entry_key, old, name)] = entry
        ui["fields"] = renamed
    for listed in [ui.get("order"), *[s.get("fields") for s in _sections(ui)]]:
        if isinstance(listed, list):
            listed[:] = [_listed(e, old, parent, key, name) for e in listed]
    for member, value in list(ui.items()):
        if member not in ("fields", "order", "sections"):
            ui[member] = _rewrite(value, old, name, member)


def _sections(ui: dict[str, Any]) -> list[dict[str, Any]]:
    sections = ui.get("sections")
    return [s for s in sections if isinstance(s, dict)] if isinstance(sections, list) else []


def _listed(entry: Any, old: str, parent: str, key: str, name: str) -> Any:
    if not isinstance(entry, str):
        return entry
    if not entry.startswith("/"):
        return name if not parent and entry == key else entry
    return _renamed_pointer(entry, old, name)


def _parent(pointer: str) -> str:
    pattern = data_pattern(pointer)
    return pattern[: pattern.rfind("/")] if "/" in pattern else ""


def _rewrite(value: Any, old: str, name: str, member: str) -> Any:
    """``value`` with every pointer string naming the field renamed; conditions tested
    against the whole record (``when``, ``where``) renamed too."""
    if isinstance(value, str):
        return _renamed_pointer(value, old, name)
    if isinstance(value, list):
        return [_rewrite(v, old, name, member) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in CONDITION_MEMBERS and isinstance(item, dict):
            item = copied(item)
            rename_in_condition(item, pointer_parts(old), name)
            out[key] = item
        elif key == "item_where" and isinstance(item, dict):  # about the items of "field"
            item = copied(item)
            base = data_pattern(str(value.get("field") or "")) + "/-"
            if (old + "/").startswith(base + "/"):
                rename_in_condition(item, pointer_parts(old[len(base) :]), name)
            out[key] = item
        elif key == "show_if":
            out[key] = item
        else:
            out[key] = _rewrite(item, old, name, key)
    return out


def _migration(edited: dict[str, Any], published: dict[str, Any], key: str, name: str) -> None:
    """``migration.rename`` so that stored answers of the published field follow."""
    found = edited.get("migration")
    migration: dict[str, Any] = found if isinstance(found, dict) else {}
    rename = migration.get("rename") if isinstance(migration.get("rename"), dict) else {}
    rename = dict(rename or {})
    origin = next((k for k, v in rename.items() if v == key), None)
    if origin is None and not _was_published(published, f"/{key}"):
        return  # a question new in this draft: no stored answers to carry
    origin = origin or key
    if origin == name:
        rename.pop(origin, None)
    else:
        rename[origin] = name
    for member in ("map_values", "defaults"):
        table = migration.get(member)
        if isinstance(table, dict) and key in table:
            migration[member] = {(name if k == key else k): v for k, v in table.items()}
    if rename:
        migration["rename"] = rename
    else:
        migration.pop("rename", None)
    migration["from_version"] = published.get("version", migration.get("from_version"))
    if set(migration) == {"from_version"}:
        edited.pop("migration", None)
    else:
        edited["migration"] = migration
