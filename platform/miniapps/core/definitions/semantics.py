"""The semantic pass over an app definition that already fits the meta-schema.

Checks what a schema cannot say: the record schema is valid JSON Schema 2020-12
describing an object; ``required``, ``if`` and ``show_if`` only name fields that
exist; ``ui`` names real fields and gives each a widget that fits it; the
workflow's states are declared and reachable; indicators and dashboard widgets
point at suitable fields; events name real actions and states; the migration
and hooks file make sense. Each check appends :class:`Issue` objects whose
pointers lead into the definition.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from miniapps.core.definitions.audit_checks import check_audit_members
from miniapps.core.definitions.channel_checks import check_channels
from miniapps.core.definitions.compliance_checks import check_compliance
from miniapps.core.definitions.condition_checks import (
    check_condition,
    check_dependent,
    check_names,
)
from miniapps.core.definitions.context import SemanticContext, normalise, schema_pointer
from miniapps.core.definitions.date_bound_checks import check_date_bounds
from miniapps.core.definitions.deadline_checks import check_deadlines_and_matrix
from miniapps.core.definitions.document_checks import check_documents
from miniapps.core.definitions.member_checks import (
    KIND_WORDS,
    check_dashboard,
    check_events,
    check_hooks,
    check_indicators,
    check_migration,
    check_period,
    check_workflow,
)
from miniapps.core.definitions.message_templates import template_issues
from miniapps.core.definitions.name_checks import (
    check_choice_values,
    check_condition_order,
    check_field_names,
)
from miniapps.core.definitions.pattern_checks import META_FORMAT_CHECKER, check_patterns
from miniapps.core.definitions.plain_errors import plain_issues
from miniapps.core.definitions.ref_checks import ref_issues
from miniapps.core.definitions.schema_fields import Field, iter_fields, resolve
from miniapps.core.definitions.step_checks import check_steps
from miniapps.core.definitions.subject_checks import check_subject
from miniapps.core.definitions.view_checks import check_views
from miniapps.core.definitions.widget_checks import check_widgets
from miniapps.core.errors import Issue
from miniapps.core.forms.conditions import check_condition as unsupported_keywords
from miniapps.core.indicators.source import check_indicator_source
from miniapps.core.pointers import pointer_join
from miniapps.core.records.format_limits import SPEC_FORMATS

# Formats JSON Schema 2020-12 defines, each checked as it says; anything else would
# silently check nothing.
KNOWN_FORMATS = frozenset(SPEC_FORMATS)


def _string_with(*formats: str | None) -> Callable[[Field], bool]:
    return lambda f: f.kind == "string" and f.schema.get("format") in formats


def _kind_in(*kinds: str) -> Callable[[Field], bool]:
    return lambda f: f.kind in kinds


# Which fields each form widget can show: (test, what the widget needs, in words).
WIDGET_FITS: dict[str, tuple[Callable[[Field], bool], str]] = {
    "text": (_kind_in("string"), "a text field"),
    "textarea": (_kind_in("string", "array"), "a text field or a free list"),
    "number": (_kind_in("integer", "number"), "an integer or number field"),
    "date": (_string_with("date"), 'a string field with "format": "date"'),
    "datetime": (_string_with("date-time"), 'a string field with "format": "date-time"'),
    "email": (_string_with(None, "email", "idn-email"), "a text or email field"),
    "url": (_string_with(None, "uri", "iri", "uri-reference"), "a text or uri field"),
    "radios": (_kind_in("enum", "boolean"), "a single-choice field or a boolean"),
    "select": (_kind_in("enum"), "a single-choice field (enum, or oneOf of const)"),
    "checkboxes": (_kind_in("multi_enum"), "an array of enum with uniqueItems"),
    "checkbox": (_kind_in("boolean"), "a boolean field"),
    "file": (_kind_in("string"), "a string field (it stores the attachment's reference)"),
    "fieldset": (_kind_in("object"), "an object field"),
    "repeat": (_kind_in("repeat"), "an array of objects"),
    "organisation": (_string_with(None), "a text field (it holds an ODS code)"),
    "person": (_string_with(None, "email"), "a text or email field (it holds the person's email)"),
    "record": (
        lambda f: f.kind == "integer" and isinstance(f.schema.get("x-record-of"), str),
        'an integer field with "x-record-of" naming the app it links to',
    ),
}


def semantic_issues(raw: dict[str, Any], source_dir: Path | None = None) -> list[Issue]:
    """Every semantic problem of a definition that passed the meta-schema."""
    ctx = SemanticContext(raw, source_dir)
    check_record_schema(ctx)
    if ctx.schema_ok:
        check_field_names(ctx)
        check_choice_values(ctx)
        check_schema_rules(ctx, raw["schema"], "/schema", "", 0)
        check_ui(ctx)
        check_condition_order(ctx)
        check_date_bounds(ctx)
    check_workflow(ctx)
    check_indicators(ctx)
    check_indicator_source(ctx)
    check_dashboard(ctx)
    check_widgets(ctx)
    check_events(ctx)
    check_channels(ctx)
    check_steps(ctx)
    check_views(ctx)
    if ctx.schema_ok:  # these name fields of the record schema
        check_compliance(ctx)
        check_documents(ctx)
        check_audit_members(ctx)
        check_subject(ctx)
        check_deadlines_and_matrix(ctx)
    check_period(ctx)
    check_migration(ctx)
    check_hooks(ctx)
    check_patterns(ctx)  # browsers read them as the server does, and cannot hang on them
    ctx.issues.extend(template_issues(raw))
    unique: list[Issue] = []
    for issue in ctx.issues:
        if issue not in unique:
            unique.append(issue)
    return unique


def check_record_schema(ctx: SemanticContext) -> None:
    """``schema`` is valid JSON Schema 2020-12, describes an object and uses known formats."""
    schema = ctx.raw["schema"]
    meta = Draft202012Validator.META_SCHEMA
    checker = validator_for(meta)(meta, format_checker=META_FORMAT_CHECKER)
    errors = sorted(checker.iter_errors(schema), key=lambda e: [str(p) for p in e.absolute_path])
    found = plain_issues(errors, "/schema") or ref_issues(schema)  # fields need no cycles
    ctx.issues.extend(found)
    if found:
        return
    root = resolve(schema, schema)
    declared = root.get("type") if isinstance(root, dict) else None
    if declared not in (None, "object") or (declared is None and "properties" not in root):
        where = "/schema/type" if declared is not None else "/schema"
        ctx.add(where, 'a record is an object: the schema needs "type": "object"', "not_object")
        return
    ctx.schema_ok = True
    for f in iter_fields(schema):
        ctx.fields.setdefault(f.pointer, f)
        ctx.children.setdefault(f.parent, set()).add(f.key)
        fmt = f.schema.get("format")
        if isinstance(fmt, str) and fmt not in KNOWN_FORMATS:
            known = ", ".join(sorted(KNOWN_FORMATS))
            ctx.add(
                schema_pointer(f.pointer) + "/format",
                f"'{fmt}' is not a format; use one of: {known}",
            )


def check_schema_rules(
    ctx: SemanticContext, node: Any, at: str, data_parent: str, depth: int
) -> None:
    """Walk the record schema's objects: ``required``, ``if`` and dependencies name real fields."""
    if not isinstance(node, dict) or depth > 20:
        return
    if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        at = "/schema" + node["$ref"][1:]
        node = resolve(node, ctx.raw["schema"])
        if not isinstance(node, dict):
            return
    check_names(ctx, node.get("required"), pointer_join(at, "required"), data_parent)
    check_dependent(ctx, node, at, data_parent)
    check_condition(ctx, node.get("if"), pointer_join(at, "if"), data_parent)
    if "if" in node:
        ctx.issues.extend(unsupported_keywords(node["if"], pointer_join(at, "if")))
    for keyword in ("then", "else"):
        check_schema_rules(
            ctx, node.get(keyword), pointer_join(at, keyword), data_parent, depth + 1
        )
    for keyword in ("allOf", "anyOf", "oneOf"):
        for i, branch in enumerate(node.get(keyword) or []):
            here = pointer_join(at, keyword, i)
            check_schema_rules(ctx, branch, here, data_parent, depth + 1)
    for key, branch in (node.get("dependentSchemas") or {}).items():
        here = pointer_join(at, "dependentSchemas", key)
        check_schema_rules(ctx, branch, here, data_parent, depth + 1)
    for key, sub in (node.get("properties") or {}).items():
        child = pointer_join(data_parent, key)
        here = pointer_join(at, "properties", key)
        kind = ctx.fields[child].kind if child in ctx.fields else None
        if kind == "object":
            check_schema_rules(ctx, sub, here, child, depth + 1)
        elif kind == "repeat":
            items_at = pointer_join(here, "items")
            items = resolve(sub, ctx.raw["schema"]).get("items")
            check_schema_rules(ctx, items, items_at, child + "/-", depth + 1)


def check_ui(ctx: SemanticContext) -> None:
    """``ui.order`` and ``ui.sections`` name real fields once; ``ui.fields`` fit their fields."""
    ui = ctx.raw.get("ui") or {}
    listed: set[str] = set()
    for i, entry in enumerate(ui.get("order") or []):
        here = pointer_join("/ui/order", i)
        pointer = _entry_pointer(entry)
        if ctx.find(pointer) is None:
            ctx.add(here, f"there is no field '{entry}'", "unknown_field")
        elif pointer in listed:
            ctx.add(here, f"'{entry}' is listed twice", "duplicate")
        listed.add(pointer)
    placed: dict[str, int] = {}
    for s, section in enumerate(ui.get("sections") or []):
        for i, entry in enumerate(section.get("fields") or []):
            here = pointer_join("/ui/sections", s, "fields", i)
            pointer = _entry_pointer(entry)
            target = ctx.find(pointer)
            if target is None or target.parent != "":
                ctx.add(here, f"there is no top-level field '{entry}'", "unknown_field")
            elif pointer in placed:
                ctx.add(here, f"'{entry}' is already in section {placed[pointer] + 1}", "duplicate")
            placed.setdefault(pointer, s)
    for pointer, spec in (ui.get("fields") or {}).items():
        _check_field_ui(ctx, pointer, spec, pointer_join("/ui/fields", pointer))


def _entry_pointer(entry: str) -> str:
    """``reading`` and ``/reading`` both name the top-level field ``reading``."""
    return entry if entry.startswith("/") else pointer_join("", entry)


def _check_field_ui(ctx: SemanticContext, pointer: str, spec: dict[str, Any], at: str) -> None:
    target = ctx.find(pointer)
    if target is None:
        ctx.add(at, f"there is no field at {pointer}", "unknown_field")
        return
    widget = spec.get("widget")
    if widget in WIDGET_FITS:
        fits, needs = WIDGET_FITS[widget]
        if not fits(target):
            kind = KIND_WORDS.get(target.kind, target.kind)
            message = f"the '{widget}' widget needs {needs}, but {pointer} is {kind}"
            ctx.add(pointer_join(at, "widget"), message, "widget_mismatch")
    is_file = widget == "file"
    for option in ("accept", "max_bytes"):
        if option in spec and not is_file:
            ctx.add(pointer_join(at, option), 'only applies with "widget": "file"', "not_allowed")
    if "rows" in spec and widget != "textarea":
        ctx.add(pointer_join(at, "rows"), 'only applies with "widget": "textarea"', "not_allowed")
    if "show_if" in spec:
        _check_schema_text(ctx, spec["show_if"], pointer_join(at, "show_if"))
        ctx.issues.extend(unsupported_keywords(spec["show_if"], pointer_join(at, "show_if")))
        check_condition(ctx, spec["show_if"], pointer_join(at, "show_if"), normalise(target.parent))


def _check_schema_text(ctx: SemanticContext, schema: Any, at: str) -> None:
    """A condition written in JSON Schema is itself valid 2020-12."""
    meta = Draft202012Validator.META_SCHEMA
    checker = validator_for(meta)(meta, format_checker=META_FORMAT_CHECKER)
    ctx.issues.extend(plain_issues(checker.iter_errors(schema), at))
