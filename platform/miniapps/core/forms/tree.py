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


def walk_nodes(nodes: list[BoundNode]) -> Iterator[BoundNode]:
    for b in nodes:
        yield b
        yield from walk_nodes(b.children)
        for item in b.items:
            yield from walk_nodes(item)


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
