"""What the semantic checks of a definition share: :class:`SemanticContext`.

Its own module so that the checks spread over several modules (``semantics``,
``member_checks``, :mod:`miniapps.core.indicators.source`) can all take it without
importing the pass that runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.errors import Issue
from miniapps.core.pointers import item_pattern


@dataclass
class SemanticContext:
    """The definition, its fields and the issues found so far by the semantic pass."""

    raw: dict[str, Any]
    source_dir: Path | None
    fields: dict[str, Field] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    schema_ok: bool = False

    def add(self, pointer: str, message: str, code: str = "invalid") -> None:
        self.issues.append(Issue(pointer, message, code))

    def find(self, pointer: str) -> Field | None:
        """The field at a data pointer; array indices may be numbers or ``-``."""
        return self.fields.get(normalise(pointer))


normalise = item_pattern  # ``/courses/0/name`` → ``/courses/-/name``


def schema_pointer(data_pointer: str) -> str:
    """Where a field is declared: ``/a/-/b`` → ``/schema/properties/a/items/properties/b``."""
    parts = ["items" if p == "-" else f"properties/{p}" for p in data_pointer.split("/")[1:]]
    return "/".join(["/schema", *parts])
