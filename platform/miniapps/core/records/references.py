"""Fields whose values name other rows: an organisation (an ODS code) or a record.

* ``subject`` (a top-level definition member) names the string field holding the ODS
  code of the organisation a record is about (a peer review of another practice of the
  writer's PCN), and any field shown with the ``organisation`` widget holds such a code;
* ``"x-record-of": "<app id>"`` on an integer field of the record schema makes it a link
  to one submitted record of that app at the same organisation (a significant event
  names the incident report it follows up), shown with the ``record`` widget.

Which values are right needs the database (the PCN's practices, the records held): the
checks are :mod:`miniapps.services.records.references`. Here are only what the
definition says and where the values are in a record's data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from miniapps.core.bounded_cache import SealedCache
from miniapps.core.definitions.context import normalise
from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.core.pointers import pattern_values

RECORD_OF = "x-record-of"
ORGANISATION_WIDGET = "organisation"
RECORD_WIDGET = "record"


@dataclass(frozen=True)
class Reference:
    """A field that names another row: ``target`` is ``"organisation"`` or an app id."""

    pattern: str  # the field's pointer in the schema (``-`` for repeat items)
    title: str
    target: str
    is_subject: bool = False


_BY_SEALED: SealedCache[tuple[Reference, ...]] = SealedCache(256)


def record_of(field: Field) -> str | None:
    """The app id an integer field links to (``x-record-of``), else None."""
    value = field.schema.get(RECORD_OF)
    return value if field.kind == "integer" and isinstance(value, str) and value else None


def references(
    schema: dict[str, Any], ui: dict[str, Any], subject: dict[str, Any] | None
) -> tuple[Reference, ...]:
    """Every field of the definition naming an organisation or a record. A sealed
    definition's (a stored version's) are found by its schema's and ui's identity; others
    by their content."""
    subject_key = json.dumps(subject, sort_keys=True)
    found = _BY_SEALED.get((schema, ui), subject_key)
    if found is None:
        key = json.dumps([schema, ui.get("fields") or {}, subject], sort_keys=True)
        found = _BY_SEALED.put((schema, ui), _references(key), subject_key)
    return found


@lru_cache(maxsize=256)
def _references(key: str) -> tuple[Reference, ...]:
    schema, ui_fields, subject = json.loads(key)
    subject_pointer = subject.get("field") if isinstance(subject, dict) else None
    widgets = {
        normalise(pointer): spec.get("widget")
        for pointer, spec in ui_fields.items()
        if isinstance(spec, dict)
    }
    found = []
    for field in iter_fields(schema):
        app_id = record_of(field)
        if app_id is not None:
            found.append(Reference(field.pointer, field.title, app_id))
        elif field.pointer == subject_pointer or (
            field.kind == "string" and widgets.get(field.pointer) == ORGANISATION_WIDGET
        ):
            is_subject = field.pointer == subject_pointer
            found.append(Reference(field.pointer, field.title, ORGANISATION_WIDGET, is_subject))
    return tuple(found)


def subject_code(data: Any, subject: dict[str, Any] | None) -> str | None:
    """The ODS code the record's subject field holds, or None."""
    if not isinstance(subject, dict):
        return None
    for _, value in pattern_values(data, str(subject.get("field", ""))):
        return value if isinstance(value, str) and value else None
    return None
