"""Plausible values for one record, drawn from the app's JSON Schema (demo data).

Numbers fall within their bounds (and on their ``multipleOf``), enums come from
their choices, dates fall on the record's day (those still to come, ``x-not-past``,
within six months after it or today, whichever is later), strings come from a small
word list or are built from their ``pattern``. Fields naming other rows (an uploaded
file, a practice, a linked record: ``x-record-of``) are left for whoever stores the
record to fill in. Whatever a schema says that the
sampler does not understand (conditions, ``dependentRequired``) is fixed up by
re-validating and repairing the fields named in the issues; a record that
still fails is given up (None), never stored.
"""

from __future__ import annotations

import importlib
import random
import re
import string
import uuid
from datetime import date, timedelta
from typing import Any

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import enum_choices, field_kind, find_field, resolve
from miniapps.core.errors import Issue
from miniapps.core.forms.conditions import compile_rules, drop_hidden, evaluate
from miniapps.core.pointers import pointer_join, pointer_parts, value_at
from miniapps.core.records.schema_issues import validate_record_data

# Python's own regular-expression parser: private but stable since 3.11; failures fall back.
regex_parser: Any = importlib.import_module("re._parser")

WORDS = (
    "checked",
    "cleaned",
    "reviewed",
    "stock",
    "training",
    "audit",
    "policy",
    "clinic",
    "room",
    "team",
    "updated",
    "signed",
    "label",
    "supplier",
    "rota",
    "alarm",
    "reception",
    "dispensary",
    "leaflet",
    "waiting",
    "area",
    "log",
    "vaccine",
    "fridge",
    "thermometer",
    "sharps",
    "bin",
    "consent",
    "referral",
    "follow-up",
)
OPTIONAL_RATE = 0.8  # share of optional fields that get a value
YES_RATE = 0.85  # booleans are mostly "yes": compliance is usually good
REPAIR_ROUNDS = 3
PATTERN_POOL = string.ascii_letters + string.digits + " -_./"
CATEGORY_CHARS = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": string.ascii_letters,
    "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
    "CATEGORY_NOT_WORD": " -.",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": string.ascii_letters + string.digits,
}


def sample_record(
    definition: AppDefinition, rng: random.Random, day: date
) -> dict[str, Any] | None:
    """Data for one record about ``day`` that passes the app's schema, or None."""
    schema = definition.schema
    elsewhere = {
        pointer
        for pointer, ui in (definition.ui.get("fields") or {}).items()
        if isinstance(ui, dict) and ui.get("widget") in ("file", "organisation", "record")
    }
    sampler = Sampler(schema, rng, day, elsewhere)
    data: dict[str, Any] = sampler.value(schema, "")
    rules = compile_rules(schema, definition.ui)
    for _ in range(REPAIR_ROUNDS + 1):
        # What a condition hides is dropped on submission: never sampled, so the data
        # is what would be stored.
        data = drop_hidden(data, evaluate(rules, data))
        issues = validate_record_data(schema, data)
        if not issues:
            return data
        for issue in issues:
            sampler.repair(data, issue)
    return None


class Sampler:
    def __init__(self, root: dict[str, Any], rng: random.Random, day: date, skip: set[str]):
        self.root, self.rng, self.day, self.skip = root, rng, day, skip

    def value(self, schema: Any, pointer: str) -> Any:
        schema = resolve(schema, self.root)
        if not isinstance(schema, dict):
            return None
        if "const" in schema:
            return schema["const"]
        kind = field_kind(schema, self.root)
        if kind == "enum":
            return self.rng.choice(enum_choices(schema))[0]
        if kind == "boolean":
            return self.rng.random() < YES_RATE
        if kind in ("integer", "number"):
            return self.number(schema, kind == "integer")
        if kind == "object":
            return self.object(schema, pointer)
        if kind in ("multi_enum", "repeat", "array"):
            return self.array(schema, kind, pointer)
        return self.string(schema)

    def object(self, schema: dict[str, Any], pointer: str) -> dict[str, Any]:
        required = set(schema.get("required") or [])
        out: dict[str, Any] = {}
        for key, sub in (schema.get("properties") or {}).items():
            child = f"{pointer}/{key}"
            links = isinstance(sub, dict) and "x-record-of" in sub
            if child in self.skip or links:
                continue
            if key in required or self.rng.random() < OPTIONAL_RATE:
                out[key] = self.value(sub, child)
        num, den = out.get("numerator"), out.get("denominator")
        if isinstance(num, int | float) and isinstance(den, int | float) and num > den:
            out["numerator"], out["denominator"] = den, num  # achievement stays ≤ 100 %
        return out

    def array(self, schema: dict[str, Any], kind: str, pointer: str) -> list[Any]:
        items = resolve(schema.get("items", {}), self.root)
        low = int(schema.get("minItems", 1 if kind == "multi_enum" else 0))
        high = int(schema.get("maxItems", max(low, 3)))
        if kind == "multi_enum":
            choices = [value for value, _ in enum_choices(items)]
            count = self.rng.randint(min(low, len(choices)), min(high, len(choices), max(low, 3)))
            return [choices[i] for i in sorted(self.rng.sample(range(len(choices)), count))]
        count = self.rng.randint(max(low, 1), max(low, 1, min(high, 3)))
        values = [self.value(items, f"{pointer}/-") for _ in range(count)]
        if schema.get("uniqueItems"):
            values = [v for i, v in enumerate(values) if v not in values[:i]]
        return values

    def number(self, schema: dict[str, Any], integer: bool) -> int | float:
        step = schema.get("multipleOf") or (1 if integer else 0.1)
        low, high = schema.get("minimum"), schema.get("maximum")
        if "exclusiveMinimum" in schema:
            low = schema["exclusiveMinimum"] + step
        if "exclusiveMaximum" in schema:
            high = schema["exclusiveMaximum"] - step
        if low is None:
            low = 0 if high is None or high >= 100 else high - 100
        if high is None:
            high = low + 100
        first, last = -int(-low // step), int(high // step)  # ceil, floor
        if last < first:
            return low
        middle = round(self.rng.triangular(first, last))
        for offset in range(20):
            k = middle + (offset + 1) // 2 * (1 if offset % 2 else -1)
            if not first <= k <= last:
                continue
            if integer:
                return round(k * step)
            value = round(k * step, 6)
            # 0.7 / 0.1 is not a whole number in floating point: jsonschema would refuse it.
            if not schema.get("multipleOf") or (value / step).is_integer():
                return value
        return low

    def string(self, schema: dict[str, Any]) -> str:
        fmt, rng = schema.get("format"), self.rng
        day = self.day
        if schema.get("x-not-past") is True:  # still to come: checked against the clock
            day = max(day, date.today()) + timedelta(days=rng.randint(7, 180))
        if fmt == "date":
            return day.isoformat()
        if fmt == "date-time":
            return f"{day.isoformat()}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00Z"
        if fmt == "time":
            return f"{rng.randint(8, 17):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
        if fmt in ("email", "idn-email"):
            return f"{rng.choice(WORDS)}.team@example.nhs.uk"
        if fmt in ("uri", "iri", "uri-reference"):
            return f"https://www.example.org/demo/{rng.choice(WORDS)}"
        if fmt == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128)))
        if isinstance(schema.get("pattern"), str):
            text = pattern_text(schema["pattern"], rng)
            if text is not None:
                return text
        low, high = int(schema.get("minLength", 1)), int(schema.get("maxLength", 80))
        count = rng.randint(8, 20) if high > 200 else rng.randint(2, 5)
        text = " ".join(rng.choice(WORDS) for _ in range(count)).capitalize()
        while len(text) < low:
            text += " " + rng.choice(WORDS)
        return text[:high].rstrip() or text[:high]

    def repair(self, data: dict[str, Any], issue: Issue) -> None:
        """Fill a missing required field; drop an optional field whose value failed, else redraw."""
        if not issue.pointer:
            return
        field = find_field(self.root, issue.pointer)
        if field is not None and (issue.code == "required" or field.required):
            _place(data, issue.pointer, self.value(field.schema, field.pointer))
        else:
            _remove(data, issue.pointer)


def pattern_text(pattern: str, rng: random.Random) -> str | None:
    """A string matching a simple regular expression (classes, repeats, groups), or None."""
    try:
        text = _emit(regex_parser.parse(pattern), rng)
    except (re.error, ValueError, IndexError, TypeError):
        return None
    return text if re.search(pattern, text) else None


def _emit(items: Any, rng: random.Random) -> str:
    out: list[str] = []
    for op, arg in items:
        name = getattr(op, "name", str(op))
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(rng.choice([c for c in string.ascii_letters if c != chr(arg)]))
        elif name == "ANY":
            out.append(rng.choice(string.ascii_letters))
        elif name == "IN":
            out.append(rng.choice(_class_chars(arg)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            out += [_emit(sub, rng) for _ in range(rng.randint(low, min(high, low + 3)))]
        elif name == "SUBPATTERN":
            out.append(_emit(arg[-1], rng))
        elif name == "BRANCH":
            out.append(_emit(rng.choice(arg[1]), rng))
        elif name != "AT":
            raise ValueError(f"cannot sample {name}")
    return "".join(out)


def _class_chars(items: Any) -> str:
    chars, negate = "", False
    for op, arg in items:
        name = getattr(op, "name", str(op))
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars += chr(arg)
        elif name == "RANGE":
            chars += "".join(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 200) + 1))
        elif name == "CATEGORY":
            chars += CATEGORY_CHARS.get(getattr(arg, "name", str(arg)), "")
    return "".join(c for c in PATTERN_POOL if c not in chars) if negate else chars


def _parent(data: Any, pointer: str) -> tuple[Any, str]:
    """The value holding the member ``pointer`` names (None if there is none), and its key."""
    *parents, last = pointer_parts(pointer)
    return value_at(data, pointer_join("", *parents)), last


def _place(data: dict[str, Any], pointer: str, value: Any) -> None:
    found = _parent(data, pointer)
    if isinstance(found[0], dict):
        found[0][found[1]] = value
    elif isinstance(found[0], list) and found[1].isdigit():
        index = int(found[1])
        if index < len(found[0]):
            found[0][index] = value


def _remove(data: dict[str, Any], pointer: str) -> None:
    found = _parent(data, pointer)
    if isinstance(found[0], dict):
        found[0].pop(found[1], None)
    elif isinstance(found[0], list) and found[1].isdigit():
        index = int(found[1])
        if index < len(found[0]):
            del found[0][index]
