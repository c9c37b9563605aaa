"""The order a form shows its fields in: ``ui.order`` first, then each section's fields
in its listed order, then every other field in declaration order. The form compiler
lays fields out by it, and the semantic pass checks that a condition only reads a
question shown before the one it hides (:mod:`miniapps.core.definitions.name_checks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from miniapps.core.definitions.context import normalise
from miniapps.core.definitions.schema_fields import Field
from miniapps.core.pointers import pointer_join


def form_rank(ui: dict[str, Any], fields: Sequence[Field]) -> dict[str, int]:
    """Each field's pointer → its place in the form (compare siblings only)."""
    order: list[str] = []
    entries = list(ui.get("order") or [])
    for section in ui.get("sections") or []:
        if isinstance(section, dict):
            entries.extend(section.get("fields") or [])
    for entry in entries:
        order.append(entry if str(entry).startswith("/") else pointer_join("", entry))
    position = {normalise(p): i for i, p in reversed(list(enumerate(order)))}
    return {f.pointer: position.get(f.pointer, len(order) + i) for i, f in enumerate(fields)}
