"""Field filters that restrict every widget of a dashboard to records with a given answer.

A filter names a field by its JSON pointer and one of its values as text: an enum's
value as written in the definition (``gp``, or ``2`` for a numeric choice) or ``true`` /
``false`` for a boolean. In URLs they are written ``f[/role]=gp``; several filters
must all hold. Only single-answer fields outside repeating sections can filter (an enum
or a boolean); anything else is refused with a message that names the pointer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_

from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.core.errors import DataInvalid, Issue
from miniapps.services.dashboards.widgets import BOOLEAN, NUMBER, STRING, WidgetQuery, choice_key

FILTER_POINTER = "/f"  # where filter problems are reported (the page's filter fieldset)


@dataclass(frozen=True)
class FieldFilter:
    """Records whose ``field`` holds ``value`` (a declared choice, or True/False)."""

    field: Field
    value: Any

    @property
    def text(self) -> str:
        return choice_key(self.value)

    def condition(self, query: WidgetQuery) -> ColumnElement[bool]:
        """The SQL condition on a record's data (typed: the string "2" is not the number 2)."""
        _, found = query.values(self.field)
        if isinstance(self.value, bool):
            return and_(found.kind == BOOLEAN, found.text == self.text)
        if isinstance(self.value, int | float):
            return and_(found.kind == NUMBER, found.number == self.value)
        return and_(found.kind == STRING, found.text == self.value)


def filterable_fields(schema: dict[str, Any]) -> list[Field]:
    """Fields a dashboard can be filtered by, in schema order."""
    fields = iter_fields(schema)
    return [f for f in fields if f.kind in ("enum", "boolean") and "/-" not in f.pointer]


def choices_of(field: Field) -> list[tuple[str, str]]:
    """(value as text, label) for each answer a filter on ``field`` accepts."""
    if field.kind == "boolean":
        return [("true", "Yes"), ("false", "No")]
    return [(choice_key(value), label) for value, label in field.choices]


def parse_filters(schema: dict[str, Any], raw: Mapping[str, str]) -> list[FieldFilter]:
    """Check ``{pointer: value}`` against the schema; raise :class:`DataInvalid` naming every
    unknown or unusable pointer and every value that is not one of the field's answers."""
    fields = {f.pointer: f for f in filterable_fields(schema)}
    everything = {f.pointer: f for f in iter_fields(schema)}
    found: list[FieldFilter] = []
    issues: list[Issue] = []
    for pointer, text in raw.items():
        field = fields.get(pointer)
        if field is None:
            reason = (
                f"You cannot filter by {pointer}: only single-choice and yes/no fields "
                "outside repeating sections can filter a dashboard"
                if pointer in everything
                else f"There is no field {pointer} to filter by"
            )
            issues.append(Issue(FILTER_POINTER, reason))
            continue
        values = {key: value for key, value in _answers(field)}
        if text not in values:
            allowed = ", ".join(key for key, _ in choices_of(field))
            issues.append(
                Issue(
                    FILTER_POINTER,
                    f"{text!r} is not an answer to {field.title} ({pointer}); use one of: "
                    f"{allowed}",
                )
            )
            continue
        found.append(FieldFilter(field, values[text]))
    if issues:
        raise DataInvalid(issues)
    return found


def _answers(field: Field) -> list[tuple[str, Any]]:
    if field.kind == "boolean":
        return [("true", True), ("false", False)]
    return [(choice_key(value), value) for value, _ in field.choices]
