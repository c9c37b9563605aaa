"""Base of the widget registry: the :class:`FieldType` protocol and shared conversions.

Every :class:`FieldType` knows which field kinds it fits, builds an unbound
WTForms field, converts the submitted (raw) form value to typed JSON
(:data:`MISSING` for "not answered") and converts stored JSON back to a form
value. Raw text the user typed is kept when it cannot be converted (``"12a"``
in a number box stays ``"12a"``) so validation can say "Enter a number" and the
form can show it again.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Protocol

from wtforms import Form
from wtforms.fields import StringField

from miniapps.core.definitions.schema_fields import Field

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # not in types-WTForms 3.2
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


class _Missing:
    """Sentinel type: the field was left empty."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class FileStore(Protocol):
    """Where uploaded files go; the web layer provides one."""

    def save(self, file_storage: Any, field_pointer: str) -> str:
        """Store the upload and return a reference string kept in the record data."""
        ...


def choice_key(value: Any) -> str:
    """The form value of a choice: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def wtf_choices(pairs: list[tuple[str, str]]) -> list[Any]:
    """Choices in the shape the installed WTForms prefers."""
    if SelectChoice is None:  # pragma: no cover
        return pairs
    return [SelectChoice(value, label) for value, label in pairs]


def choice_map(field: Field) -> dict[str, Any]:
    """Form value → JSON value for an enum, multi_enum or boolean field."""
    if field.kind == "boolean":
        return {"true": True, "false": False}
    return {choice_key(value): value for value, _ in field.choices}


class FieldType:
    """One widget. Subclasses set ``name`` and ``kinds`` and override what differs."""

    name: ClassVar[str] = ""
    kinds: ClassVar[frozenset[str]] = frozenset()

    def fits(self, field: Field) -> bool:
        """Whether this widget can show ``field``."""
        return field.kind in self.kinds

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        """An unbound WTForms field (``subform`` is the nested form class of containers)."""
        return StringField(field.title)

    def to_json(self, raw: Any, field: Field) -> Any:
        """The typed JSON value of the submitted ``raw`` form value, or :data:`MISSING`."""
        if raw is None:
            return MISSING
        text = str(raw).strip()
        return text if text else MISSING

    def from_json(self, value: Any, field: Field) -> Any:
        """The form value that shows a stored JSON ``value``."""
        if value is None or value is MISSING:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def formdata_pairs(self, name: str, raw: Any) -> list[tuple[str, str]]:
        """What a browser posts for this field holding ``raw`` (used to simulate submits)."""
        return [(name, "" if raw is None else str(raw))]


def parse_number(text: str, integer: bool) -> Any:
    """``"12"`` → 12, ``"2.5"`` → 2.5, ``"3.0"`` → 3 for integers; anything else stays text."""
    if not NUMBER.match(text):
        return text
    try:
        return int(text)
    except ValueError:
        value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        return text
    return int(value) if integer and value.is_integer() else value
