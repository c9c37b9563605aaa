"""The ``duration`` widget's panel: a card with the median, a table (the CSV too) and, when
grouped, a bar chart of the median and 90th percentile per organisation, month or period."""

from __future__ import annotations

from typing import Any

from miniapps.core.periods.keys import period_label
from miniapps.web.apps.panel_tables import Link, Table, plain_text, table_chart

STARTS = {"created": "created", "submitted": "submitted"}
GROUP_HEADINGS = {"org": "Organisation", "month": "Month", "period": "Period"}


def _days(value: Any) -> str:
    return "no records yet" if value is None else f"{plain_text(value)} days"


def duration_card(widget: dict[str, Any]) -> dict[str, Any]:
    """The card: the median time, and how many records it is over."""
    data = widget["data"]
    label = f"Median days from {STARTS[data['from']]} to {data['state_title'].lower()}"
    return {"value": _days(data["median_days"]), "label": label}


def duration_panel(
    widget: dict[str, Any], link: Link
) -> tuple[Table, dict[str, Any] | None, str, str | None]:
    data = widget["data"]
    open_ = data["open"]
    note = (
        f"From {STARTS[data['from']]} to {data['state_title'].lower()}: "
        f"{plain_text(data['count'])} records, median {_days(data['median_days'])}, "
        f"90th percentile {_days(data['p90_days'])}; "
        f"{plain_text(open_['count'])} not there yet"
        + (f" (oldest {_days(open_['max_days'])})." if open_["count"] else ".")
    )
    group = data["group_by"]
    if group not in GROUP_HEADINGS:
        table = Table(["Measure", "Value"])
        table.add([f"Records that reached {data['state_title'].lower()}", data["count"]])
        table.add(["Median (days)", data["median_days"]])
        table.add(["90th percentile (days)", data["p90_days"]])
        table.add(["Not there yet", open_["count"]])
        table.add(["Median age of those not there yet (days)", open_["median_days"]])
        table.add(["Oldest not there yet (days)", open_["max_days"]])
        return table, None, widget["title"], note
    head = ["Reached", "Median (days)", "90th percentile (days)", "Not there yet"]
    table = Table([GROUP_HEADINGS[group], *head, "Oldest not there yet (days)"])
    for row in data["groups"]:
        label = row["label"] if group == "org" else period_label(row["key"])
        values = [row["count"], row["median_days"], row["p90_days"], row["open"]["count"]]
        table.add(
            [label, *values, row["open"]["max_days"]], link(row["key"]) if group == "org" else None
        )
    chart = table_chart("bar", table, 2, "Median (days)", group == "org")
    chart["datasets"].append(
        {"label": "90th percentile (days)", "values": [row[3] for row in table.rows]}
    )
    return table, chart, widget["title"], note
