"""Panels for the widgets a definition declares (metric, chart, table, indicator, map,
duration, heatmap): their tables and charts like every other panel, plus what the page draws for a
metric or a duration (an NHS.UK card) and an indicator (a progress bar against the lower
and upper thresholds, the RAG status in words, points and £ tiles). Durations are
:mod:`miniapps.web.apps.dashboard_durations`."""

from __future__ import annotations

from typing import Any

from miniapps.core.periods.keys import period_label
from miniapps.web.apps.dashboard_durations import duration_card, duration_panel
from miniapps.web.apps.dashboard_heatmap import heatmap_grid, heatmap_table
from miniapps.web.apps.panel_tables import Link, Table, plain_text, table_chart


def declared_extras(widget: dict[str, Any]) -> dict[str, Any]:
    """The page's extra parts of a declared widget's panel."""
    return {
        "declared": True,
        "metric": (
            _metric(widget)
            if widget["type"] == "metric"
            else duration_card(widget)
            if widget["type"] == "duration"
            else None
        ),
        "indicator": _indicator(widget) if widget["type"] == "indicator" else None,
        "heatmap": heatmap_grid(widget) if widget["type"] == "heatmap" else None,
    }


AGGREGATE_LABELS = {
    "count": "Count",
    "sum": "Sum",
    "mean": "Mean",
    "min": "Minimum",
    "max": "Maximum",
    "items": "Items",
}
RAG = {"red": ("Red", "red"), "amber": ("Amber", "orange"), "green": ("Green", "green")}
INDICATOR_ROWS = (
    ("achievement", "Achievement"),
    ("lower_threshold", "Lower threshold"),
    ("upper_threshold", "Upper threshold"),
    ("rag", "RAG"),
    ("points", "Points"),
    ("max_points", "Maximum points"),
    ("earned", "Earned (£)"),
    ("potential", "Potential (£)"),
    ("remaining", "Remaining (£)"),
    ("to_lower", "Patients needed to reach the lower threshold"),
    ("to_upper", "Patients needed to reach the upper threshold"),
)


def declared_panel(
    widget: dict[str, Any], names: dict[str, str], link: Link
) -> tuple[Table, dict[str, Any] | None, str, str | None]:
    """The widgets a definition declares: metric, chart, table, indicator, map, duration."""
    data, kind, title = widget["data"], widget["type"], widget["title"]
    if kind == "metric":
        table = Table(["Measure", "Value"])
        table.add([AGGREGATE_LABELS[data["aggregate"]], data["value"]])
        if data["period"]:
            table.add(["Period", period_label(data["period"])])
        if data["comparison"]:
            before = period_label(data["comparison"]["period"])
            table.add([f"Value in {before}", data["comparison"]["value"]])
            table.add([f"Change since {before}", data["comparison"]["difference"]])
        return table, None, title, None
    if kind == "chart":
        return _declared_chart(widget, link)
    if kind == "duration":
        return duration_panel(widget, link)
    if kind == "heatmap":
        note = f"{plain_text(data['total'])} records in the grid."
        return heatmap_table(widget), None, title, note
    if kind == "table":
        head = [c["title"] for c in data["columns"]]
        when = "Month" if any("month" in row for row in data["rows"]) else "Period"
        table = Table(["Organisation", when, *head], numeric_from=len(head) + 2)
        for row in data["rows"]:
            shown = row.get("month", row["period"])
            period = period_label(shown) if shown else None
            table.add([names.get(row["ods"], row["ods"]), period, *row["values"]], link(row["ods"]))
        return table, None, title, data.get("restricted")  # see services/dashboards/record_tables
    if kind == "indicator":
        table = Table(["Measure", "Value"])
        if "unavailable" in data:
            return table, None, title, data["unavailable"]
        for key, label in INDICATOR_ROWS:
            table.add([label, RAG.get(data[key], (data[key],))[0] if key == "rag" else data[key]])
        note = f"{data['org_name']}, {period_label(data['period'])}."
        return table, None, f"{title}: {data['code']} {data['title']}", note
    table = Table(["Organisation", "ODS code", AGGREGATE_LABELS[data["aggregate"]]], numeric_from=2)
    for org in data["organisations"]:
        table.add([org["name"], org["ods"], org["value"]], link(org["ods"]))
    return table, None, title, data["note"]


def _declared_chart(
    widget: dict[str, Any], link: Link
) -> tuple[Table, dict[str, Any] | None, str, str | None]:
    data = widget["data"]
    group = data["group_by"]
    first = {"org": "Organisation", "period": "Period", "month": "Month"}.get(group, "Answer")
    if not data["datasets"] or not data["keys"]:  # no records match (yet): a table, no chart
        return Table([first, "Records"]), None, widget["title"], "No records to show yet."
    table = Table([first, *(d["label"] for d in data["datasets"])])
    for i, key in enumerate(data["keys"]):
        label = period_label(key) if group in ("period", "month") else data["labels"][i]
        values = [d["values"][i] for d in data["datasets"]]
        table.add([label, *values], link(key) if group == "org" else None)
    kind = data["chart"]
    chart = table_chart(
        "line" if kind == "line" else "pie" if kind == "pie" else "bar",
        table,
        1,
        table.head[1],
        kind == "ranked_bar",
    )
    chart["datasets"] = [{"label": d["label"], "values": d["values"]} for d in data["datasets"]]
    chart["stacked"] = kind == "stacked_bar"
    note = None
    if data["average"] is not None:
        chart["datasets"].append(
            {"label": "Average", "values": [data["average"]] * len(table.rows), "style": "line"}
        )
        note = f"Average: {plain_text(data['average'])}."
    return table, chart, widget["title"], note


def _metric(widget: dict[str, Any]) -> dict[str, Any]:
    data = widget["data"]
    text = plain_text(data["value"])
    if data["comparison"] and data["comparison"]["difference"] is not None:
        difference = data["comparison"]["difference"]
        sign = "+" if difference > 0 else ""
        text += (
            f" ({sign}{plain_text(difference)} since {period_label(data['comparison']['period'])})"
        )
    label = AGGREGATE_LABELS[data["aggregate"]]
    if data["period"]:
        label += f", {period_label(data['period'])}"
    return {"value": text, "label": label}


def _indicator(widget: dict[str, Any]) -> dict[str, Any] | None:
    """The progress bar (percentages of the 0 to 100 % scale) and the £ tiles."""
    data = widget["data"]
    if "unavailable" in data:
        return None
    achievement = data["achievement"]
    percent = None if achievement is None else round(achievement * 100, 1)
    rag_text, colour = RAG.get(data["rag"], ("No patients", "grey"))
    lower, upper = (round(data[k] * 100, 1) for k in ("lower_threshold", "upper_threshold"))
    return {
        "percent": percent,
        "bar": min(max(percent or 0, 0), 100),
        "lower": lower,
        "upper": upper,
        "rag": rag_text,
        "tag": f"nhsuk-tag--{colour}",
        "label": (
            f"Achievement {plain_text(percent) if percent is not None else 'not known'} %"
            f" against a lower threshold of {plain_text(lower)} %"
            f" and an upper of {plain_text(upper)} %"
        ),
        "points": f"{plain_text(data['points'])} of {plain_text(data['max_points'])} points",
        "money": [
            {"label": label, "value": _money(data[key])}
            for key, label in (
                ("earned", "Earned"),
                ("potential", "Potential"),
                ("remaining", "Remaining"),
            )
        ],
        "to_upper": data["to_upper"],
        "to_lower": data["to_lower"],
    }


def _money(value: Any) -> str:
    return "\N{EN DASH}" if value is None else f"£{value:,.2f}"
