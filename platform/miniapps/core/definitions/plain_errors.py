"""Plain-language issues from jsonschema errors (meta-schema, year sets, record schemas).

:func:`plain_issues` turns each :class:`jsonschema.exceptions.ValidationError` into
:class:`Issue` objects: one per missing member at its own pointer, words for the
meta-schema's patterns instead of the raw regex, types named as an author would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from miniapps.core.errors import Issue
from miniapps.core.pointers import pointer_join

# Plain words for the meta-schema's patterns (the raw regex means nothing to an author).
PATTERN_MESSAGES = {
    "^[a-z][a-z0-9_]*$": "must start with a lower-case letter and hold only lower-case letters, "
    "digits and underscores",
    "\\S": "must not be blank",
    "^(/[^/]+)+$": "must be a field pointer such as /reading or /courses/-/name",
    "^(org|period|month|(/[^/]+)+)$": (
        "must be org, period, month or a field pointer such as /reading"
    ),
    "^state:[a-z][a-z0-9_]*$": "must be state:<state>, such as state:closed",
    "^(?!/)(?!.*\\.\\.)[A-Za-z0-9_./-]+\\.py$": "must be the path of a .py file inside the app "
    "directory, such as hooks.py (letters, digits, _ . / - only; no ..)",
    "^[A-Za-z0-9][A-Za-z0-9_-]*$": "must be an ODS code such as H85065",
    "^[A-Za-z0-9][A-Za-z0-9_.-]*$": "must hold only letters, digits and _ . -",
    "^\\d{4}/\\d{2}$": "must be a financial year such as 2025/26",
    "^(created|submitted|overdue|commented|action:[a-z][a-z0-9_]*|state:[a-z][a-z0-9_]*)$": (
        "must be created, submitted, overdue, commented, action:<action> or state:<state>"
    ),
    "^(\\.[A-Za-z0-9]+|[a-z]+/([a-z0-9.+-]+|\\*))$": "must be a MIME type such as application/pdf "
    "or image/*, or a file extension such as .pdf",
}
TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def plain_issues(errors: Iterable[ValidationError], prefix: str = "") -> list[Issue]:
    """Turn jsonschema errors into plain :class:`Issue` objects (pointers under ``prefix``)."""
    issues: list[Issue] = []
    for error in errors:
        for issue in _issues_for(error, prefix):
            if issue not in issues:
                issues.append(issue)
    return issues


def _issues_for(error: ValidationError, prefix: str) -> list[Issue]:
    at = pointer_join(prefix, *error.absolute_path)
    keyword, instance = error.validator, error.instance
    value: Any = error.validator_value  # jsonschema sets it on every error it reports
    if keyword == "required" and isinstance(instance, dict):
        return [
            Issue(pointer_join(at, n), "is required", "required")
            for n in value
            if n not in instance
        ]
    if keyword == "dependentRequired" and isinstance(instance, dict):
        return [
            Issue(pointer_join(at, name), f"is required when '{key}' is given", "required")
            for key, names in value.items()
            if key in instance
            for name in names
            if name not in instance
        ]
    if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = list(schema.get("properties") or {})
        patterns = list(schema.get("patternProperties") or {})
        hint = f" (expected one of: {', '.join(known)})" if known and len(known) <= 20 else ""
        return [
            Issue(pointer_join(at, name), f"is not allowed here{hint}", "not_allowed")
            for name in instance
            if name not in known and not any(re.search(p, name) for p in patterns)
        ]
    if "propertyNames" in error.relative_schema_path and isinstance(instance, str):
        return [Issue(pointer_join(at, instance), f"this name {_message(error)}", "bad_name")]
    if keyword in ("anyOf", "oneOf") and error.context and not _required_branches(value):
        enum_errors = [e for e in error.context if e.validator == "enum" and not e.relative_path]
        best = enum_errors[0] if enum_errors else best_match(error.context)
        if best is not None:
            return _issues_for(best, prefix)
    return [Issue(at, _message(error), str(keyword or "not_allowed"))]


def _required_branches(branches: Any) -> list[str]:
    """``["a", "b"]`` for ``oneOf: [{"required": ["a"]}, {"required": ["b"]}]``, else ``[]``."""
    names: list[str] = []
    for branch in branches if isinstance(branches, list) else []:
        if not (isinstance(branch, dict) and set(branch) == {"required"}):
            return []
        names.extend(branch["required"])
    return names


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _message(error: ValidationError) -> str:
    keyword = error.validator
    value: Any = error.validator_value
    if keyword == "type":
        types = [value] if isinstance(value, str) else list(value)
        return "must be " + " or ".join(TYPE_WORDS.get(t, t) for t in types)
    if keyword == "enum":
        return "must be one of: " + ", ".join(_show(v) for v in value)
    if keyword == "const":
        return f"must be {_show(value)}"
    if keyword == "pattern":
        return PATTERN_MESSAGES.get(value, "is not in the expected form")
    if keyword == "format":
        return f"must be a valid {value}"
    if keyword in ("minLength", "minItems", "minProperties") and value == 1:
        return "must not be empty"
    if keyword == "minLength":
        return f"must be at least {value} characters long"
    if keyword == "maxLength":
        return f"must be at most {value} characters long"
    if keyword == "minItems":
        return f"must have at least {value} items"
    if keyword == "maxItems":
        return f"must have at most {value} items"
    if keyword == "minProperties":
        return f"must have at least {value} members"
    if keyword == "uniqueItems":
        return "must not contain the same item twice"
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "greater than",
        "exclusiveMaximum": "less than",
        "multipleOf": "a multiple of",
    }
    if keyword in bounds:
        return f"must be {bounds[keyword]} {value}"
    if keyword in ("oneOf", "anyOf") and (names := _required_branches(value)):
        quantity = "exactly one" if keyword == "oneOf" else "at least one"
        return f"needs {quantity} of: {', '.join(names)}"
    if keyword in ("oneOf", "anyOf"):
        return "does not match any of the allowed forms"
    if keyword == "not" or keyword is None:
        return "is not allowed here"
    return "is not valid here"
