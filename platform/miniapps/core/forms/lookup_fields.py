"""Widgets whose options come from the database when the form is shown, not from the
schema: ``organisation`` (another practice of the user's PCN, value an ODS code) and
``record`` (a submitted record of the app an ``x-record-of`` field links to).

The form compiler stays pure: a :class:`LookupType` is a select with no options of its
own. Whoever shows the form (the web layer, through a service) gives the bound form the
options of each such field as :class:`LookupChoices` (``BoundForm.lookups``, keyed by
the field's pointer pattern); the renderer offers those. The value a browser posts is
checked by the service that stores it, like any other answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wtforms import Form
from wtforms.fields import SelectField

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.forms.field_base import MISSING, FieldType, parse_number


@dataclass(frozen=True)
class LookupChoices:
    """The options of one lookup field: ``(form value, label)`` pairs, the first (empty)
    option's text, and what to say when there are none."""

    items: list[tuple[str, str]] = field(default_factory=list)
    prompt: str = "Select an option"
    empty: str = "There is nothing to choose here yet."


class LookupType(FieldType):
    """A select whose options the form is given when it is shown."""

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        return SelectField(field.title, choices=[], validate_choice=False)


class OrganisationType(LookupType):
    """Another practice of the user's PCN; the value is its ODS code."""

    name = "organisation"
    kinds = frozenset({"string"})

    def fits(self, field: Field) -> bool:
        return field.kind == "string" and field.schema.get("format") is None


class RecordLinkType(LookupType):
    """A record of the app the field's ``x-record-of`` names; the value is its id."""

    name = "record"
    kinds = frozenset({"integer"})

    def fits(self, field: Field) -> bool:
        return field.kind == "integer" and isinstance(field.schema.get("x-record-of"), str)

    def to_json(self, raw: Any, field: Field) -> Any:
        text = super().to_json(raw, field)
        return text if text is MISSING else parse_number(text, True)


class PersonType(LookupType):
    """Someone holding a role at the record's organisation; the value is their email."""

    name = "person"
    kinds = frozenset({"string"})

    def fits(self, field: Field) -> bool:
        return field.kind == "string" and field.schema.get("format") in (None, "email")


LOOKUP_WIDGETS: tuple[type[LookupType], ...] = (OrganisationType, RecordLinkType, PersonType)
