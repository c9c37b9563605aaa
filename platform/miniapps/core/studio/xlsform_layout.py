"""Where converted XLSForm questions go: record or repeat item, section, ``ui.fields``.

Top-level groups become ``ui.sections`` (a nested group's questions join its section);
a repeat becomes an array of objects with the ``repeat`` widget. A group's ``relevant``
is added to the ``show_if`` of every question in it, within the same record or item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from miniapps.core.studio.xlsform_conditions import Question


@dataclass
class Scope:
    """The object questions are added to: the record (prefix "") or a repeat's item."""

    prefix: str
    properties: dict[str, Any]
    rows: dict[str, int] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    known: dict[str, Question] = field(default_factory=dict)
    conditions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Page:
    """A section of the form: a top-level group (title) or questions outside groups."""

    title: str | None
    names: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class _Frame:
    kind: str  # group | repeat
    name: str
    row: int
    conditions: int  # how many conditions this frame added to its scope
    item: dict[str, Any] | None = None


class Builder:
    def __init__(self) -> None:
        self.record = Scope("", {})
        self.scopes = [self.record]
        self.frames: list[_Frame] = []
        self.fields: dict[str, dict[str, Any]] = {}
        self.pages: list[_Page] = []
        self.page_open = False

    def known(self) -> dict[str, Question]:
        return self.scopes[-1].known

    def open_frames(self) -> list[tuple[str, str, int]]:
        return [(frame.kind, frame.name, frame.row) for frame in self.frames]

    def conditions(self) -> int:
        """How many group conditions apply to a question added now."""
        return len(self.scopes[-1].conditions)

    def describe(self, text: str, *, filled: bool) -> bool:
        """Add ``text`` to the description of the open top-level group's section (one
        with questions already, when ``filled``); whether there was such a section."""
        if not (self.page_open and len(self.frames) == 1) or (filled and not self.pages[-1].names):
            return False
        page = self.pages[-1]
        page.description = "\n\n".join(t for t in (page.description, text) if t)
        return True

    def open(
        self,
        kind: str,
        name: str,
        label: str,
        row: int,
        condition: dict[str, Any] | None,
        required: bool = False,
        intro: str = "",
    ) -> str | None:
        """Begin a group or repeat; a problem (duplicate name) or None."""
        scope = self.scopes[-1]
        if kind == "group":
            added = 1 if condition else 0
            if condition:
                scope.conditions.append(condition)
            if not self.frames:
                self.pages.append(_Page(label))
                self.page_open = True
            self.frames.append(_Frame("group", name, row, added))
            return None
        item: dict[str, Any] = {"type": "object", "title": label, "properties": {}}
        prop: dict[str, Any] = {"type": "array", "title": label, "items": item}
        if required:
            prop["minItems"] = 1
        ui = {"widget": "repeat", **({"intro": intro} if intro else {})}
        problem = (
            self.add(name, prop, Question("repeat"), row, required, ui, condition) if name else None
        )
        self.frames.append(_Frame("repeat", name, row, 0, item))
        self.scopes.append(Scope(f"{scope.prefix}/{name}/-", item["properties"]))
        return problem

    def close(self, kind: str, row: int) -> str | None:
        """End the innermost group or repeat; a problem when it does not match."""
        if not self.frames:
            return f"end_{kind} has no begin_{kind} before it"
        frame = self.frames[-1]
        if frame.kind != kind:
            opened = f"begin_{frame.kind} '{frame.name}' (row {frame.row})"
            return f"end_{kind} found, but {opened} is still open"
        self.frames.pop()
        if kind == "repeat":
            scope = self.scopes.pop()
            if scope.required and frame.item is not None:
                frame.item["required"] = scope.required
        else:
            del self.scopes[-1].conditions[len(self.scopes[-1].conditions) - frame.conditions :]
        if not self.frames:
            self.page_open = False
        return None

    def add(
        self,
        name: str,
        prop: dict[str, Any],
        question: Question,
        row: int,
        required: bool,
        ui: dict[str, Any],
        condition: dict[str, Any] | None,
    ) -> str | None:
        """Add a question to the innermost record or item; a problem (duplicate) or None."""
        scope = self.scopes[-1]
        if name in scope.properties:
            return f"'{name}' is used twice (rows {scope.rows[name]} and {row}) in the same " + (
                "record" if scope is self.record else "repeat"
            )
        scope.properties[name] = prop
        scope.rows[name] = row
        if question.kind != "repeat":
            scope.known[name] = question
        if required:
            scope.required.append(name)
        conditions = [*scope.conditions, *([condition] if condition else [])]
        if conditions:
            ui = {**ui, "show_if": conditions[0] if len(conditions) == 1 else {"allOf": conditions}}
        if ui:
            self.fields[f"{scope.prefix}/{name}"] = ui
        if scope is self.record:
            if self.page_open or (self.pages and self.pages[-1].title is None):
                self.pages[-1].names.append(name)
            else:
                self.pages.append(_Page(None, [name]))
        return None

    def result(self, form_title: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The record schema and the ``ui`` member (empty when there is nothing to say)."""
        schema: dict[str, Any] = {"type": "object", "properties": self.record.properties}
        if self.record.required:
            schema["required"] = self.record.required
        ui: dict[str, Any] = {}
        if any(page.title is not None for page in self.pages):
            ui["sections"] = [
                {
                    "title": page.title or (form_title if index == 0 else "More questions"),
                    **({"description": page.description} if page.description else {}),
                    "fields": page.names,
                }
                for index, page in enumerate(self.pages)
                if page.names
            ]
        if self.fields:
            ui["fields"] = self.fields
        return schema, ui
