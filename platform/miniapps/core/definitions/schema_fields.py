"""Walk an app's record schema and describe its fields.

A *field* is a property of an object schema, addressed by its JSON pointer into
record data (``/reading``, ``/courses/0/completed`` is an item of the repeating
field ``/courses``). Local ``$ref`` (``#/$defs/...``) are resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from miniapps.core.pointers import item_pattern, pointer_join, pointer_parts

# What a field holds, as far as forms, dashboards and exports care.
KINDS = (
    "string",
    "integer",
    "number",
    "boolean",
    "enum",  # one of a fixed set (enum, or oneOf of const+title)
    "multi_enum",  # array of enum with uniqueItems: several of a fixed set
    "object",  # nested object: a fieldset
    "repeat",  # array of objects: a repeating section
    "array",  # any other array (free list of scalars)
)


@dataclass(frozen=True)
class Field:
    pointer: str  # where the value lives in one record's data; repeat items use "/-"
    key: str
    schema: dict[str, Any]  # the property's schema with local $refs resolved
    kind: str
    required: bool  # listed in the parent's "required"
    parent: str  # pointer of the containing object ("" for top level)

    @property
    def title(self) -> str:
        return str(self.schema.get("title") or self.key.replace("_", " ").capitalize())

    @property
    def choices(self) -> list[tuple[Any, str]]:
        """(value, label) pairs of an enum or multi_enum field."""
        source = self.schema["items"] if self.kind == "multi_enum" else self.schema
        return enum_choices(source)


def resolve(schema: Any, root: dict[str, Any]) -> Any:
    """Follow local ``$ref`` chains; siblings of ``$ref`` override the target's members."""
    seen: set[str] = set()
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if not ref.startswith("#") or ref in seen:
            return schema
        seen.add(ref)
        target: Any = root
        for token in pointer_parts(ref[1:]):
            if not isinstance(target, dict) or token not in target:
                return schema
            target = target[token]
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **siblings} if isinstance(target, dict) else target
    return schema


def enum_choices(schema: dict[str, Any]) -> list[tuple[Any, str]]:
    """(value, label) pairs for ``enum`` or ``oneOf``/``anyOf`` of ``const`` (+ ``title``)."""
    if "enum" in schema:
        return [(v, str(v)) for v in schema["enum"]]
    options = schema.get("oneOf") or schema.get("anyOf") or []
    if options and all(isinstance(o, dict) and "const" in o for o in options):
        return [(o["const"], str(o.get("title", o["const"]))) for o in options]
    return []


def schema_type(schema: dict[str, Any]) -> str | None:
    """The single non-null JSON type of a schema (``["number", "null"]`` gives ``number``)."""
    declared = schema.get("type")
    if isinstance(declared, list):
        non_null = [t for t in declared if t != "null"]
        return non_null[0] if len(non_null) == 1 else None
    return declared


def field_kind(schema: dict[str, Any], root: dict[str, Any]) -> str:
    if enum_choices(schema):
        return "enum"
    kind = schema_type(schema)
    if kind == "array":
        items = resolve(schema.get("items", {}), root)
        if isinstance(items, dict) and enum_choices(items):
            return "multi_enum"
        if isinstance(items, dict) and (schema_type(items) == "object" or "properties" in items):
            return "repeat"
        return "array"
    if kind == "object" or (kind is None and "properties" in schema):
        return "object"
    if kind in ("integer", "number", "boolean"):
        return kind
    return "string"


def iter_fields(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Iterator[Field]:
    """Yield every field of an object schema, depth first, in declaration order.

    Properties declared only inside ``if``/``then``/``else``, ``allOf`` or
    ``dependentSchemas`` branches are yielded too (once, after the plain ones).
    """
    root = schema if root is None else root
    yield from _walk(resolve(schema, root), root, "")


def _walk(schema: dict[str, Any], root: dict[str, Any], base: str) -> Iterator[Field]:
    seen: set[str] = set()
    for properties, required in _property_sets(schema, root):
        for key, sub in properties.items():
            if key in seen:
                continue
            seen.add(key)
            sub = resolve(sub, root)
            if not isinstance(sub, dict):
                sub = {}
            kind = field_kind(sub, root)
            pointer = pointer_join(base, key)
            yield Field(pointer, key, sub, kind, key in required, base)
            if kind == "object":
                yield from _walk(sub, root, pointer)
            elif kind == "repeat":
                yield from _walk(resolve(sub["items"], root), root, pointer_join(pointer, "-"))


def _property_sets(
    schema: dict[str, Any], root: dict[str, Any]
) -> Iterator[tuple[dict[str, Any], set[str]]]:
    """The object's own properties, then those of its conditional branches."""
    yield schema.get("properties", {}) or {}, set(schema.get("required", []) or [])
    branches: list[Any] = [schema.get("then"), schema.get("else")]
    branches += list(schema.get("allOf", []) or [])
    branches += list((schema.get("dependentSchemas") or {}).values())
    for branch in branches:
        branch = resolve(branch, root)
        if isinstance(branch, dict):
            yield from _property_sets(branch, root)


def find_field(schema: dict[str, Any], pointer: str) -> Field | None:
    """The field at ``pointer`` (array indices may be given as numbers or ``-``)."""
    wanted = item_pattern(pointer)
    for field in iter_fields(schema):
        if field.pointer == wanted:
            return field
    return None
