"""Property: data posted through the compiled form gets the same jsonschema verdict as the data.

Hypothesis builds record schemas (every supported kind, nesting, repeats, required,
bounds, enums, formats, an if/then) and data, valid or not, that a browser could
express (no empty strings or lists, no values of the wrong JSON type: a form cannot
post those). The data is serialised here, independently of the compiler, into the
MultiDict a browser would post; the form's typed JSON must then be valid exactly when
the data is.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from miniapps.core.forms import bind_form, compile_form, formdata_for
from miniapps.core.records.schema_issues import validate_record_data
from werkzeug.datastructures import MultiDict

KEYS = ["a", "b", "c", "d", "e", "f"]
WORDS = st.text(alphabet="abcxyzABC019 -", min_size=1, max_size=8).map(str.strip).filter(bool)
CHOICES = ["red", "green", "blue"]


@st.composite
def scalar_schema(draw: Any) -> dict:
    kind = draw(
        st.sampled_from(
            [
                "string",
                "date",
                "date-time",
                "email",
                "uri",
                "integer",
                "number",
                "boolean",
                "enum",
                "oneOf",
                "multi_enum",
            ]
        )
    )
    if kind == "string":
        schema: dict = {"type": "string"}
        if draw(st.booleans()):
            schema["minLength"] = draw(st.integers(1, 3))
        if draw(st.booleans()):
            schema["maxLength"] = draw(st.integers(3, 8))
        if draw(st.booleans()):
            schema["pattern"] = "^[a-z]+$"
        return schema
    if kind in ("date", "date-time", "email", "uri"):
        return {"type": "string", "format": kind}
    if kind in ("integer", "number"):
        schema = {"type": kind}
        if draw(st.booleans()):
            schema["minimum"] = draw(st.integers(-50, 0))
        if draw(st.booleans()):
            schema["maximum"] = draw(st.integers(1, 50))
        if kind == "number" and draw(st.booleans()):
            schema["multipleOf"] = 0.5
        return schema
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "enum":
        return {"type": "string", "enum": CHOICES}
    if kind == "oneOf":
        return {"oneOf": [{"const": 1, "title": "One"}, {"const": 2, "title": "Two"}]}
    schema = {"type": "array", "uniqueItems": True, "items": {"enum": CHOICES}}
    if draw(st.booleans()):
        schema["minItems"] = draw(st.integers(1, 2))
    if draw(st.booleans()):
        schema["maxItems"] = 2
    return schema


@st.composite
def object_schema(draw: Any, depth: int) -> dict:
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True))
    props: dict = {keys[0]: draw(scalar_schema())}  # at least one scalar: items are never empty
    for key in keys[1:]:
        choice = draw(st.integers(0, 5)) if depth < 2 else 0
        if choice == 4:
            props[key] = {"type": "object", **draw(object_schema(depth + 1))}
        elif choice == 5:
            props[key] = {
                "type": "array",
                "items": {"type": "object", **draw(object_schema(depth + 1))},
            }
            if draw(st.booleans()):
                props[key]["minItems"] = draw(st.integers(1, 2))
            if draw(st.booleans()):
                props[key]["maxItems"] = 2
        else:
            props[key] = draw(scalar_schema())
    required = draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys)))
    schema: dict = {"properties": props}
    if required:
        schema["required"] = required
    return schema


@st.composite
def record_schema(draw: Any) -> dict:
    schema = {"type": "object", **draw(object_schema(0))}
    if draw(st.booleans()):
        schema["properties"]["flag"] = {"type": "boolean"}
        schema["if"] = {"properties": {"flag": {"const": True}}, "required": ["flag"]}
        schema["then"] = {"properties": {"extra": draw(scalar_schema())}, "required": ["extra"]}
    return schema


def value_for(draw: Any, schema: dict) -> Any:
    if "properties" in schema:
        return object_for(draw, schema)
    if "oneOf" in schema:
        return draw(st.sampled_from([1, 2, 3]))
    if "enum" in schema:
        return draw(st.sampled_from([*CHOICES, "purple"]))
    if schema.get("type") == "array" and "properties" in schema["items"]:
        return [object_for(draw, schema["items"]) for _ in range(draw(st.integers(1, 3)))]
    if schema.get("type") == "array":
        return draw(st.lists(st.sampled_from([*CHOICES, "pink"]), min_size=1, max_size=3))
    kind, fmt = schema.get("type"), schema.get("format")
    if fmt == "date":
        day = draw(st.dates(min_value=datetime(1900, 1, 1).date()))
        return draw(st.sampled_from([day.isoformat(), "2025-02-30", "2025-13-01", "31/3/2025"]))
    if fmt == "date-time":
        moment = draw(
            st.datetimes(
                min_value=datetime(1950, 1, 1),
                max_value=datetime(2100, 1, 1),
                timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
            )
        )
        return draw(
            st.sampled_from([moment.isoformat(), "2025-03-31 14:30", "2025-03-31T25:00:00Z"])
        )
    if fmt == "email":
        return draw(st.sampled_from(["nurse@example.nhs.uk", "not-an-email"]))
    if fmt == "uri":
        return draw(st.sampled_from(["https://www.example.com/x?y=1", "www.example.com"]))
    if kind == "integer":
        return draw(st.one_of(st.integers(-100, 100), st.sampled_from([2.5, 3.0, 10**20])))
    if kind == "number":
        return draw(
            st.one_of(
                st.integers(-100, 100),
                st.floats(-100, 100, allow_nan=False),
                st.sampled_from([1e300, -0.0, 1.5e-7]),
            )
        )
    if kind == "boolean":
        return draw(st.booleans())
    return draw(WORDS)


def object_for(draw: Any, schema: dict) -> dict:
    props = schema["properties"]
    keys = list(props)
    data: dict = {}
    # The first property is a scalar: keep it present so the object is never empty. A
    # required group of questions is always on the page, so a browser cannot leave it out.
    groups = [k for k in schema.get("required", []) if props[k].get("type") == "object"]
    present = [keys[0], *groups, *draw(st.lists(st.sampled_from(keys), unique=True))]
    for key in dict.fromkeys(present):
        data[key] = value_for(draw, props[key])
    then = schema.get("then", {}).get("properties", {})
    if then and draw(st.booleans()):
        data["extra"] = value_for(draw, then["extra"])
    return data


@st.composite
def schema_and_data(draw: Any) -> tuple[dict, dict]:
    schema = draw(record_schema())
    return schema, object_for(draw, schema)


# --- the browser ------------------------------------------------------------------------


def browser_post(schema: dict, data: dict, prefix: str = "") -> list[tuple[str, str]]:
    """What a browser posts for a form showing ``data`` (names as WTForms nests them)."""
    props = dict(schema.get("properties", {}))
    props.update(schema.get("then", {}).get("properties", {}))
    pairs: list[tuple[str, str]] = []
    for key, sub in props.items():
        name, value = f"{prefix}{key}", data.get(key)
        if "properties" in sub:
            pairs += browser_post(sub, value or {}, f"{name}-")
        elif sub.get("type") == "array" and "properties" in sub["items"]:
            for i, item in enumerate(value or [{}]):
                pairs += browser_post(sub["items"], item, f"{name}-{i}-")
        elif sub.get("type") == "array":
            pairs += [(name, v) for v in value or []]
        elif "oneOf" in sub or "enum" in sub or sub.get("type") == "boolean":
            if value is not None:
                pairs.append((name, value if isinstance(value, str) else json.dumps(value)))
        elif sub.get("format") == "date":
            parts = str(value).split("-") if value is not None else ["", "", ""]
            year, month, day = parts if len(parts) == 3 else (str(value), "", "")
            pairs += [(f"{name}-day", day), (f"{name}-month", month), (f"{name}-year", year)]
        elif sub.get("format") == "date-time" and value is not None:
            try:
                local = datetime.fromisoformat(value).astimezone(ZoneInfo("Europe/London"))
                shown = local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")
            except ValueError:
                shown = value
            pairs.append((name, shown if "T" in value and value[10:11] == "T" else value))
        elif isinstance(value, float):
            pairs.append((name, repr(value)))
        else:
            pairs.append((name, "" if value is None else str(value)))
    return pairs


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(schema_and_data())
def test_form_round_trip_keeps_the_jsonschema_verdict(case: tuple[dict, dict]) -> None:
    schema, data = case
    compiled = compile_form(schema)
    direct = validate_record_data(schema, data)
    posted = bind_form(compiled, formdata=MultiDict(browser_post(schema, data)))
    via_form = posted.validate_data(submit=True)
    assert (direct == []) == (via_form == []), (direct, via_form, posted.to_json())
    # The compiler's own browser simulation agrees too.
    again = bind_form(compiled, formdata=formdata_for(compiled, data))
    assert (again.validate_data(submit=True) == []) == (direct == [])
    if not direct and "if" not in schema:
        # Same fields are wrong, whichever way the data came in.
        assert {i.pointer for i in via_form} == {i.pointer for i in direct}
