"""Definitions the studio tests edit: real bundled apps and examples, and helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from miniapps.core.definitions.loading import bundle_files, read_definition, validate_definition
from miniapps.core.definitions.schema_fields import iter_fields
from miniapps.core.studio.editing import add_field, blank_definition
from miniapps.core.studio.field_kinds import property_at

ROOT = Path(__file__).resolve().parents[3]


def real_definitions() -> list[tuple[str, dict[str, Any]]]:
    """Every bundled app definition, example and studio template: ``(name, definition)``."""
    paths: list[Path] = []
    for folder in sorted((ROOT / "apps").iterdir()):
        if (folder / "app.json").exists():
            paths += bundle_files(folder)
    paths += sorted((ROOT / "docs" / "examples").glob("*/app.json"))
    paths += sorted((ROOT / "platform" / "miniapps" / "studio_templates").glob("*.json"))
    found = []
    for path in paths:
        raw, _ = read_definition(path)
        found.append((str(path.relative_to(ROOT)), raw))
    return found


def field_pointers(definition: dict[str, Any]) -> list[str]:
    """Every field declared in ``properties`` (not only in a branch), depth first."""
    found = [f.pointer for f in iter_fields(definition["schema"])]
    return [p for p in found if property_at(definition, p) is not None]


def assert_valid(definition: dict[str, Any]) -> None:
    validate_definition(definition)


def sample_app() -> dict[str, Any]:
    """A staff check: yes/no, a conditional text, a choice, a group and a repeat."""
    d = blank_definition("staff_check", "Staff check")
    d, _ = add_field(d, kind="text", label="Name")
    d, _ = add_field(d, kind="yes_no", label="Has a DBS check")
    d, _ = add_field(d, kind="text", label="DBS number")
    d, _ = add_field(d, kind="one_choice", label="Role")
    d, _ = add_field(d, kind="group", label="About")
    d, _ = add_field(d, kind="whole_number", label="Years in post", parent="/about")
    d, _ = add_field(d, kind="repeat", label="Courses")
    d, _ = add_field(d, kind="text", label="Course name", parent="/courses")
    d, _ = add_field(d, kind="date", label="Completed on", parent="/courses")
    return d
