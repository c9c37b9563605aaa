"""The field page's forms to change a question's kind (``op`` ``change_kind`` on the
edit dispatcher) and its stored name (posted to the field page, which knows the
published version a rename must carry stored records from)."""

from __future__ import annotations

from typing import Any

from miniapps.core.studio import editing
from miniapps.core.studio.editing import EditRefused
from miniapps.core.studio.field_kinds import CONTAINER_KINDS, FIELD_KINDS
from miniapps.db import db
from miniapps.models.studio_draft import StudioDraft
from miniapps.services.definitions import latest_version
from miniapps.web.studio import tree
from miniapps.web.studio.ops import Edited, Form, op, required_text, text


def kind_choices(kind: str | None) -> list[tuple[str, str]]:
    """The kinds a question of ``kind`` may become (none for groups, repeating sections
    and questions written in JSON)."""
    if kind is None or kind in CONTAINER_KINDS:
        return []
    return [(k.id, k.label) for k in FIELD_KINDS.values() if k.id not in CONTAINER_KINDS]


def published_of(draft: StudioDraft) -> dict[str, Any] | None:
    """The published version a draft of an existing app changes (None for a new app)."""
    if draft.based_on_version is None or not draft.app_id:
        return None
    latest = latest_version(db.session, draft.app_id)
    return latest.definition if latest is not None else None


def _row(definition: dict[str, Any], form: Form) -> tree.FieldRow:
    pointer = text(form, "pointer")
    row = tree.find_row(definition, pointer)
    if row is None:
        raise EditRefused(pointer, "There is no such question in the draft (any more)")
    return row


@op("change_kind")
def change_kind(definition: dict[str, Any], form: Form) -> Edited:
    row = _row(definition, form)
    kind = text(form, "kind")
    if kind not in FIELD_KINDS:
        raise EditRefused(row.pointer, "Choose what kind of question it becomes")
    changed = editing.change_kind(definition, row.pointer, kind)
    words = FIELD_KINDS[kind].label.lower()
    return Edited(changed, f"“{row.label}” is now a {words} question", field=row.pointer)


def rename_from_form(
    definition: dict[str, Any], form: Form, published: dict[str, Any] | None
) -> Edited:
    """``rename_field`` with the posted ``name``; the field page goes to the new pointer."""
    row = _row(definition, form)
    name = required_text(form, "name", f"the name “{row.label}” is stored under", at=row.pointer)
    changed = editing.rename_field(definition, row.pointer, name, published=published)
    new_pointer = row.pointer[: row.pointer.rfind("/") + 1] + name
    found = tree.find_row(changed, new_pointer)
    return Edited(
        changed,
        f"“{row.label}” is now stored as “{name}”",
        field=found.pointer if found else row.pointer,
    )
