"""The edits of the app as a whole: details, sections, period, workflow and dashboard
widgets (each a form of the editor page posting to the edit dispatcher)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from miniapps.core.studio import editing
from miniapps.core.studio.editing import EditRefused
from miniapps.core.studio.editing_period import PERIOD_FREQUENCIES, set_period
from miniapps.core.studio.editing_widgets import (
    WIDGET_MENU,
    add_widget,
    delete_widget,
    move_widget,
    widget_fields,
)
from miniapps.core.studio.editing_workflow import WORKFLOW_PATTERNS, set_workflow
from miniapps.core.studio.field_kinds import FIELD_KINDS
from miniapps.web.studio.ops import Edited, Form, index, op, required_text, text, whole


@op("set_details")
def set_details(definition: dict[str, Any], form: Form) -> Edited:
    title = required_text(form, "title", "the app's name", at="/title")
    changed = editing.set_details(definition, title=title, description=text(form, "description"))
    return Edited(changed, "Changed the app's name and description", anchor="details")


def _sections(definition: dict[str, Any]) -> list[Any]:
    ui = definition.get("ui")
    sections = ui.get("sections") if isinstance(ui, dict) else None
    return sections if isinstance(sections, list) else []


def _section_index(definition: dict[str, Any], form: Form) -> int:
    at = index(form, "index", "The section")
    if not 0 <= at < len(_sections(definition)):
        raise EditRefused("/ui/sections", "There is no such section (any more)")
    return at


@op("add_section")
def add_section(definition: dict[str, Any], form: Form) -> Edited:
    title = required_text(form, "title", "the section's heading", at="/ui/sections")
    changed = editing.add_section(definition, title, text(form, "description"))
    return Edited(changed, f"Added the section “{title}”", anchor="sections")


@op("update_section")
def update_section(definition: dict[str, Any], form: Form) -> Edited:
    at = _section_index(definition, form)
    title = required_text(form, "title", "the section's heading", at=f"/ui/sections/{at}")
    changed = editing.update_section(definition, at, title, text(form, "description"))
    return Edited(changed, f"Changed the section “{title}”", anchor="sections")


def _section_move(definition: dict[str, Any], form: Form, step: int) -> Edited:
    at = _section_index(definition, form)
    to = at + step
    if not 0 <= to < len(_sections(definition)):
        return Edited(definition, "The section is already there", anchor="sections")
    changed = editing.move_section(definition, at, to)
    return Edited(changed, f"Moved section {at + 1} {'up' if step < 0 else 'down'}", "sections")


@op("section_up")
def section_up(definition: dict[str, Any], form: Form) -> Edited:
    return _section_move(definition, form, -1)


@op("section_down")
def section_down(definition: dict[str, Any], form: Form) -> Edited:
    return _section_move(definition, form, 1)


@op("delete_section")
def delete_section(definition: dict[str, Any], form: Form) -> Edited:
    at = _section_index(definition, form)
    title = str(_sections(definition)[at].get("title") or f"section {at + 1}")
    changed = editing.delete_section(definition, at)
    return Edited(changed, f"Deleted the section “{title}” (its questions stay)", "sections")


@op("set_period")
def period_op(definition: dict[str, Any], form: Form) -> Edited:
    frequency = text(form, "frequency") or "none"
    if frequency not in PERIOD_FREQUENCIES:
        raise EditRefused("/period/frequency", "Choose how often a return is owed")
    owed_by = tuple(form.getlist("owed_by")) or ("practice",)
    changed = set_period(
        definition,
        frequency=frequency,
        due_day=whole(form, "due_day", "The due day", at="/period/due_day"),
        owed_by=owed_by,
        several=form.get("several") == "yes",
    )
    words = "No period" if frequency == "none" else f"A {frequency} return"
    return Edited(changed, f"Changed the period: {words}", anchor="period")


@op("set_workflow")
def workflow_op(definition: dict[str, Any], form: Form) -> Edited:
    pattern = text(form, "pattern")
    if pattern not in WORKFLOW_PATTERNS:
        raise EditRefused("/workflow", "Choose how records move on once filled in")
    changed = set_workflow(
        definition, pattern, stakeholder_types=tuple(form.getlist("stakeholder_types"))
    )
    label = WORKFLOW_PATTERNS[pattern].label
    return Edited(changed, f"Changed the workflow: {label}", anchor="workflow")


@op("add_widget")
def add_widget_op(definition: dict[str, Any], form: Form) -> Edited:
    menu_id, field = text(form, "menu_id"), text(form, "field")
    if text(form, "choice"):  # the grouped select: "<menu id> <pointer>"
        menu_id, _, field = text(form, "choice").partition(" ")
    if menu_id not in WIDGET_MENU:
        raise EditRefused("/dashboard/widgets", "Choose what the widget shows")
    title = text(form, "title") or None
    changed = add_widget(definition, menu_id, field=field or None, title=title)
    return Edited(changed, f"Added a widget: {WIDGET_MENU[menu_id].label}", anchor="widgets")


def _widget_id(definition: dict[str, Any], form: Form) -> str:
    widget_id = text(form, "widget_id")
    dashboard = definition.get("dashboard")
    widgets = dashboard.get("widgets") if isinstance(dashboard, dict) else None
    ids = [w.get("id") for w in widgets or [] if isinstance(w, dict)]
    if widget_id not in ids:
        raise EditRefused("/dashboard/widgets", "There is no such widget (any more)")
    return widget_id


@op("delete_widget")
def delete_widget_op(definition: dict[str, Any], form: Form) -> Edited:
    widget_id = _widget_id(definition, form)
    changed = delete_widget(definition, widget_id)
    return Edited(changed, "Deleted a dashboard widget", anchor="widgets")


def _widget_move(definition: dict[str, Any], form: Form, step: int) -> Edited:
    widget_id = _widget_id(definition, form)
    widgets = [w for w in definition["dashboard"]["widgets"] if isinstance(w, dict)]
    to = [w.get("id") for w in widgets].index(widget_id) + step
    if not 0 <= to < len(widgets):
        return Edited(definition, "The widget is already there", anchor="widgets")
    changed = move_widget(definition, widget_id, to)
    return Edited(changed, "Moved a dashboard widget", anchor="widgets")


@op("widget_up")
def widget_up(definition: dict[str, Any], form: Form) -> Edited:
    return _widget_move(definition, form, -1)


@op("widget_down")
def widget_down(definition: dict[str, Any], form: Form) -> Edited:
    return _widget_move(definition, form, 1)


@dataclass(frozen=True)
class WidgetOption:
    """One option of the add-widget select: ``value`` is ``<menu id>`` or
    ``<menu id> <pointer>``; a menu entry with no fitting question yet is disabled."""

    value: str
    text: str
    disabled: bool = False


def widget_options(definition: dict[str, Any]) -> list[tuple[str, list[WidgetOption]]]:
    """The add-widget menu grouped by entry, each offering only the questions it fits."""
    groups = []
    for menu_id, entry in WIDGET_MENU.items():
        try:
            fields = widget_fields(definition, menu_id) if entry.field_kinds else []
        except (TypeError, AttributeError, KeyError, ValueError):  # half-written JSON
            fields = []
        options = []
        if not entry.field_needed:
            plain = "Count the records" if entry.field_kinds else entry.label
            options.append(WidgetOption(menu_id, plain))
        for pointer, name in fields:
            options.append(WidgetOption(f"{menu_id} {pointer}", f"{entry.label}: “{name}”"))
        if entry.field_needed and not fields:
            kinds = " or ".join(FIELD_KINDS[k].label.lower() for k in entry.field_kinds)
            options.append(WidgetOption(menu_id, f"(needs a {kinds} question first)", True))
        groups.append((f"{entry.label}: {entry.hint}", options))
    return groups
