"""The bound node tree: each compiled node with its WTForms field and concrete pointer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from miniapps.core.forms.compiler import FormNode
from miniapps.core.forms.fields import MISSING
from miniapps.core.pointers import pointer_join


@dataclass
class BoundNode:
    """A form node bound to its WTForms field, at a concrete pointer (with item indices)."""

    node: FormNode
    wtf: Any
    pointer: str
    children: list[BoundNode] = field(default_factory=list)  # fieldset members
    items: list[list[BoundNode]] = field(default_factory=list)  # repeat items

    @property
    def widget(self) -> str:
        return self.node.widget_name

    def input_id(self) -> str:
        """The id of the first input, for error summary links."""
        if self.widget == "date":
            return str(self.wtf.form["day"].id)
        if self.widget == "fieldset" and self.children:
            return self.children[0].input_id()
        if self.widget == "repeat":
            return (
                self.items[0][0].input_id()
                if self.items and self.items[0]
                else f"{self.wtf.id}-add"
            )
        return str(self.wtf.id)


def bind_nodes(nodes: tuple[FormNode, ...], form: Any, base: str) -> list[BoundNode]:
    bound = []
    for node in nodes:
        wtf = form[node.name]
        pointer = pointer_join(base, node.field.key)
        b = BoundNode(node, wtf, pointer)
        if node.widget_name == "fieldset":
            b.children = bind_nodes(node.children, wtf.form, pointer)
        elif node.widget_name == "repeat":
            b.items = [
                bind_nodes(node.children, entry.form, pointer_join(pointer, i))
                for i, entry in enumerate(wtf.entries)
            ]
        bound.append(b)
    return bound


def blank_item(b: BoundNode) -> list[BoundNode]:
    """An empty item of the repeat ``b`` after its last one, for the page's
    ``<template>`` that "Add" clones in the browser (not part of the form)."""
    assert b.node.form_class is not None
    index = len(b.items)
    form = b.node.form_class(prefix=f"{b.wtf.name}-{index}-")
    return bind_nodes(b.node.children, form, pointer_join(b.pointer, index))


def walk_nodes(nodes: list[BoundNode]) -> Iterator[BoundNode]:
    for b in nodes:
        yield b
        yield from walk_nodes(b.children)
        for item in b.items:
            yield from walk_nodes(item)


def pad_repeats(
    nodes: tuple[FormNode, ...], data: Any, required: set[str], hidden: set[str], base: str = ""
) -> Any:
    """``data`` with each shown repeating section that must be answered now (required, or
    required by a condition that applies) holding at least its ``minItems`` items."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for node in nodes:
        pointer = pointer_join(base, node.field.key)
        value = out.get(node.field.key)
        if node.widget_name == "fieldset" and isinstance(value, dict):
            out[node.field.key] = pad_repeats(node.children, value, required, hidden, pointer)
        elif node.widget_name == "repeat" and pointer not in hidden:
            items = list(value) if isinstance(value, list) else []
            wanted = int(node.field.schema.get("minItems", 0) or 0)
            if node.field.required or pointer in required:
                items += [{} for _ in range(wanted - len(items))]
            out[node.field.key] = [
                pad_repeats(node.children, item, required, hidden, pointer_join(pointer, i))
                for i, item in enumerate(items)
            ]
            if not out[node.field.key] and node.field.key not in data:
                del out[node.field.key]
    return out


def form_data(nodes: tuple[FormNode, ...], data: Any) -> dict[str, Any]:
    """Stored JSON → the ``data=`` WTForms expects (nested dicts and lists)."""
    out: dict[str, Any] = {}
    data = data if isinstance(data, dict) else {}
    for node in nodes:
        value = data.get(node.field.key, MISSING)
        if node.widget_name == "fieldset":
            out[node.name] = form_data(node.children, value)
        elif node.widget_name == "repeat":
            items = value if isinstance(value, list) else []
            out[node.name] = [form_data(node.children, item) for item in items]
        elif value is not MISSING:
            out[node.name] = node.widget.from_json(value, node.field)
    return out
