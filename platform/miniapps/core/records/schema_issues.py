"""Validate one record's data against its app's JSON Schema, in plain English.

``jsonschema`` does the checking (draft 2020-12, formats asserted), through
:mod:`miniapps.core.records.record_validator` (ECMA 262 patterns in a linear-time engine,
format checks as the specification says and bounded, lengths before formats); this
module turns
its errors into :class:`~miniapps.core.errors.Issue` objects that point at the
field concerned and say what to do, never the validator's own text:

* ``required`` and ``dependentRequired`` point at the *missing* member
  (jsonschema reports them on the parent object);
* ``additionalProperties: false`` / ``unevaluatedProperties: false`` point at
  each unexpected member;
* ``anyOf`` / ``oneOf`` report the errors of the branch that fits best;
* a ``false`` subschema is reported at the value it refuses, code ``false``;
* a wrong answer to a choice question is one issue at the question (also for a tick of
  a multi-choice question), naming the options every applying list allows
  (:mod:`miniapps.core.records.choice_issues`);
* at most one issue per pointer (the first, in schema order).

Each issue's ``code`` is the JSON Schema keyword that failed (``required``,
``type``, ``format``, ``minimum`` ...; ``enum`` for a choice list however written),
so callers can filter (:mod:`miniapps.core.records.check` keeps some for drafts).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from jsonschema.exceptions import ValidationError

from miniapps.core.definitions.schema_fields import Field, enum_choices
from miniapps.core.errors import DataInvalid, Issue
from miniapps.core.pointers import pointer_join
from miniapps.core.records.choice_issues import ChoiceProblems
from miniapps.core.records.evaluated_keys import pattern_covered
from miniapps.core.records.issue_context import in_context, pattern_of
from miniapps.core.records.issue_context import lower_first as lower_first
from miniapps.core.records.record_validator import record_validator
from miniapps.core.records.schema_facts import field_index

FORMAT_MESSAGES = {
    "date": "Enter a real date, like 31 3 2025",
    "date-time": "Enter a date and time like 2025-03-31T14:30",
    "time": "Enter a time like 14:30",
    "email": "Enter an email address in the correct format, like name@example.com",
    "idn-email": "Enter an email address in the correct format, like name@example.com",
    "uri": "Enter a full web address, like https://www.example.com",
    "iri": "Enter a full web address, like https://www.example.com",
    "uri-reference": "Enter a web address, like https://www.example.com",
    "iri-reference": "Enter a web address, like https://www.example.com",
    "uuid": "Enter a UUID, like 123e4567-e89b-12d3-a456-426614174000",
}


def validate_record_data(schema: dict[str, Any], data: Any) -> list[Issue]:
    """Every problem of ``data`` against ``schema``, one plain-English :class:`Issue` per field."""
    errors = record_validator(schema).iter_errors(data)
    first = next(errors, None)
    if first is None:
        return []  # valid: the fields (for the wording) are not even looked up
    fields = field_index(schema)
    issues: list[Issue] = []
    seen: set[str] = set()
    choices = ChoiceProblems(schema, fields)
    questions: list[int] = []  # positions of the choice issues, worded once all are seen
    for error in chain([first], errors):
        for leaf in _most_specific(error):
            question = choices.take(leaf)
            if question is not None and question not in seen:
                seen.add(question)
                questions.append(len(issues))
                issues.append(Issue(question, "", "enum"))
            if question is not None:
                continue
            for issue in _issues_for(leaf, fields):
                if issue.pointer not in seen:
                    seen.add(issue.pointer)
                    message = in_context(issue.message, issue.pointer, fields)
                    issues.append(Issue(issue.pointer, message, issue.code))
    for position in questions:
        pointer = issues[position].pointer
        message = in_context(choices.message(pointer), pointer, fields)
        issues[position] = Issue(pointer, message, "enum")
    return issues


def raise_for_issues(schema: dict[str, Any], data: Any) -> None:
    """Raise :class:`DataInvalid` carrying every issue when ``data`` fails ``schema``."""
    issues = validate_record_data(schema, data)
    if issues:
        raise DataInvalid(issues)


def _most_specific(error: ValidationError) -> Iterator[ValidationError]:
    """The error itself, or for ``anyOf``/``oneOf`` the errors of the best-fitting branch."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        yield error
        return
    if enum_choices({str(error.validator): error.validator_value}):
        yield error  # oneOf of const+title: an enum, reported as such
        return
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        # A branch's errors start their schema path with its index (a ``false`` branch's
        # too, see false_schemas); one without a path stands alone rather than fail here.
        branch = sub.relative_schema_path[0] if sub.relative_schema_path else id(sub)
        branches.setdefault(branch, []).append(sub)

    def fits(errors: list[ValidationError]) -> bool:
        # A branch whose own type does not even match the value is not what was meant.
        return not any(e.validator == "type" and not e.relative_path for e in errors)

    candidates = [errs for errs in branches.values() if fits(errs)]
    if not candidates:
        yield error
        return
    best = min(candidates, key=len)
    for sub in best:
        yield from _most_specific(sub)


def _issues_for(error: ValidationError, fields: dict[str, Field]) -> Iterator[Issue]:
    pointer = pointer_join("", *error.absolute_path)
    keyword = "false" if error.validator is None else str(error.validator)  # a `false` schema
    instance = error.instance
    value: Any = error.validator_value  # jsonschema sets it on every error it reports
    if keyword == "required" and isinstance(instance, dict):
        for name in value:
            if name not in instance:
                child = pointer_join(pointer, name)
                yield Issue(child, _missing_message(child, fields), "required")
        return
    if keyword == "dependentRequired" and isinstance(instance, dict):
        for trigger, needed in value.items():
            if trigger in instance:
                for name in needed:
                    if name not in instance:
                        child = pointer_join(pointer, name)
                        yield Issue(child, _missing_message(child, fields), "required")
        return
    if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        for name in _unexpected_members(error, instance):
            yield Issue(
                pointer_join(pointer, name), f"“{name}” is not a question in this form", keyword
            )
        return
    if keyword in ("anyOf", "oneOf") and enum_choices({keyword: value}):
        keyword = "enum"  # a choice list written as oneOf of const + title
    yield Issue(pointer, _message(error, pointer, fields), keyword)


def _unexpected_members(error: ValidationError, instance: dict[str, Any]) -> list[str]:
    if error.validator == "additionalProperties":
        schema = error.schema if isinstance(error.schema, dict) else {}
        declared = schema.get("properties", {}) or {}
        return [k for k in instance if k not in declared and not pattern_covered(schema, k)]
    # jsonschema lists the unevaluated names (repr'd) in its message; nothing else exposes them.
    return [k for k in instance if repr(k) in error.message]


def _title_of(pointer: str, fields: dict[str, Field]) -> tuple[str, Field | None]:
    field = fields.get(pattern_of(pointer))
    if field is not None:
        return field.title, field
    if not pointer:
        return "This record", None
    parent, _, last = pointer.rpartition("/")
    if last.isdigit():  # an item of a list: talk about the list
        return _title_of(parent, fields)
    key = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    return key.replace("_", " ").capitalize(), None


def _missing_message(pointer: str, fields: dict[str, Field]) -> str:
    title, field = _title_of(pointer, fields)
    kind = field.kind if field else "string"
    if kind in ("enum", "boolean", "multi_enum"):
        return f"Select {lower_first(title)}"
    if kind == "repeat":
        return f"Add {lower_first(title)}"
    if kind == "object":
        return f"Answer the questions about {lower_first(title)}"
    return f"Enter {lower_first(title)}"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _items_noun(field: Field | None, count: int, select: bool, title: str) -> str:
    """``course``/``courses`` from the items' title, else ``options for <title>``."""
    items = field.schema.get("items") if field else None
    plural = "" if count == 1 else "s"
    if isinstance(items, dict) and items.get("title"):
        return f"{lower_first(str(items['title']))}{plural}"
    return f"option{plural} for {title}" if select else f"item{plural} to {title}"


def _message(error: ValidationError, pointer: str, fields: dict[str, Field]) -> str:
    title, field = _title_of(pointer, fields)
    keyword, instance = error.validator, error.instance
    value: Any = error.validator_value
    low = lower_first(title)
    if keyword == "type":
        expected = value if isinstance(value, str) else next(iter(value), "")
        if expected == "integer":
            return f"{title} must be a whole number"
        if expected == "number":
            return (
                f"Enter a number for {low}"
                if isinstance(instance, str)
                else (f"{title} must be a number")
            )
        if expected == "boolean":
            return f"Select yes or no for {low}"
        if expected == "string":
            return f"{title} must be text"
        if expected in ("array", "object"):
            return f"Answer {low} again"
        return f"{title} is not valid"
    if keyword == "format":
        return FORMAT_MESSAGES.get(str(value), f"Enter {low} in the correct format")
    if keyword == "minimum":
        return f"{title} must be {_number(value)} or more"
    if keyword == "maximum":
        return f"{title} must be {_number(value)} or less"
    if keyword == "exclusiveMinimum":
        return f"{title} must be more than {_number(value)}"
    if keyword == "exclusiveMaximum":
        return f"{title} must be less than {_number(value)}"
    if keyword == "multipleOf":
        return f"{title} must be a multiple of {_number(value)}"
    if keyword == "minLength":
        return f"Enter {low}" if value == 1 else f"{title} must be {value} characters or more"
    if keyword == "maxLength":
        return f"{title} must be {value} characters or fewer"
    if keyword == "pattern":
        return f"Enter {low} in the correct format"
    if keyword in ("enum", "anyOf", "oneOf") and (choices := _choice_labels(error)):
        return f"{title} must be one of: {', '.join(choices)}"
    if keyword == "const":
        return f"{title} must be {_label(value)}"
    if keyword in ("minItems", "maxItems"):
        select = field is not None and field.kind == "multi_enum"
        verb = "Select" if select else "Add"
        limit = "at least" if keyword == "minItems" else "no more than"
        return f"{verb} {limit} {value} {_items_noun(field, value, select, low)}"
    if keyword == "uniqueItems":
        return f"{title} must not contain the same answer twice"
    if keyword == "contains":
        return f"{title} must include a required answer"
    if keyword in ("minProperties", "maxProperties"):
        return _members_message(error, keyword, low)
    if keyword == "not":
        return f"{title} is not allowed with your other answers"
    if keyword is None or keyword == "false":
        return f"{title} is not needed with your other answers"
    return f"{title} is not valid"


def _members_message(error: ValidationError, keyword: str, low: str) -> str:
    """``minProperties``/``maxProperties``: what to do, e.g. "Enter the figures for at least
    one indicator" (an object whose members are rows of figures, like the IIF return)."""
    value: Any = error.validator_value
    count = int(value)
    limit = "at least" if keyword == "minProperties" else "no more than"
    schema = error.schema if isinstance(error.schema, dict) else {}
    members = [*(schema.get("properties") or {}).values(), schema.get("additionalProperties")]
    rows = any(
        isinstance(m, dict) and (m.get("type") == "object" or "$ref" in m or "properties" in m)
        for m in members
    )
    if not rows:
        return f"Answer {limit} {count} of the questions about {low}"
    noun = low[:-1] if count == 1 and low.endswith("s") and not low.endswith("ss") else low
    return f"Enter the figures for {limit} {'one' if count == 1 else count} {noun}"


def _choice_labels(error: ValidationError) -> list[str]:
    value: Any = error.validator_value
    if error.validator == "enum":
        return [_label(v) for v in value]
    return [label for _, label in enum_choices({str(error.validator): value})]


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return "blank"
    return str(value)
