"""Reading API requests strictly: JSON bodies, query parameters and ``If-Match``.

Request bodies are checked against the same JSON Schemas the OpenAPI document
publishes (:mod:`miniapps.web.api.openapi_spec`), so the document cannot drift from
what the routes accept. Problems become typed errors that the error handlers
render as JSON:

* wrong or missing content type → 415 ``unsupported_media_type``;
* a body that is not JSON (or empty, or with a duplicated member), nested more than 64
  levels deep, or holding ``NaN``, ``Infinity`` or a number too large to be finite
  (``1e400``) → 400 ``malformed_json`` (:mod:`miniapps.core.json_text`);
* JSON of the wrong shape (not an object, a missing or unknown member, a wrong
  type; integers must be integers, not ``1.0`` or ``true``) → 422 ``invalid_request``
  with one ``{"pointer", "message"}`` per problem;
* a bad query parameter or header → 400 ``bad_request``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

import jsonschema_rs
from flask import current_app, request
from jsonschema import Draft202012Validator, validators
from jsonschema.protocols import Validator

from miniapps.core.definitions.plain_errors import plain_issues
from miniapps.core.errors import Issue, IssuesError, MiniappsError
from miniapps.core.json_text import JsonTooDeep, loads_bounded, refuse_duplicate_members
from miniapps.web.api.openapi_schemas import REQUEST_SCHEMAS


class UnsupportedMediaType(MiniappsError):
    code = "unsupported_media_type"
    kind = "unsupported_media_type"


class MalformedJson(MiniappsError):
    code = "malformed_json"
    kind = "bad_request"


class BadParameter(MiniappsError):
    code = "bad_request"
    kind = "bad_request"


class PreconditionRequired(MiniappsError):
    code = "precondition_required"
    kind = "precondition_required"


class RequestInvalid(IssuesError):
    """The JSON is well formed but not what this route takes."""

    code = "invalid_request"
    kind = "invalid"


def _is_integer(_checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


# Draft 2020-12 counts 1.0 as an integer; the API does not.
# types-jsonschema leaves extend() unannotated; it returns a new validator class.
StrictValidator: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


def is_json_mimetype(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def json_body() -> Any:
    """The request body parsed as JSON, any JSON value (see :func:`json_object`)."""
    if not is_json_mimetype(request.mimetype):
        given = request.mimetype or "no content type"
        raise UnsupportedMediaType(
            f"Send the body as JSON with 'Content-Type: application/json' (got {given})."
        )
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedJson("The body is not UTF-8 text.") from exc
    if not text.strip():
        raise MalformedJson("The body is empty; send a JSON object.")
    try:
        return loads_bounded(text, object_pairs_hook=refuse_duplicate_members)
    except JsonTooDeep as exc:
        raise MalformedJson(f"The body is too deeply nested: {exc}.") from exc
    except json.JSONDecodeError as exc:
        message = exc.msg[:1].lower() + exc.msg[1:]
        raise MalformedJson(
            f"The body is not valid JSON: {message} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    except ValueError as exc:
        raise MalformedJson(f"The body is not valid JSON: {exc}.") from exc


def json_object() -> dict[str, Any]:
    """The body, which must be a JSON object."""
    body = json_body()
    if not isinstance(body, dict):
        raise RequestInvalid([Issue("", "The body must be a JSON object ({ ... }).", "type")])
    return body


def validated_body(schema_name: str) -> dict[str, Any]:
    """The body checked against the request schema ``schema_name`` of the OpenAPI document."""
    body = json_object()
    if _surely_valid(schema_name, body):
        return body
    errors = sorted(
        _validator(schema_name).iter_errors(body), key=lambda e: [str(p) for p in e.path]
    )
    issues = plain_issues(errors)
    if issues:
        raise RequestInvalid(issues)
    return body


@cache
def _validator(schema_name: str) -> Validator:
    return StrictValidator(REQUEST_SCHEMAS[schema_name])


# Keywords jsonschema-rs reads exactly as :data:`StrictValidator` does. Not among them:
# "integer" (1.0 is one to jsonschema-rs), patterns (another engine), formats.
_SAME_MEANING = frozenset(
    {"type", "properties", "required", "additionalProperties", "minLength", "maxLength"}
)
_ANNOTATIONS = frozenset({"description", "default", "examples", "title"})


@cache
def _fast_validator(schema_name: str) -> jsonschema_rs.Validator | None:
    """A jsonschema-rs validator of the request schema, asked first (a valid body then
    costs a hundredth of the Python check), when it means exactly what
    :data:`StrictValidator` means; None when it might not (the Python check decides)."""
    schema = REQUEST_SCHEMAS[schema_name]
    if not _same_meaning(schema):
        return None
    validator: jsonschema_rs.Validator = jsonschema_rs.Draft202012Validator(schema)
    return validator


def _surely_valid(schema_name: str, body: dict[str, Any]) -> bool:
    fast = _fast_validator(schema_name)
    try:
        return fast is not None and fast.is_valid(body)
    except Exception:  # a value jsonschema-rs cannot read (a lone surrogate): not sure
        return False


def _same_meaning(schema: Any) -> bool:
    if not isinstance(schema, dict) or not set(schema) <= _SAME_MEANING | _ANNOTATIONS:
        return False
    types = schema.get("type", [])
    if "integer" in (types if isinstance(types, list) else [types]):
        return False
    members = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    return all(_same_meaning(member) for member in members.values()) and (
        isinstance(extra, bool) or _same_meaning(extra)
    )


# --- query parameters and headers -------------------------------------------------------


def allow_params(names: Iterable[str]) -> None:
    """Refuse query parameters the route does not know (a typo must not widen a filter)."""
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        known = ", ".join(sorted(names)) or "none"
        raise BadParameter(
            f"Unknown query parameter(s): {', '.join(unknown)}. This route takes: {known}."
        )
    repeated = sorted(k for k in request.args if len(request.args.getlist(k)) > 1)
    if repeated:
        raise BadParameter(f"Give each query parameter once: {', '.join(repeated)}.")


def text_param(name: str) -> str | None:
    """A query parameter's value, ``None`` when absent or blank."""
    value = request.args.get(name, "").strip()
    return value or None


def page_param() -> int:
    """``page`` (1-based, default 1); anything but a positive whole number is a 400."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not re.fullmatch(r"[0-9]{1,9}", raw.strip()) or int(raw) < 1:
        raise BadParameter(f"page must be a whole number from 1 (got {raw!r}).")
    return int(raw)


def page_size() -> int:
    return int(current_app.config["PAGE_SIZE"])


def list_param(name: str) -> list[str] | None:
    """A comma-separated parameter (``to=A,B``); ``None`` when absent, [] when empty."""
    if name not in request.args:
        return None
    return [part.strip() for part in request.args[name].split(",") if part.strip()]


_IF_MATCH = re.compile(r'^\s*(?:"([0-9]{1,9})"|([0-9]{1,9}))\s*$')


def if_match_version() -> int:
    """The record version in ``If-Match``: bare ``3`` or quoted ``"3"``.

    Missing → 428 (a blind overwrite is never allowed); anything else → 400.
    """
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        raise PreconditionRequired(
            "Send the version of the record you are changing in the header 'If-Match: <version>'."
        )
    match = _IF_MATCH.match(raw)
    if match is None:
        raise BadParameter(
            f'If-Match must be one record version such as 3 or "3" (got {raw.strip()!r}).'
        )
    return int(match.group(1) or match.group(2))
