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


def normalise(pointer: str) -> str:
    """``/courses/0/name`` → ``/courses/-/name``."""
    return "/".join("-" if part.isdigit() else part for part in pointer.split("/"))
