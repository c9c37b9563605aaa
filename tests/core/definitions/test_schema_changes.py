"""Breaking changes between versions, and carrying stored data across with a migration."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_changes import breaking_changes, migrate_data

V1: dict[str, Any] = {
    "id": "training",
    "title": "Training",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "hours": {"type": "number"},
            "sessions": {"type": "integer"},
            "role": {"type": "string", "enum": ["gp", "nurse", "hca"]},
            "skills": {
                "type": "array",
                "uniqueItems": True,
                "items": {"enum": ["ecg", "spirometry"]},
            },
            "courses": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["title"],
                    "properties": {"title": {"type": "string"}, "passed": {"type": "boolean"}},
                },
            },
            "notes": {"type": "string"},
        },
    },
}


def v1() -> AppDefinition:
    return validate_definition(copy.deepcopy(V1))


def v2(migration: dict[str, Any] | None = None, **properties: Any) -> AppDefinition:
    """V1 as version 2 with ``properties`` replaced (``None`` removes one), maybe a migration."""
    raw = copy.deepcopy(V1)
    raw["version"] = 2
    props = raw["schema"]["properties"]
    for key, schema in properties.items():
        if schema is None:
            props.pop(key)
        else:
            props[key] = schema
    if migration is not None:
        raw["migration"] = {"from_version": 1, **migration}
    return validate_definition(raw)


def changes(new: AppDefinition) -> list[tuple[str, str]]:
    return [(i.pointer, i.message) for i in breaking_changes(v1(), new)]


def test_unchanged_and_added_optional_fields_are_fine() -> None:
    assert changes(v2()) == []
    assert changes(v2(site={"type": "string"})) == []


def test_removed_field_is_named() -> None:
    assert changes(v2(notes=None)) == [
        (
            "/schema/properties/notes",
            "field 'notes' would be removed; stored records hold values for it "
            "— keep it or add a migration rename",
        )
    ]


def test_removed_field_repaired_by_rename() -> None:
    new = v2({"rename": {"notes": "comments"}}, notes=None, comments={"type": "string"})
    assert changes(new) == []


def test_removed_nested_field_points_into_items() -> None:
    course = copy.deepcopy(V1["schema"]["properties"]["courses"])
    del course["items"]["properties"]["passed"]
    pointers = [p for p, _ in changes(v2(courses=course))]
    assert pointers == ["/schema/properties/courses/items/properties/passed"]


def test_removed_parent_is_reported_once() -> None:
    assert [p for p, _ in changes(v2(courses=None))] == ["/schema/properties/courses"]


def test_number_narrowed_to_integer() -> None:
    [(pointer, message)] = changes(v2(hours={"type": "integer"}))
    assert pointer == "/schema/properties/hours"
    assert message.startswith("field 'hours' would narrow from number to integer")


def test_type_changed() -> None:
    [(pointer, message)] = changes(v2(notes={"type": "number"}))
    assert pointer == "/schema/properties/notes"
    assert "would change from string to number" in message


def test_widening_is_fine() -> None:
    assert changes(v2(sessions={"type": "number"})) == []
    assert changes(v2(hours={"type": ["number", "null"]})) == []
    assert changes(v2(role={"type": "string"})) == []


def test_nullable_narrowed() -> None:
    raw = copy.deepcopy(V1)
    raw["schema"]["properties"]["hours"] = {"type": ["number", "null"]}
    old = validate_definition(raw)
    [issue] = breaking_changes(old, v2())
    assert issue.pointer == "/schema/properties/hours"


def test_enum_choice_removed_unless_mapped() -> None:
    role = {"type": "string", "enum": ["gp", "nurse"]}
    [(pointer, message)] = changes(v2(role=role))
    assert pointer == "/schema/properties/role"
    assert "would lose the choices: hca" in message
    assert changes(v2({"map_values": {"role": {"hca": "nurse"}}}, role=role)) == []
    # A mapping onto a value that does not exist repairs nothing (and is refused anyway).
    skills = {"type": "array", "uniqueItems": True, "items": {"enum": ["ecg"]}}
    assert "lose the choices: spirometry" in changes(v2(skills=skills))[0][1]


def test_oneof_choices_count_as_enum() -> None:
    role = {"type": "string", "oneOf": [{"const": "gp", "title": "GP"}, {"const": "nurse"}]}
    assert "hca" in changes(v2(role=role))[0][1]


def test_free_text_limited_to_choices() -> None:
    [(pointer, message)] = changes(v2(notes={"type": "string", "enum": ["a", "b"]}))
    assert pointer == "/schema/properties/notes"
    assert "limited to a fixed set of choices" in message


def test_new_required_field_needs_a_default() -> None:
    raw = copy.deepcopy(V1)
    raw["version"] = 2
    raw["schema"]["properties"]["site"] = {"type": "string"}
    raw["schema"]["required"] = ["name", "site"]
    [(pointer, message)] = changes(validate_definition(copy.deepcopy(raw)))
    assert pointer == "/schema/properties/site"
    assert message.startswith("new required field 'site' has no default")
    raw["migration"] = {"from_version": 1, "defaults": {"site": "main"}}
    assert changes(validate_definition(copy.deepcopy(raw))) == []
    del raw["migration"]
    raw["schema"]["properties"]["site"]["default"] = "main"
    assert changes(validate_definition(raw)) == []


def test_optional_field_becoming_required() -> None:
    raw = copy.deepcopy(V1)
    raw["version"] = 2
    raw["schema"]["required"] = ["name", "notes"]
    [(pointer, message)] = changes(validate_definition(raw))
    assert pointer == "/schema/properties/notes"
    assert message.startswith("field 'notes' would become required")


def test_new_required_field_inside_a_new_parent_is_not_double_reported() -> None:
    group = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}
    assert changes(v2(extra=group)) == []


def test_version_and_id_rules() -> None:
    same = validate_definition(copy.deepcopy(V1))
    assert [i.pointer for i in breaking_changes(v1(), same)] == ["/version"]
    other = copy.deepcopy(V1)
    other.update(id="other", version=2)
    assert [i.pointer for i in breaking_changes(v1(), validate_definition(other))] == ["/id"]


def test_migration_for_another_version_is_ignored() -> None:
    raw = copy.deepcopy(V1)
    raw["version"] = 3
    del raw["schema"]["properties"]["notes"]
    raw["migration"] = {"from_version": 2, "rename": {"notes": "name"}}
    pointers = [i.pointer for i in breaking_changes(v1(), validate_definition(raw))]
    assert pointers == ["/migration/from_version", "/schema/properties/notes"]


# migrate_data


def test_migrate_data_applies_rename_then_map_then_defaults() -> None:
    migration = {
        "from_version": 1,
        "rename": {"job": "role", "notes": "comments"},
        "map_values": {"role": {"hca": "nurse"}, "skills": {"ecg": "ecg_12_lead"}, "n": {"1": 10}},
        "defaults": {"site": "main", "role": "gp"},
    }
    data = {"job": "hca", "notes": "hi", "skills": ["ecg", "spirometry"], "n": 1}
    assert migrate_data(data, migration) == {
        "role": "nurse",
        "comments": "hi",
        "skills": ["ecg_12_lead", "spirometry"],
        "n": 10,
        "site": "main",
    }
    assert data == {"job": "hca", "notes": "hi", "skills": ["ecg", "spirometry"], "n": 1}


def test_migrate_data_swaps_names() -> None:
    migration = {"from_version": 1, "rename": {"a": "b", "b": "a"}}
    assert migrate_data({"a": 1, "b": 2}, migration) == {"a": 2, "b": 1}


def test_migrate_data_fills_schema_defaults_of_required_fields() -> None:
    schema = {
        "type": "object",
        "required": ["site", "courses"],
        "properties": {
            "site": {"type": "string", "default": "main"},
            "note": {"type": "string", "default": "unused: not required"},
            "courses": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["passed"],
                    "properties": {"passed": {"type": "boolean", "default": False}},
                },
            },
        },
    }
    data = {"courses": [{}, {"passed": True}]}
    expected = {"site": "main", "courses": [{"passed": False}, {"passed": True}]}
    assert migrate_data(data, None, schema) == expected
    assert migrate_data(data, {"from_version": 1, "defaults": {"site": "x"}}, schema)["site"] == "x"
    assert data == {"courses": [{}, {"passed": True}]}


def test_migrate_data_without_migration_copies() -> None:
    data = {"courses": [{"title": "x"}]}
    result = migrate_data(data, None)
    assert result == data
    result["courses"][0]["title"] = "changed"
    assert data["courses"][0]["title"] == "x"


def test_compatible_versions_keep_stored_records_valid() -> None:
    raw = copy.deepcopy(V1)
    raw["version"] = 2
    props = raw["schema"]["properties"]
    props["comments"] = props.pop("notes")
    props["role"]["enum"] = ["gp", "nurse"]
    props["site"] = {"type": "string"}
    raw["schema"]["required"] = ["name", "site"]
    raw["migration"] = {
        "from_version": 1,
        "rename": {"notes": "comments"},
        "map_values": {"role": {"hca": "nurse"}},
        "defaults": {"site": "main"},
    }
    new = validate_definition(raw)
    assert breaking_changes(v1(), new) == []
    stored = {"name": "A", "role": "hca", "notes": "n", "courses": [{"title": "BLS"}]}
    assert list(Draft202012Validator(V1["schema"]).iter_errors(stored)) == []
    migrated = migrate_data(stored, new.migration, new.schema)
    assert list(Draft202012Validator(new.schema).iter_errors(migrated)) == []


keys = st.text(alphabet="abcdef", min_size=1, max_size=3)
values = st.one_of(st.integers(), st.text(max_size=3), st.booleans(), st.none())


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.dictionaries(keys, values, max_size=6),
    rename=st.dictionaries(keys, keys, max_size=3),
    defaults=st.dictionaries(keys, values, max_size=3),
)
def test_migrate_data_is_pure_and_keeps_every_value(
    data: dict[str, Any], rename: dict[str, str], defaults: dict[str, Any]
) -> None:
    before = copy.deepcopy(data)
    migration = {"from_version": 1, "rename": rename, "defaults": defaults}
    result = migrate_data(data, migration)
    assert data == before
    for key, value in defaults.items():
        assert key in result
        if key not in data and key not in rename.values():
            assert result[key] == value
    targets = set(rename.values())
    if len(targets) == len(rename) and not targets & (set(data) - set(rename)):
        # An injective rename onto free names moves every value and loses none.
        for key, value in data.items():
            assert result[rename.get(key, key)] == value
