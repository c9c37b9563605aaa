"""Date widgets: NHS day/month/year boxes and a ``datetime-local`` box in UK time."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wtforms import Form
from wtforms.fields import FormField, StringField

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.forms.field_base import MISSING, FieldType
from miniapps.core.records.format_limits import FORMAT_CHECKER

LOCAL_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$")
LOCAL_ZONE = ZoneInfo("Europe/London")


class DateParts(Form):
    """Day, month and year boxes of the NHS date input."""

    day = StringField("Day")
    month = StringField("Month")
    year = StringField("Year")


class DateType(FieldType):
    """An ISO ``YYYY-MM-DD`` date shown as day/month/year boxes."""

    name = "date"
    kinds = frozenset({"string"})

    def create_wtf_field(
        self, field: Field, ui: dict[str, Any], subform: type[Form] | None = None
    ) -> Any:
        return FormField(DateParts, field.title)

    def to_json(self, raw: Any, field: Field) -> Any:
        raw = raw or {}
        day, month, year = (str(raw.get(k) or "").strip() for k in ("day", "month", "year"))
        if not (day or month or year):
            return MISSING
        short = re.fullmatch(r"\d{1,2}", day) and re.fullmatch(r"\d{1,2}", month)
        if short and re.fullmatch(r"\d{4}", year):
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return f"{year}-{month}-{day}"  # not a date: kept so the error can say so

    def from_json(self, value: Any, field: Field) -> Any:
        if value is None or value is MISSING:
            return None
        parts = str(value).split("-")
        if len(parts) != 3:
            return {"day": "", "month": "", "year": str(value)}
        year, month, day = parts
        short = [str(int(p)) if p.isdigit() else p for p in (day, month)]
        return {"day": short[0], "month": short[1], "year": year}

    def formdata_pairs(self, name: str, raw: Any) -> list[tuple[str, str]]:
        raw = raw or {}
        return [(f"{name}-{k}", str(raw.get(k) or "")) for k in ("day", "month", "year")]


class DateTimeType(FieldType):
    """RFC 3339 date-time shown in a ``datetime-local`` box, in UK local time."""

    name = "datetime"
    kinds = frozenset({"string"})

    def to_json(self, raw: Any, field: Field) -> Any:
        text = super().to_json(raw, field)
        if text is MISSING or not LOCAL_DATETIME.match(text):
            return text
        try:
            local = datetime.fromisoformat(text).replace(tzinfo=LOCAL_ZONE)
        except ValueError:
            return text
        return local.isoformat()

    def from_json(self, value: Any, field: Field) -> Any:
        if not isinstance(value, str):
            return super().from_json(value, field)
        if not FORMAT_CHECKER.conforms(value, "date-time"):
            return value
        try:
            local = datetime.fromisoformat(value.replace("z", "Z")).astimezone(LOCAL_ZONE)
        except (ValueError, OverflowError):
            return value
        return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")
