"""A spreadsheet column's field: its machine name from the header, its type from the examples.

Types are tried from the narrowest: yes/no, whole number, number, date, date and time; a
column of text with few distinct values (2 to :data:`MAX_CHOICES`, some repeated)
becomes a choice, a column with long or multi-line values long text, anything else text.
Every accepted spelling is one the import reader converts (:mod:`miniapps.core.imports.cells`),
so the example rows import into the app they describe.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from miniapps.core.imports.cells import ISO_DATE, UK_DATE, cell_text

MAX_CHOICES = 10
MAX_CHOICE_LENGTH = 100
LONG_TEXT = 200  # a value longer than this (or on several lines) makes a long-text field
LONG_TEXT_LIMIT = 10_000
MAX_NAME = 60
YES_NO = frozenset({"yes", "no", "y", "n", "true", "false"})
WHOLE = re.compile(r"^[+-]?(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d{0,14}|0)$")
DECIMAL = re.compile(r"^[+-]?(?:(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*|0)(?:\.\d+)?|\.\d+)$")
ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2})?$")
WORDS = {"%": " percent ", "#": " number ", "&": " and ", "+": " plus "}


def field_names(headers: Sequence[str]) -> list[str]:
    """One machine name per header: ASCII snake_case, unique, never the text of another
    header (an import matches a header by name or title, either case)."""
    folded = [h.strip().casefold() for h in headers]
    used: set[str] = set()
    names = []
    for index, header in enumerate(headers):
        others = set(folded[:index] + folded[index + 1 :])
        base = snake_case(header) or f"column_{index + 1}"
        if not base[0].isalpha():
            base = f"field_{base}"
        name, suffix = base, 2
        while name in used or name in others:
            name, suffix = f"{base}_{suffix}", suffix + 1
        used.add(name)
        names.append(name)
    return names


def snake_case(text: str) -> str:
    """``Date of DBS check (UK)`` → ``date_of_dbs_check_uk``; at most :data:`MAX_NAME` long."""
    for sign, word in WORDS.items():
        text = text.replace(sign, word)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", ascii_text)
    name = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return name[:MAX_NAME].rstrip("_")


def field_schema(title: str, values: Sequence[Any]) -> dict[str, Any]:
    """The JSON Schema of a field titled ``title`` whose examples are ``values`` (non-empty
    cells: text from CSV, typed values from XLSX)."""
    schema: dict[str, Any] = {"title": title}
    if not values:
        return {"type": "string", **schema}
    if all(_is_yes_no(v) for v in values):
        return {"type": "boolean", **schema}
    if all(_is_whole(v) for v in values):
        return {"type": "integer", **schema}
    if all(_is_number(v) for v in values):
        return {"type": "number", **schema}
    if all(_is_date(v) for v in values):
        return {"type": "string", "format": "date", **schema}
    if all(_is_date_time(v) for v in values):
        return {"type": "string", "format": "date-time", **schema}
    texts = [cell_text(v) for v in values]
    if any("\n" in t or len(t) > LONG_TEXT for t in texts):
        longest = max(len(t) for t in texts)
        return {"type": "string", **schema, "maxLength": max(LONG_TEXT_LIMIT, longest)}
    choices = _choices(texts)
    if choices is not None:
        return {"type": "string", **schema, "enum": choices}
    return {"type": "string", **schema}


def kind_words(schema: dict[str, Any]) -> str:
    """The field's type in words, for the command's summary."""
    if "enum" in schema:
        return f"one of {len(schema['enum'])} choices"
    if schema.get("format") in ("date", "date-time"):
        return "date" if schema["format"] == "date" else "date and time"
    if "maxLength" in schema:
        return "long text"
    words = {"boolean": "yes/no", "integer": "whole number", "number": "number"}
    return words.get(schema["type"], "text")


def _choices(texts: list[str]) -> list[str] | None:
    distinct: dict[str, str] = {}
    for text in texts:
        distinct.setdefault(text.casefold(), text)
    if not 2 <= len(distinct) <= MAX_CHOICES or len(distinct) >= len(texts):
        return None
    if any(len(t) > MAX_CHOICE_LENGTH for t in distinct.values()):
        return None
    return list(distinct.values())


def _is_yes_no(value: Any) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in YES_NO)


def _is_whole(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer() and abs(value) < 1e15
    return isinstance(value, str) and WHOLE.match(value.strip()) is not None


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return math.isfinite(value)
    return isinstance(value, str) and DECIMAL.match(value.strip()) is not None


def _is_date(value: Any) -> bool:
    if isinstance(value, datetime):
        return value.time() == datetime.min.time() and value.tzinfo is None
    if isinstance(value, date):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    parts: tuple[str, ...]
    if match := UK_DATE.match(text):
        if match.group(4) is not None:
            return False
        parts = (match.group(3), match.group(2), match.group(1))
    elif iso := ISO_DATE.match(text):
        parts = iso.groups()
    else:
        return False
    return _real_date(*parts)


def _is_date_time(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    if (match := UK_DATE.match(text)) and match.group(4) is not None:
        day, month, year, hour, minute, second = match.groups()
        return _real_date(year, month, day) and _real_time(hour, minute, second)
    if ISO_DATE_TIME.match(text):
        day_part, time_part = re.split(r"[ T]", text, maxsplit=1)
        year, month, day = day_part.split("-")
        hour, minute, *second = time_part.split(":")
        return _real_date(year, month, day) and _real_time(hour, minute, *second)
    return False


def _real_date(year: str, month: str, day: str) -> bool:
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _real_time(hour: str, minute: str, second: str | None = None) -> bool:
    return int(hour) < 24 and int(minute) < 60 and int(second or 0) < 60
