"""The studio's templates gallery: bundled definitions to copy and adapt.

The templates are package data (``miniapps/studio_templates/*.json``, in the wheel):
copies of the bundled apps and examples (IIF return, vaccine fridge log, staff training,
IPC audit, incident form) with what needs other loaded data left out (CQC evidence links).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from miniapps.core.studio.spreadsheet import MAX_TITLE, id_problem

# The order the gallery shows them in.
TEMPLATE_IDS = ("staff_training", "fridge_log", "ipc_audit", "incident_form", "iif_return")


class TemplateNotFound(LookupError):
    """No bundled template has that id."""


@dataclass(frozen=True)
class GalleryEntry:
    """One template: what the gallery card says about it."""

    id: str
    title: str
    description: str
    fields: int  # top-level questions
    period: str  # "monthly", "none", ...
    has_workflow: bool


@cache
def _raw(template_id: str) -> str:
    if template_id not in TEMPLATE_IDS:
        raise TemplateNotFound(template_id)
    return (files("miniapps") / "studio_templates" / f"{template_id}.json").read_text("utf-8")


def template_definition(template_id: str) -> dict[str, Any]:
    """A fresh copy of the template's definition (raises :class:`TemplateNotFound`)."""
    loaded: dict[str, Any] = json.loads(_raw(template_id))
    return loaded


def gallery_entries() -> list[GalleryEntry]:
    """Every template, in gallery order."""
    entries = []
    for template_id in TEMPLATE_IDS:
        definition = template_definition(template_id)
        entries.append(
            GalleryEntry(
                id=template_id,
                title=definition["title"],
                description=definition.get("description", ""),
                fields=len(definition["schema"].get("properties", {})),
                period=(definition.get("period") or {}).get("frequency", "none"),
                has_workflow="workflow" in definition,
            )
        )
    return entries


def copy_problems(app_id: str, title: str) -> list[tuple[str, str]]:
    """(form field, message) for a new id or title that a copy cannot take."""
    problems = []
    if problem := id_problem(app_id):
        problems.append(("app_id", problem[:1].upper() + problem[1:]))
    if not title.strip() or len(title.strip()) > MAX_TITLE:
        problems.append(("title", f"Enter a title of 1 to {MAX_TITLE} characters"))
    return problems


def definition_from_template(template_id: str, app_id: str, title: str) -> dict[str, Any]:
    """The template as a new app's definition: the new id and title, version 1."""
    definition = template_definition(template_id)
    definition["id"], definition["title"], definition["version"] = app_id, title.strip(), 1
    definition.pop("migration", None)  # a first version migrates nothing
    return definition
