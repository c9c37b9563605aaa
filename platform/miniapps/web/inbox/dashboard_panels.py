"""The channel dashboard's figures as panels of the app dashboards' kind: a plain table
per panel (the page's no-JS view, and its CSV download) and the chart drawn from it by
``static/js/charts.mjs``, built with the same :mod:`~miniapps.web.apps.panel_tables`.

Each row naming a provider or a channel links to the dashboard narrowed to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from miniapps.core.periods.keys import period_label
from miniapps.web.apps.panel_tables import (
    Table,
    panel_view,
    readable_bars,
    table_chart,
)

Narrow = Callable[..., str]  # narrow(provider="A00001") -> the dashboard URL so narrowed

SUMMARY = (
    ("items", "Items"),
    ("open", "Open (not closed)"),
    ("awaiting_acknowledgement", "Open, not yet acknowledged"),
    ("awaiting_decision", "Open, not yet decided"),
    ("breached", "Breached a deadline"),
    ("breached_open", "Breached and still open"),
)
CLOCKS = (("acknowledge", "Time to acknowledge"), ("decide", "Time to decide"))
TIMES_NOTE = (
    "Measured from when an item was first sent, over the items whose clock has stopped. "
    "Working days count Monday to Friday except bank holidays, from the day after sending. "
    "The median is the middle value; 90% of items took the 90th percentile or less "
    "(percentiles interpolate between the two nearest items)."
)


Parts = tuple[Table, dict[str, Any] | None, str, str | None]  # table, chart, heading, note


def dashboard_panels(figures: dict[str, Any], narrow: Narrow) -> list[dict[str, Any]]:
    """Every panel of the dashboard, in page order."""
    return [_panel(panel_id, build()) for panel_id, build in _builders(figures, narrow).items()]


def panel_table(figures: dict[str, Any], panel_id: str, narrow: Narrow) -> Table | None:
    """The table behind one panel (for its CSV), or None for no such panel."""
    build = _builders(figures, narrow).get(panel_id)
    return build()[0] if build is not None else None


def _builders(figures: dict[str, Any], narrow: Narrow) -> dict[str, Callable[[], Parts]]:
    return {
        "summary": lambda: _summary(figures["summary"]),
        "times": lambda: _times(figures["times"]),
        "by_provider": lambda: _by_provider(figures["by_provider"], narrow),
        "by_channel": lambda: _by_channel(figures["by_channel"], narrow),
        "by_category": lambda: _by_category(figures["by_category"]),
        "by_month": lambda: _by_month(figures["by_month"]),
    }


def _panel(panel_id: str, parts: Parts) -> dict[str, Any]:
    """The shape ``apps/indicators_macros.html``'s ``panel_rows`` and charts.mjs read."""
    return {"id": panel_id, **panel_view(*parts)}


def _summary(summary: dict[str, int]) -> Parts:
    table = Table(["Figure", "Items"])
    for key, label in SUMMARY:
        table.add([label, summary[key]])
    return table, None, "Summary", None


def _times(times: dict[str, Any]) -> Parts:
    table = Table(
        [
            "Clock",
            "Items timed",
            "Median hours",
            "90th percentile hours",
            "Median working days",
            "90th percentile working days",
        ]
    )
    for key, label in CLOCKS:
        spread = times[key]
        table.add(
            [
                label,
                spread["count"],
                spread["median_hours"],
                spread["p90_hours"],
                spread["median_working_days"],
                spread["p90_working_days"],
            ]
        )
    chart = None
    if any(times[key]["count"] for key, _ in CLOCKS):
        chart = table_chart("bar", table, 2, "Median hours", False)
        p90 = [row[3] for row in table.rows]
        chart["datasets"].append({"label": "90th percentile hours", "values": p90})
    return table, chart, "Time to acknowledge and to decide", TIMES_NOTE


def _by_provider(rows: list[dict[str, Any]], narrow: Narrow) -> Parts:
    table = Table(["Provider", "ODS code", "Items", "Open", "Breached"], numeric_from=2)
    for row in rows:
        values = [row["name"], row["ods"], row["items"], row["open"], row["breached"]]
        table.add(values, narrow(provider=row["ods"]))
    chart, shown = readable_bars(table_chart("bar", table, 2, "Items", True), "providers")
    return table, chart, "Items by provider", shown or None


def _by_channel(rows: list[dict[str, Any]], narrow: Narrow) -> Parts:
    table = Table(["Channel", "App", "Items", "Open", "Breached"], numeric_from=2)
    for row in rows:
        values = [row["title"], row["app_title"], row["items"], row["open"], row["breached"]]
        table.add(values, narrow(channel=row["channel"]))
    chart = table_chart("bar", table, 2, "Items", True) if len(table.rows) > 1 else None
    return table, chart, "Items by channel", None


def _by_category(categories: dict[str, Any]) -> Parts:
    table = Table(["Category", "Items"])
    for row in categories["counts"]:
        table.add([row["category"], row["items"]])
    left = categories["uncategorised"]
    note = (
        f"{left:,} {'item is' if left == 1 else 'items are'} in channels without a "
        "category field, and not counted here."
        if left
        else None
    )
    return table, table_chart("bar", table, 1, "Items", False), "Items by category", note


def _by_month(months: list[dict[str, Any]]) -> Parts:
    table = Table(["Month sent", "Items", "Breached"])
    for row in months:
        table.add([period_label(row["month"]), row["items"], row["breached"]])
    chart = table_chart("line", table, 1, "Items", False)
    chart["datasets"].append({"label": "Breached", "values": [row[2] for row in table.rows]})
    note = "Months are calendar months in London time."
    return table, chart, "Items by month sent", note
