"""Dashboard widgets from a menu: each entry writes one ``dashboard.widgets`` entry of the
engine's declared widgets (``metric``, ``chart``, ``table``), named and grouped for the
app (by period for a periodic return, else by month)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from miniapps.core.studio.editing_base import (
    EditRefused,
    checked,
    clean_label,
    copied,
    label_of,
    locate,
    member,
    unique_name,
)
from miniapps.core.studio.field_kinds import data_pattern, kind_of

# The automatic dashboard's widget ids: a declared widget must not take them.
AUTOMATIC_IDS = frozenset({"records", "records_by_period"})


@dataclass(frozen=True)
class WidgetChoice:
    """One entry of the widget menu; ``field_kinds``: the kinds of top-level field it
    needs (empty: none), ``field_needed``: whether a field must be chosen."""

    id: str
    label: str
    hint: str
    field_kinds: tuple[str, ...] = ()
    field_needed: bool = False


WIDGET_MENU: dict[str, WidgetChoice] = {
    w.id: w
    for w in (
        WidgetChoice("count_by_period", "Records over time", "A bar chart of records per period."),
        WidgetChoice(
            "answers_chart",
            "Answers to a question",
            "A bar chart of how many records gave each answer to a choice or yes/no question.",
            ("one_choice", "yes_no"),
            True,
        ),
        WidgetChoice(
            "number_trend",
            "A number over time",
            "A line chart of the average of a number question per period.",
            ("number", "whole_number"),
            True,
        ),
        WidgetChoice("latest_table", "Latest records", "A table of the newest records."),
        WidgetChoice(
            "metric",
            "One figure",
            "The number of records, or the total of a number question.",
            ("number", "whole_number"),
        ),
    )
}


def widget_fields(definition: dict[str, Any], menu_id: str) -> list[tuple[str, str]]:
    """``(pointer, label)`` of the top-level fields the menu entry ``menu_id`` may use."""
    choice = WIDGET_MENU[menu_id]
    properties = (definition.get("schema") or {}).get("properties") or {}
    return [
        (f"/{key}", label_of(schema, key))
        for key, schema in properties.items()
        if kind_of(definition, f"/{key}") in choice.field_kinds
    ]


def _widgets(definition: dict[str, Any]) -> list[Any]:
    dashboard = member(definition, "dashboard", "/dashboard")
    if not isinstance(dashboard.get("widgets"), list):
        dashboard["widgets"] = []
    widgets: list[Any] = dashboard["widgets"]
    return widgets


def add_widget(
    definition: dict[str, Any], menu_id: str, *, field: str | None = None, title: str | None = None
) -> dict[str, Any]:
    """Add the widget ``menu_id`` (a key of :data:`WIDGET_MENU`) at the end of the
    dashboard, about ``field`` where it needs one, titled ``title`` (or a title made
    from the menu entry and the field)."""
    dashboard = definition.get("dashboard")
    count = len(dashboard.get("widgets") or []) if isinstance(dashboard, dict) else 0
    at = f"/dashboard/widgets/{count}"
    if menu_id not in WIDGET_MENU:
        raise EditRefused(at, f"there is no dashboard widget called '{menu_id}'")
    choice = WIDGET_MENU[menu_id]
    label = None
    if field:
        pointer = data_pattern(field)
        if pointer not in dict(widget_fields(definition, menu_id)):
            raise EditRefused(at, f"“{choice.label}” cannot show {field}: choose another question")
        spot = locate(definition, pointer)
        label = label_of(spot.schema, spot.key)
    elif choice.field_needed:
        raise EditRefused(at, f"choose the question “{choice.label}” shows")
    period = definition.get("period")
    periodic = isinstance(period, dict) and period.get("frequency", "none") != "none"
    over = "period" if periodic else "month"
    widget: dict[str, Any] = {}
    if menu_id == "count_by_period":
        widget = {"type": "chart", "chart": "bar", "group_by": over}
        default = f"Records each {over}"
    elif menu_id == "answers_chart":
        widget = {"type": "chart", "chart": "bar", "group_by": field}
        default = f"Answers to “{label}”"
    elif menu_id == "number_trend":
        widget = {"type": "chart", "chart": "line", "field": field}
        widget |= {"aggregate": "mean", "group_by": over}
        default = f"{label}: average by {over}"
    elif menu_id == "latest_table":
        widget = {"type": "table", "limit": 20}
        default = "Latest records"
    else:
        widget = {"type": "metric"} | ({"field": field, "aggregate": "sum"} if field else {})
        default = f"Total {label}" if field else "Records"
    text = clean_label(title if title is not None and title.strip() else default, at, "widget")
    edited = copied(definition)
    widgets = _widgets(edited)
    taken = {str(w.get("id")) for w in widgets if isinstance(w, dict)} | AUTOMATIC_IDS
    widgets.append({"id": unique_name(text, taken, "widget"), "title": text} | widget)
    return checked(definition, edited, at, (at,))


def _index(definition: dict[str, Any], widget_id: str) -> int:
    widgets = (definition.get("dashboard") or {}).get("widgets") or []
    for index, widget in enumerate(widgets):
        if isinstance(widget, dict) and widget.get("id") == widget_id:
            return index
    raise EditRefused("/dashboard/widgets", f"there is no dashboard widget '{widget_id}'")


def delete_widget(definition: dict[str, Any], widget_id: str) -> dict[str, Any]:
    """Remove the widget with id ``widget_id`` (an emptied ``dashboard`` goes too)."""
    index = _index(definition, widget_id)
    edited = copied(definition)
    widgets = _widgets(edited)
    del widgets[index]
    if not widgets:
        del edited["dashboard"]["widgets"]
        if not edited["dashboard"]:
            del edited["dashboard"]
    return checked(definition, edited, f"/dashboard/widgets/{index}", None)


def move_widget(definition: dict[str, Any], widget_id: str, to_index: int) -> dict[str, Any]:
    """Move a widget to ``to_index`` (past either end: first or last)."""
    index = _index(definition, widget_id)
    edited = copied(definition)
    widgets = _widgets(edited)
    widget = widgets.pop(index)
    widgets.insert(max(0, min(to_index, len(widgets))), widget)
    return checked(definition, edited, f"/dashboard/widgets/{index}", None)
