"""Load and validate app definitions (``app.json``).

Validation has two passes. The meta-schema (``schemas/app-definition.schema.json``)
checks the shape of every member; only when that passes does the semantic pass
(:mod:`miniapps.core.definition_semantics`) check what a schema cannot: the
record schema is itself valid JSON Schema, references resolve, widgets fit their
fields, rules name existing fields, the workflow hangs together. Every problem
becomes an :class:`Issue` with a JSON pointer into the definition and a plain
message; all of them are raised together in one :class:`DefinitionInvalid`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from miniapps.core.errors import DefinitionInvalid, Issue, pointer_join, pointer_parts
from miniapps.core.schema_fields import Field, iter_fields

META_SCHEMA_PATH = Path(__file__).resolve().parents[3] / "schemas" / "app-definition.schema.json"
DEFAULT_HOOKS_FILE = "hooks.py"

# Plain words for the meta-schema's patterns (the raw regex means nothing to an author).
PATTERN_MESSAGES = {
    "^[a-z][a-z0-9_]*$": "must start with a lower-case letter and hold only lower-case letters, "
    "digits and underscores",
    "\\S": "must not be blank",
    "^(/[^/]+)+$": "must be a field pointer such as /reading or /courses/-/name",
    "^(org|period|(/[^/]+)+)$": "must be org, period or a field pointer such as /reading",
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


@dataclass(frozen=True)
class AppDefinition:
    """A validated app definition. ``raw`` is the JSON exactly as written."""

    raw: dict[str, Any]
    source: str | None = None
    source_dir: Path | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def title(self) -> str:
        return str(self.raw["title"])

    @property
    def version(self) -> int:
        return int(self.raw["version"])

    @property
    def label(self) -> str:
        """``fridge_log v1``."""
        return f"{self.id} v{self.version}"

    @property
    def description(self) -> str:
        return str(self.raw.get("description", ""))

    @property
    def schema(self) -> dict[str, Any]:
        return self.raw["schema"]

    @property
    def ui(self) -> dict[str, Any]:
        return self.raw.get("ui", {})

    @property
    def period(self) -> dict[str, Any]:
        """The ``period`` member; ``{"frequency": "none"}`` when absent."""
        return self.raw.get("period", {"frequency": "none"})

    @property
    def is_periodic(self) -> bool:
        return self.period.get("frequency", "none") != "none"

    @property
    def workflow(self) -> dict[str, Any]:
        """The declared workflow, ``{}`` when absent (the engine then uses its default)."""
        return self.raw.get("workflow", {})

    @property
    def dashboard(self) -> dict[str, Any]:
        return self.raw.get("dashboard", {})

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return self.raw.get("indicators", [])

    @property
    def indicator_source(self) -> dict[str, Any] | None:
        """Where indicators come from when they are yearly data (year sets), else None."""
        return self.raw.get("indicator_source")

    @property
    def indicator_settings(self) -> dict[str, Any]:
        """``value_per_point`` and ``national_average_list_size`` shared by the indicators;
        ``{}`` when absent."""
        return self.raw.get("indicator_settings", {})

    @property
    def notifications(self) -> list[dict[str, Any]]:
        return self.raw.get("notifications", [])

    @property
    def reminders(self) -> list[dict[str, Any]]:
        return self.raw.get("reminders", [])

    @property
    def channels(self) -> list[dict[str, Any]]:
        return self.raw.get("channels", [])

    @property
    def permissions(self) -> dict[str, list[str]]:
        return self.raw.get("permissions", {})

    @property
    def hooks(self) -> str | None:
        """The hooks file as named in the definition, ``None`` when not named."""
        return self.raw.get("hooks")

    @property
    def hooks_path(self) -> Path | None:
        """The hooks file on disk (named, or ``hooks.py`` beside app.json), if it exists."""
        if self.source_dir is None:
            return None
        path = self.source_dir / (self.hooks or DEFAULT_HOOKS_FILE)
        return path if path.is_file() else None

    @property
    def migration(self) -> dict[str, Any] | None:
        return self.raw.get("migration")

    @cached_property
    def fields(self) -> list[Field]:
        """Every field of the record schema (see :func:`iter_fields`)."""
        return list(iter_fields(self.schema))

    def __hash__(self) -> int:
        return hash((self.content_hash, self.source))

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the canonical JSON of ``raw``: equal definitions hash equal."""
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@cache
def load_meta_schema() -> dict[str, Any]:
    """The app-definition meta-schema (read once)."""
    return json.loads(META_SCHEMA_PATH.read_text(encoding="utf-8"))


def meta_schema_enum(pointer: str) -> list[Any]:
    """The ``enum`` list at ``pointer`` in the meta-schema, for registry tests.

    For example ``/$defs/fieldUi/properties/widget/enum`` (form widgets),
    ``/$defs/widget/properties/type/enum`` (dashboard widget types),
    ``/$defs/widget/properties/chart/enum`` (chart types), ``/$defs/role/enum``.
    """
    node: Any = load_meta_schema()
    for token in pointer_parts(pointer):
        node = node[int(token)] if isinstance(node, list) else node[token]
    if not isinstance(node, list):
        raise KeyError(f"{pointer} is not a list in the meta-schema")
    return list(node)


def read_definition(path: str | Path) -> tuple[dict[str, Any], str]:
    """Read an app directory's ``app.json`` or a ``.json`` file: ``(raw, source file)``."""
    given = Path(path)
    file = given / "app.json" if given.is_dir() else given
    source = str(file)

    def fail(message: str) -> DefinitionInvalid:
        return DefinitionInvalid([Issue("", message, "unreadable")], source=source)

    if not file.exists():
        if given.is_dir():
            raise fail("there is no app.json in this app directory")
        raise fail("file not found")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail("is not UTF-8 text") from exc
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc})") from exc
    try:
        raw = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        message = exc.msg[:1].lower() + exc.msg[1:]
        raise fail(
            f"is not valid JSON: {message} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except ValueError as exc:
        raise fail(f"is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise fail("must hold one JSON object ({ ... }) at the top level")
    return raw, source


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def validate_definition(
    raw: dict[str, Any], source: str | None = None, source_dir: Path | None = None
) -> AppDefinition:
    """Check ``raw`` against the meta-schema, then semantically; raise every problem at once."""
    if not isinstance(raw, dict):
        raise DefinitionInvalid([Issue("", "must be a JSON object", "type")], source=source)
    validator = Draft202012Validator(load_meta_schema())
    errors = sorted(validator.iter_errors(raw), key=_error_order)
    issues = plain_issues(errors)
    if not issues:
        from miniapps.core.definition_semantics import semantic_issues

        issues = semantic_issues(raw, source_dir)
    if issues:
        raise DefinitionInvalid(issues, source=source)
    return AppDefinition(copy.deepcopy(raw), source, source_dir)


def load_definition(path: str | Path) -> AppDefinition:
    """Read and validate the definition at ``path`` (an app directory or a ``.json`` file)."""
    raw, source = read_definition(path)
    return validate_definition(raw, source=source, source_dir=Path(source).parent)


def _error_order(error: ValidationError) -> list[tuple[bool, Any]]:
    return [(isinstance(part, str), part) for part in error.absolute_path]


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
    keyword, value, instance = error.validator, error.validator_value, error.instance
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
    keyword, value = error.validator, error.validator_value
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
