"""The editor's view of a definition: its fields as an indented list in the order the
form shows them (the order :func:`~miniapps.core.studio.editing.move_field` changes),
each with its kind in words, its place among its siblings, its section and condition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.core.studio.editing import condition_sentence
from miniapps.core.studio.editing_order import sibling_order
from miniapps.core.studio.field_kinds import FIELD_KINDS, kind_of

CONTAINER_KINDS = ("group", "repeat")


@dataclass(frozen=True)
class FieldRow:
    pointer: str
    key: str
    label: str
    kind: str | None  # a FIELD_KINDS id; None: edited in the JSON tab only
    kind_label: str
    depth: int
    position: int  # among its siblings
    siblings: int
    required: bool
    condition: str | None
    section: str | None

    @property
    def anchor(self) -> str:
        return "field-" + "".join(c if c.isalnum() else "-" for c in self.pointer.strip("/"))


def _schema(definition: dict[str, Any]) -> dict[str, Any]:
    schema = definition.get("schema")
    return schema if isinstance(schema, dict) else {}


def fields_of(definition: dict[str, Any]) -> list[Field]:
    """Every field of the draft's schema (none when the schema cannot be walked)."""
    try:
        return list(iter_fields(_schema(definition)))
    except (TypeError, AttributeError, KeyError):  # a half-written schema from the JSON tab
        return []


def _section_titles(definition: dict[str, Any]) -> dict[str, str]:
    ui = definition.get("ui")
    titles: dict[str, str] = {}
    for section in (ui.get("sections") or []) if isinstance(ui, dict) else []:
        if isinstance(section, dict):
            for entry in section.get("fields") or []:
                pointer = entry if str(entry).startswith("/") else f"/{entry}"
                titles[str(pointer)] = str(section.get("title") or "")
    return titles


def _shown_order(definition: dict[str, Any], fields: list[Field]) -> list[Field]:
    """``fields`` depth first, each object's children in the order the form shows them
    (fields declared only in a condition's branch last)."""
    children: dict[str, list[Field]] = {}
    for field in fields:
        children.setdefault(field.parent, []).append(field)
    ordered: list[Field] = []

    def visit(parent: str) -> None:
        keys = sibling_order(definition, parent)
        rank = {key: i for i, key in enumerate(keys)}
        below = children.get(parent, [])
        for field in sorted(below, key=lambda f: (rank.get(f.key, len(keys)), below.index(f))):
            ordered.append(field)
            visit(field.pointer + ("/-" if field.kind == "repeat" else ""))

    visit("")
    return ordered


def field_rows(definition: dict[str, Any]) -> list[FieldRow]:
    fields = _shown_order(definition, fields_of(definition))
    by_parent: dict[str, list[str]] = {}
    for field in fields:
        by_parent.setdefault(field.parent, []).append(field.pointer)
    sections = _section_titles(definition)
    rows = []
    for field in fields:
        kind = kind_of(definition, field.pointer)
        siblings = by_parent[field.parent]
        rows.append(
            FieldRow(
                pointer=field.pointer,
                key=field.key,
                label=field.title,
                kind=kind,
                kind_label=FIELD_KINDS[kind].label if kind in FIELD_KINDS else "Written in JSON",
                depth=len([p for p in field.pointer.split("/")[1:] if p != "-"]) - 1,
                position=siblings.index(field.pointer),
                siblings=len(siblings),
                required=field.required,
                condition=condition_sentence(definition, field.pointer),
                section=sections.get(field.pointer),
            )
        )
    return rows


def containers(definition: dict[str, Any]) -> list[tuple[str, str]]:
    """Groups and repeating sections a field can be added to: (pointer, label)."""
    return [
        (row.pointer, row.label) for row in field_rows(definition) if row.kind in CONTAINER_KINDS
    ]


def find_row(definition: dict[str, Any], pointer: str) -> FieldRow | None:
    for row in field_rows(definition):
        if row.pointer == pointer:
            return row
    return None
