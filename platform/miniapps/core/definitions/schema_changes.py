"""What a new version of an app would do to the records stored under the old one.

:func:`breaking_changes` compares two definitions structurally: fields removed,
types narrowed or changed, enum choices dropped, fields that become required
without a default. What the new definition's ``migration`` repairs (rename,
map_values, defaults) is not reported. Tightened bounds (a lower ``maximum``, a
new ``pattern``) are not judged here: services re-validate stored records
against the new schema for that. :func:`migrate_data` applies a migration to
one record's data.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from miniapps.core.definitions.context import schema_pointer
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field, enum_choices, field_kind, resolve
from miniapps.core.errors import Issue
from miniapps.core.pointers import pointer_join, pointer_parts


def breaking_changes(old: AppDefinition, new: AppDefinition) -> list[Issue]:
    """Every way ``new`` would make records made with ``old`` invalid or lose their data."""
    issues: list[Issue] = []
    if new.id != old.id:
        issues.append(
            Issue("/id", f"must stay '{old.id}' for a new version of this app", "id_changed")
        )
    if new.version <= old.version:
        message = f"must be greater than the published version ({old.version})"
        issues.append(Issue("/version", message, "version"))
    migration = new.migration or {}
    if migration and migration.get("from_version") != old.version:
        message = (
            f"the migration starts from version {migration.get('from_version')}, "
            f"but the published version is {old.version}"
        )
        issues.append(Issue("/migration/from_version", message, "migration_version"))
        migration = {}
    rename: dict[str, str] = migration.get("rename") or {}
    defaults: dict[str, Any] = migration.get("defaults") or {}
    map_values: dict[str, dict[str, Any]] = migration.get("map_values") or {}
    old_fields = {f.pointer: f for f in old.fields}
    new_fields = {f.pointer: f for f in new.fields}

    removed: list[str] = []
    for pointer, before in old_fields.items():
        if any(pointer.startswith(gone + "/") for gone in removed):
            continue
        after = new_fields.get(_renamed(pointer, rename))
        if after is None:
            removed.append(pointer)
            message = (
                f"field '{before.key}' would be removed; stored records hold values for it "
                "— keep it or add a migration rename"
            )
            issues.append(Issue(schema_pointer(pointer), message, "field_removed"))
            continue
        table = map_values.get(after.key) if after.parent == "" else None
        issues.extend(_type_changes(before, after, table or {}))

    renamed_back = {new_key: old_key for old_key, new_key in rename.items()}
    for pointer, after in new_fields.items():
        if not after.required or not _parent_existed(after, old_fields, renamed_back):
            continue
        previous = old_fields.get(_renamed(pointer, renamed_back))
        if previous is not None and previous.required:
            continue
        if "default" in after.schema or (after.parent == "" and after.key in defaults):
            continue
        if previous is None:
            message = (
                f"new required field '{after.key}' has no default; stored records do not have it "
                '— give it a "default" in the schema or add it to migration.defaults'
            )
        else:
            message = (
                f"field '{after.key}' would become required; stored records without it would be "
                'invalid — give it a "default" in the schema or add it to migration.defaults'
            )
        issues.append(Issue(schema_pointer(pointer), message, "required_without_default"))
    return issues


def migrate_data(
    data: dict[str, Any], migration: dict[str, Any] | None, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A new dict: ``data`` with the migration's renames, then value maps, then defaults applied.

    Given the new version's ``schema``, required fields still missing afterwards get the
    ``default`` their schema declares (at any depth), as :func:`breaking_changes` assumes.
    """
    if not migration:
        result = copy.deepcopy(data)
        if schema is not None:
            _fill_schema_defaults(result, schema, schema)
        return result
    rename: dict[str, str] = migration.get("rename") or {}
    # Renames are simultaneous (a→b and b→a swap); a renamed value wins over a kept one.
    result = {key: copy.deepcopy(value) for key, value in data.items() if key not in rename}
    for key, value in data.items():
        if key in rename:
            result[rename[key]] = copy.deepcopy(value)
    for key, table in (migration.get("map_values") or {}).items():
        if key not in result:
            continue
        value = result[key]
        if isinstance(value, list):
            result[key] = [_mapped(item, table)[1] for item in value]
        else:
            result[key] = _mapped(value, table)[1]
    for key, value in (migration.get("defaults") or {}).items():
        if key not in result:
            result[key] = copy.deepcopy(value)
    if schema is not None:
        _fill_schema_defaults(result, schema, schema)
    return result


def _fill_schema_defaults(data: Any, schema: Any, root: dict[str, Any], depth: int = 0) -> None:
    """Give missing required members of ``data`` their schema ``default``, recursively."""
    schema = resolve(schema, root)
    if not isinstance(data, dict) or not isinstance(schema, dict) or depth > 20:
        return
    required = set(schema.get("required") or [])
    for key, sub in (schema.get("properties") or {}).items():
        sub = resolve(sub, root)
        if not isinstance(sub, dict):
            continue
        if key not in data and key in required and "default" in sub:
            data[key] = copy.deepcopy(sub["default"])
        kind = field_kind(sub, root)
        if kind == "object":
            _fill_schema_defaults(data.get(key), sub, root, depth + 1)
        elif kind == "repeat" and isinstance(data.get(key), list):
            for item in data[key]:
                _fill_schema_defaults(item, sub.get("items"), root, depth + 1)


def _mapped(value: Any, table: dict[str, Any]) -> tuple[bool, Any]:
    """``(True, new)`` when ``table`` maps ``value`` (by its text, or its JSON for non-strings)."""
    if isinstance(value, str) and value in table:
        return True, copy.deepcopy(table[value])
    text = json.dumps(value)
    if not isinstance(value, str) and text in table:
        return True, copy.deepcopy(table[text])
    return False, value


def _renamed(pointer: str, rename: dict[str, str]) -> str:
    """Apply a top-level rename to a field pointer."""
    parts = pointer_parts(pointer)
    if not parts:
        return pointer
    return pointer_join("", rename.get(parts[0], parts[0]), *parts[1:])


def _parent_existed(
    field: Field, old_fields: dict[str, Field], renamed_back: dict[str, str]
) -> bool:
    if field.parent == "":
        return True
    parent = field.parent[:-2] if field.parent.endswith("/-") else field.parent
    return _renamed(parent, renamed_back) in old_fields


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if value is None:
        return "null"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), "string")


def _types(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema accepts, ``None`` for any."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    choices = enum_choices(schema)
    if choices:
        return {_json_type(value) for value, _ in choices}
    if "properties" in schema:
        return {"object"}
    return None


def _covers(old: set[str] | None, new: set[str] | None) -> bool:
    if new is None:
        return True
    if old is None:
        return False
    return all(t in new or (t == "integer" and "number" in new) for t in old)


def _describe(types: set[str] | None) -> str:
    return " or ".join(sorted(types)) if types else "any type"


def _choices(field: Field) -> list[Any] | None:
    if field.kind not in ("enum", "multi_enum"):
        return None
    return [value for value, _ in field.choices]


def _type_changes(before: Field, after: Field, table: dict[str, Any]) -> list[Issue]:
    at = schema_pointer(after.pointer)
    old_types, new_types = _types(before.schema), _types(after.schema)
    if not _covers(old_types, new_types):
        narrowed = old_types == {"number"} and new_types == {"integer"}
        verb = "narrow" if narrowed else "change"
        message = (
            f"field '{after.key}' would {verb} from {_describe(old_types)} to "
            f"{_describe(new_types)}; stored values may no longer be valid — keep the type"
        )
        return [Issue(at, message, "type_changed")]
    if (before.kind == "array" and after.kind == "multi_enum") or (
        before.kind not in ("enum", "multi_enum") and after.kind == "enum"
    ):
        message = (
            f"field '{after.key}' would be limited to a fixed set of choices; stored values "
            "may not be among them — keep it free or add a migration"
        )
        return [Issue(at, message, "choices_limited")]
    old_choices, new_choices = _choices(before), _choices(after)
    if old_choices is None or new_choices is None or before.kind != after.kind:
        return []
    allowed = {json.dumps(v, sort_keys=True) for v in new_choices}
    lost = []
    for value in old_choices:
        if json.dumps(value, sort_keys=True) in allowed:
            continue
        found, target = _mapped(value, table)
        if not (found and json.dumps(target, sort_keys=True) in allowed):
            lost.append(value if isinstance(value, str) else json.dumps(value))
    if not lost:
        return []
    message = (
        f"field '{after.key}' would lose the choices: {', '.join(lost)}; stored records may "
        "hold them — keep them or map them to new values in migration.map_values"
    )
    return [Issue(at, message, "choices_removed")]
