"""Dashboard widgets as panels: one plain table per widget (the page's no-JS view, and the
CSV download), plus the chart a widget gets (drawn by ``static/js/charts.mjs``).

A table holds raw values; the page formats them and the CSV keeps them as they are.
Every organisation in a table or chart links to the same dashboard one level down.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import find_field
from miniapps.core.exports.cells import csv_text
from miniapps.core.periods.keys import period_label
from miniapps.services.dashboards.declared import DECLARED_WIDGETS
from miniapps.services.dashboards.filters import choices_of
from miniapps.web.apps import dashboard_declared
from miniapps.web.apps.panel_tables import (
    Link,
    Table,
    panel_view,
    plain_text,
    readable_bars,
    table_chart,
)

NUMBER_STATS = (
    ("count", "Count"),
    ("sum", "Sum"),
    ("mean", "Mean"),
    ("min", "Minimum"),
    ("max", "Maximum"),
)
ORG_KINDS = {"icb": "ICB", "place": "Place", "pcn": "PCN", "practice": "practice"}


def build_panel(
    definition: AppDefinition, widget: dict[str, Any], names: dict[str, str], link: Link
) -> dict[str, Any]:
    """What the page needs for one widget: heading, table cells, chart, an optional note."""
    table, chart, heading, note = _describe(definition, widget, names, link)
    return {
        "id": widget["id"],
        "type": widget["type"],
        "title": widget["title"],
        **panel_view(table, chart, heading, note),
        "declared": widget["type"] in DECLARED_WIDGETS,
        **(
            dashboard_declared.declared_extras(widget) if widget["type"] in DECLARED_WIDGETS else {}
        ),
    }


def widget_table(
    definition: AppDefinition, widget: dict[str, Any], names: dict[str, str], link: Link
) -> Table:
    return _describe(definition, widget, names, link)[0]


def table_csv(table: Table) -> str:
    """The table as CSV, through the export rule that keeps text from running as a formula."""
    return csv_text(table.head, table.rows)


def _describe(
    definition: AppDefinition, widget: dict[str, Any], names: dict[str, str], link: Link
) -> tuple[Table, dict[str, Any] | None, str, str | None]:
    data, kind = widget["data"], widget["type"]
    title = widget["title"]
    if kind == "records":
        table = Table(["Organisation", "ODS code", "Records"], numeric_from=2)
        for ods, count in data["by_org"].items():
            table.add([names.get(ods, ods), ods, count], link(ods))
        chart, shown = readable_bars(_bars(table, 2, "Records", horizontal=True), "organisations")
        return table, chart, "Records by organisation", shown or None
    if kind == "number_summary":
        table = Table(["Measure", "Value"])
        for key, label in NUMBER_STATS:
            table.add([label, data[key]])
        return table, None, title, None
    if kind == "value_counts":
        table = Table(["Value", "Count"])
        for key, label in _choices(definition, widget):
            table.add([label, data["counts"].get(key, 0)])
        return table, _bars(table, 1, "Count"), title, None
    if kind == "records_by_period":
        table = Table(["Period", "Records"])
        for row in data["periods"]:
            table.add([period_label(row["period"]), row["count"]])
        return table, _line(table, 1, "Records"), title, None
    if kind == "trend":
        table = Table(["Period", "Count", "Sum", "Mean"])
        for row in data["periods"]:
            table.add([period_label(row["period"]), row["count"], row["sum"], row["mean"]])
        return table, _line(table, 3, "Mean"), title, None
    if kind in DECLARED_WIDGETS:
        return dashboard_declared.declared_panel(widget, names, link)
    return _compared(widget, link)


def _compared(
    widget: dict[str, Any], link: Link
) -> tuple[Table, dict[str, Any] | None, str, str | None]:
    """``records#by_org`` and ``<pointer>#by_org``: ranked children and the parent's average."""
    data = widget["data"]
    parent, children = data["parent"], data["children"]
    kinds = {c["type"] for c in children}
    kind = ORG_KINDS.get(kinds.pop(), "organisation") if len(kinds) == 1 else "organisation"
    where = parent["name"]
    if widget["type"] == "records_by_org":
        table = Table(["Organisation", "ODS code", "Records"], numeric_from=2)
        for child in children:
            table.add([child["name"], child["ods"], child["count"]], link(child["ods"]))
        chart = _bars(table, 2, "Records", horizontal=True)
        average, label = parent["mean"], f"Average per {kind}"
        heading = f"Records per {kind}: {where}"
        total = plain_text(parent["count"])
        note = f"{where}: {total} records, {plain_text(average)} per {kind} on average."
    else:
        head = ["Organisation", "ODS code", "Count", "Mean", "Minimum", "Maximum"]
        table = Table([*head, "Difference from average"], numeric_from=2)
        for c in children:
            row = [c["name"], c["ods"], c["count"], c["mean"], c["min"], c["max"], c["difference"]]
            table.add(row, link(c["ods"]))
        chart = _bars(table, 3, "Mean", horizontal=True)
        average, label = parent["mean"], f"Average for {where}"
        heading = f"{widget['title'].removesuffix(' by organisation below')}: {kind}s compared"
        values = plain_text(parent["count"])
        note = f"Average for {where}: {plain_text(average)} (from {values} values)."
    if chart is not None and average is not None:
        line = [average] * len(table.rows)
        chart["datasets"].append({"label": label, "values": line, "style": "line"})
    chart, shown = readable_bars(chart, f"{kind}s")
    return table, chart, heading, f"{note} {shown}".strip()


def _bars(table: Table, column: int, label: str, horizontal: bool = False) -> dict[str, Any] | None:
    return table_chart("bar", table, column, label, horizontal)


def _line(table: Table, column: int, label: str) -> dict[str, Any] | None:
    return table_chart("line", table, column, label, False)


def _choices(definition: AppDefinition, widget: dict[str, Any]) -> list[tuple[str, str]]:
    """(counts key, label) for every declared choice, then any other value that was counted."""
    found = find_field(definition.schema, widget["id"])
    declared = choices_of(found) if found is not None else []
    known = {key for key, _ in declared}
    extra = [(key, key) for key in widget["data"]["counts"] if key not in known]
    return declared + extra
