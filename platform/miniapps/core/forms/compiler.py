"""Compile a record schema (+ ``ui``) into a WTForms form class, without Flask.

``compile_form(schema, ui)`` walks the schema's fields (:func:`iter_fields`),
picks a widget for each (``ui.fields[ptr].widget`` or the kind's default, see
:data:`~miniapps.core.forms.fields.WIDGETS`), and builds a ``wtforms.Form``
subclass at runtime: nested objects are ``FormField`` s, repeating sections
``FieldList(FormField(...))`` (names like ``courses-0-name``). The result is
pure and cached by content, so callers may compile on every request.

``ui`` (all optional)::

    {"order": ["/reading", "/checked_by"],           # pointers (or top-level keys)
     "sections": [{"title": "Reading", "description": "...", "fields": ["/reading"]}],
     "fields": {"/reading": {"widget": "number", "help": "...", "label": "...",
                             "show_if": {...}, "accept": ["application/pdf", ".png"],
                             "max_bytes": 5242880, "rows": 8,
                             "intro": "Text shown above the question"}}}

Field pointers in ``ui.fields`` use ``-`` (or any index) for repeat items.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from wtforms import Form

from miniapps.core.bounded_cache import SealedCache
from miniapps.core.definitions.context import normalise
from miniapps.core.definitions.field_order import form_rank
from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.core.forms.conditions import compile_rules
from miniapps.core.forms.fields import WIDGETS, FieldType, default_widget
from miniapps.core.pointers import pointer_join

_RESERVED = frozenset(dir(Form)) | {"meta", "csrf_token"}
# Forms of sealed schemas and ui (stored versions, see services/definitions.py), by identity.
_BY_IDENTITY: SealedCache[CompiledForm] = SealedCache(128)


@dataclass(frozen=True)
class FormNode:
    """One field of the compiled form, with its widget and children (for containers)."""

    field: Field
    name: str  # the WTForms field name within its (sub)form
    widget: FieldType
    options: dict[str, Any]  # ui.fields[pointer]
    children: tuple[FormNode, ...] = ()
    form_class: type[Form] | None = None  # nested form of a fieldset or repeat item

    @property
    def widget_name(self) -> str:
        return self.widget.name


@dataclass(frozen=True)
class Section:
    title: str
    description: str
    names: tuple[str, ...]  # top-level node names in this section


class CompiledForm:
    """A compiled form: the WTForms class, the node tree and the condition rules.

    Bind it to a request with :func:`miniapps.core.forms.bound.bind_form`.
    """

    def __init__(
        self, schema: dict[str, Any], ui: dict[str, Any], nodes: tuple[FormNode, ...]
    ) -> None:
        self.schema = schema
        self.ui = ui
        self.nodes = nodes
        self.form_class = _form_class("RecordForm", nodes)
        self.rules = compile_rules(schema, ui)
        self.sections = _sections(ui, nodes)

    def defaults(self) -> dict[str, Any]:
        """Schema ``default`` values of top-level and nested fields, as record data."""
        return _defaults(self.nodes)


def compile_form(schema: dict[str, Any], ui: dict[str, Any] | None = None) -> CompiledForm:
    """Compile ``schema`` (+ ``ui``) into a :class:`CompiledForm` (cached by content).

    Raises :class:`DefinitionInvalid` when ``ui`` names an unknown widget or one
    that does not fit its field, or a condition the browser could not evaluate.
    """
    sealed = (schema, ui) if ui else (schema,)  # an absent ui is a new {} every time
    found = _BY_IDENTITY.get(sealed)
    if found is not None:
        return found
    return _BY_IDENTITY.put(sealed, _compile(json.dumps([schema, ui or {}], default=str)))


@lru_cache(maxsize=128)
def _compile(key: str) -> CompiledForm:
    schema, ui = json.loads(key)
    fields = list(iter_fields(schema))
    issues: list[Issue] = []
    nodes = _nodes(fields, "", ui, issues)
    if issues:
        raise DefinitionInvalid(issues)
    return CompiledForm(schema, ui, nodes)


def field_options(ui: dict[str, Any], pointer: str) -> dict[str, Any]:
    """``ui.fields`` options of the field at ``pointer`` (indices or ``-`` for items)."""
    wanted = normalise(pointer)
    for ptr, options in (ui.get("fields") or {}).items():
        if normalise(ptr) == wanted and isinstance(options, dict):
            return options
    return {}


def _nodes(
    fields: list[Field], parent: str, ui: dict[str, Any], issues: list[Issue]
) -> tuple[FormNode, ...]:
    rank = form_rank(ui, fields)
    mine = sorted((f for f in fields if f.parent == parent), key=lambda f: rank[f.pointer])
    used: set[str] = set()
    nodes = []
    for index, field in enumerate(mine):
        options = field_options(ui, field.pointer)
        widget_name = options.get("widget") or default_widget(field)
        where = pointer_join("/ui/fields", field.pointer) + "/widget"
        if widget_name not in WIDGETS:
            issues.append(Issue(where, f"There is no widget called “{widget_name}”", "widget"))
            continue
        widget = WIDGETS[widget_name]()
        if not widget.fits(field):
            message = f"The {widget_name} widget cannot show a {field.kind} field"
            issues.append(Issue(where, message, "widget"))
            continue
        name = _safe_name(field.key, index, used)
        children: tuple[FormNode, ...] = ()
        if field.kind == "object":
            children = _nodes(fields, field.pointer, ui, issues)
        elif field.kind == "repeat":
            children = _nodes(fields, pointer_join(field.pointer, "-"), ui, issues)
        form_class = (
            _form_class(f"{name.title()}Form", children)
            if widget_name
            in (
                "fieldset",
                "repeat",
            )
            else None
        )
        nodes.append(FormNode(field, name, widget, options, children, form_class))
    return tuple(nodes)


def _safe_name(key: str, index: int, used: set[str]) -> str:
    """A WTForms-safe field name: the key itself when possible (``reading``)."""
    name = key
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key) or key in _RESERVED:
        name = f"f{index}_" + re.sub(r"[^A-Za-z0-9_]", "_", key)
    while name in used or name in _RESERVED:
        name += "_"
    used.add(name)
    return name


def _form_class(class_name: str, nodes: tuple[FormNode, ...]) -> type[Form]:
    attrs = {
        node.name: node.widget.create_wtf_field(node.field, node.options, node.form_class)
        for node in nodes
    }
    return type(class_name, (Form,), attrs)


def _sections(ui: dict[str, Any], nodes: tuple[FormNode, ...]) -> tuple[Section, ...]:
    by_pointer = {n.field.pointer: n.name for n in nodes}
    sections = []
    placed: set[str] = set()
    for section in ui.get("sections") or []:
        names = []
        for entry in section.get("fields") or []:
            ptr = entry if str(entry).startswith("/") else pointer_join("", entry)
            if ptr in by_pointer and by_pointer[ptr] not in placed:
                names.append(by_pointer[ptr])
                placed.add(by_pointer[ptr])
        sections.append(
            Section(
                str(section.get("title", "")), str(section.get("description", "")), tuple(names)
            )
        )
    rest = tuple(n.name for n in nodes if n.name not in placed)
    if rest:
        sections.append(Section("", "", rest))
    return tuple(sections)


def _defaults(nodes: tuple[FormNode, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for node in nodes:
        if "default" in node.field.schema:
            data[node.field.key] = node.field.schema["default"]
        elif node.widget_name == "fieldset":
            nested = _defaults(node.children)
            if nested:
                data[node.field.key] = nested
    return data
