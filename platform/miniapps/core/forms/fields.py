"""The widget registry: :data:`WIDGETS` maps each widget name to its :class:`FieldType`.

Widgets per kind by default (:func:`default_widget`): string → text (textarea when
``maxLength`` > 200), ``format`` date → date, date-time → datetime, email → email,
uri → url; enum → radios (select when more than 8 choices); boolean → Yes/No
radios; multi_enum → checkboxes; integer/number → number; object → fieldset;
array of objects → repeat; other arrays → textarea (one value per line).
``ui.fields[ptr].widget`` may choose another that fits (checkbox for a boolean,
file for a string, ...), including those whose options the database gives when the
form is shown (:mod:`miniapps.core.forms.lookup_fields`: organisation, record).
"""

from __future__ import annotations

from typing import Any

from wtforms import Form
from wtforms.fields import (
    BooleanField,
    FieldList,
    FileField,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)

from miniapps.core.definitions.schema_fields import Field, schema_type
from miniapps.core.forms.field_base import (
    DEFAULT_MAX_BYTES,
    MISSING,
    FieldType,
    FileStore,
    choice_key,
    choice_map,
    parse_number,
    wtf_choices,
)
from miniapps.core.forms.field_dates import DateParts, DateTimeType, DateType
from miniapps.core.forms.lookup_fields import LOOKUP_WIDGETS

__all__ = [
    "CONTAINERS",
    "DEFAULT_MAX_BYTES",
    "MISSING",
    "WIDGETS",
    "DateParts",
    "FieldType",
    "FileStore",
    "choice_key",
    "choice_map",
    "default_widget",
]


class TextType(FieldType):
    name = "text"
    kinds = frozenset({"string"})


class TextareaType(FieldType):
    """Long text; a free list of scalars (kind ``array``) is one value per line."""

    name = "textarea"
    kinds = frozenset({"string", "array"})

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        return TextAreaField(field.title)

    def to_json(self, raw: Any, field: Field) -> Any:
        if field.kind != "array":
            return super().to_json(raw, field)
        items = field.schema.get("items")
        if not isinstance(items, dict):
            items = {}
        lines = [line.strip() for line in str(raw or "").splitlines() if line.strip()]
        if schema_type(items) in ("integer", "number"):
            lines = [parse_number(line, schema_type(items) == "integer") for line in lines]
        return lines or MISSING

    def from_json(self, value: Any, field: Field) -> Any:
        if field.kind == "array" and isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return super().from_json(value, field)


class NumberType(FieldType):
    name = "number"
    kinds = frozenset({"integer", "number"})

    def to_json(self, raw: Any, field: Field) -> Any:
        text = super().to_json(raw, field)
        return text if text is MISSING else parse_number(text, field.kind == "integer")

    def from_json(self, value: Any, field: Field) -> Any:
        if isinstance(value, float):
            return repr(value)
        return super().from_json(value, field)


class EmailType(FieldType):
    name = "email"
    kinds = frozenset({"string"})


class UrlType(FieldType):
    name = "url"
    kinds = frozenset({"string"})


class RadiosType(FieldType):
    """One of a few choices; booleans are Yes/No radios so "not answered" stays visible."""

    name = "radios"
    kinds = frozenset({"enum", "boolean"})

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        choices = wtf_choices(self.choices(field))
        return RadioField(field.title, choices=choices, validate_choice=False)

    @staticmethod
    def choices(field: Field) -> list[tuple[str, str]]:
        if field.kind == "boolean":
            return [("true", "Yes"), ("false", "No")]
        return [(choice_key(value), label) for value, label in field.choices]

    def to_json(self, raw: Any, field: Field) -> Any:
        if raw is None or raw == "":
            return MISSING
        return choice_map(field).get(raw, raw)  # unknown values stay, and fail validation


class SelectType(RadiosType):
    name = "select"
    kinds = frozenset({"enum"})

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        choices = wtf_choices(self.choices(field))
        return SelectField(field.title, choices=choices, validate_choice=False)


class CheckboxesType(FieldType):
    name = "checkboxes"
    kinds = frozenset({"multi_enum"})

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        choices = wtf_choices([(choice_key(value), label) for value, label in field.choices])
        return SelectMultipleField(field.title, choices=choices, validate_choice=False)

    def to_json(self, raw: Any, field: Field) -> Any:
        mapping = choice_map(field)
        values = [mapping.get(item, item) for item in raw or [] if item != ""]
        return values or MISSING

    def from_json(self, value: Any, field: Field) -> Any:
        return [choice_key(v) for v in value] if isinstance(value, list) else None

    def formdata_pairs(self, name: str, raw: Any) -> list[tuple[str, str]]:
        return [(name, item) for item in raw or []]


class CheckboxType(FieldType):
    """A single "Yes" box: ticked is ``true``, unticked is not answered."""

    name = "checkbox"
    kinds = frozenset({"boolean"})

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        return BooleanField(field.title)

    def to_json(self, raw: Any, field: Field) -> Any:
        return True if raw else MISSING

    def from_json(self, value: Any, field: Field) -> Any:
        return value is True

    def formdata_pairs(self, name: str, raw: Any) -> list[tuple[str, str]]:
        return [(name, "y")] if raw else []


class FileType(FieldType):
    """A file attachment; the value is the reference the :class:`FileStore` returned."""

    name = "file"
    kinds = frozenset({"string"})

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        return FileField(field.title)

    def to_json(self, raw: Any, field: Field) -> Any:
        return raw if isinstance(raw, str) and raw else MISSING

    def from_json(self, value: Any, field: Field) -> Any:
        return value if isinstance(value, str) else None

    def formdata_pairs(self, name: str, raw: Any) -> list[tuple[str, str]]:
        return []


class FieldsetType(FieldType):
    name = "fieldset"
    kinds = frozenset({"object"})

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        assert subform is not None
        return FormField(subform, field.title)


class RepeatType(FieldType):
    name = "repeat"
    kinds = frozenset({"repeat"})

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        assert subform is not None
        # maxItems is not passed as max_entries: WTForms would silently drop the extra
        # items; validation says "Add no more than N" instead, and the add button stops.
        # No min_entries either: a section starts empty, and minItems is met only where it
        # applies now (tree.pad_repeats), so an optional or hidden section never shows an
        # empty item whose "(required)" labels read as demands.
        return FieldList(FormField(subform), field.title, min_entries=0)


_BUILT_IN: tuple[type[FieldType], ...] = (
    TextType, TextareaType, NumberType, DateType, DateTimeType, EmailType, UrlType,
    RadiosType, SelectType, CheckboxesType, CheckboxType, FileType, FieldsetType, RepeatType,
)  # fmt: skip
WIDGETS: dict[str, type[FieldType]] = {cls.name: cls for cls in (*_BUILT_IN, *LOOKUP_WIDGETS)}

CONTAINERS = frozenset({"fieldset", "repeat"})


def default_widget(field: Field) -> str:
    """The widget a field gets when ``ui`` does not choose one."""
    fmt = field.schema.get("format")
    if field.kind == "string":
        by_format = {"date": "date", "date-time": "datetime", "email": "email", "uri": "url"}
        if fmt in by_format:
            return by_format[fmt]
        return "textarea" if int(field.schema.get("maxLength", 0) or 0) > 200 else "text"
    if field.kind == "enum":
        return "select" if len(field.choices) > 8 else "radios"
    return {
        "integer": "number",
        "number": "number",
        "boolean": "radios",
        "multi_enum": "checkboxes",
        "object": "fieldset",
        "repeat": "repeat",
        "array": "textarea",
    }[field.kind]
