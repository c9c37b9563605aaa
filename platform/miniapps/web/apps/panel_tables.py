"""Tables and charts the dashboard and indicator panels are built from.

A :class:`Table` holds raw values; :func:`table_cells` formats them for the NHS.UK table
macro and :func:`table_chart` turns a column into a chart for ``static/js/charts.mjs``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Link = Callable[[str], str]  # ODS code -> that organisation's dashboard URL


@dataclass
class Table:
    """Column headings, rows of raw values, and a link for each row's first cell."""

    head: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)
    numeric_from: int = 1  # this column and the ones after it hold numbers

    def add(self, row: list[Any], link: str | None = None) -> None:
        self.rows.append(row)
        self.links.append(link)


def table_chart(
    kind: str, table: Table, column: int, label: str, horizontal: bool
) -> dict[str, Any]:
    """A chart of one column of ``table`` against its first, linked like the table's rows."""
    links = table.links if any(table.links) else None
    return {
        "kind": kind,
        "horizontal": horizontal,
        "labels": [str(row[0]) for row in table.rows],
        "datasets": [{"label": label, "values": [row[column] for row in table.rows]}],
        "links": links,
    }


def table_cells(table: Table) -> list[list[dict[str, Any]]]:
    """Rows for the NHS.UK table macro; responsive tables label each cell with its column."""
    rows = []
    for values, href in zip(table.rows, table.links, strict=True):
        row = []
        for i, (value, heading) in enumerate(zip(values, table.head, strict=True)):
            cell: dict[str, Any] = {"text": plain_text(value), "header": heading}
            if i >= table.numeric_from:
                cell["format"] = "numeric"
            if i == 0 and href:
                cell["href"] = href
            row.append(cell)
        rows.append(row)
    return rows


def plain_text(value: Any) -> str:
    """A raw table value as the page shows it: thousands separated, an en dash for none."""
    if value is None:
        return "\N{EN DASH}"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


CHART_ENDS = 10  # a ranked bar chart of more than twice this shows the top and bottom ten
LONG_TABLE = 10  # a charted table longer than this folds away once its chart is drawn


def readable_bars(chart: dict[str, Any] | None, noun: str) -> tuple[dict[str, Any] | None, str]:
    """A bar chart that stays readable however many organisations there are: ranked by
    its first dataset (highest first, unknown last), cut to the top and bottom
    :data:`CHART_ENDS` (the table keeps every row), and no chart at all when every bar
    would be the same. Returns the chart and a sentence saying what it shows ("" if
    nothing needs saying)."""
    if chart is None or len(chart["labels"]) < 2:
        return chart, ""
    values = chart["datasets"][0]["values"]
    known = {v for v in values if v is not None}
    total = len(values)
    if len(known) <= 1 and None not in values:
        same = plain_text(next(iter(known))) if known else "no value"
        return None, f"No chart: all {total} {noun} have the same value ({same})."
    order = sorted(range(total), key=lambda i: (values[i] is None, -(values[i] or 0)))
    if total > 2 * CHART_ENDS:
        order = order[:CHART_ENDS] + order[-CHART_ENDS:]
    ranked = dict(chart, labels=[chart["labels"][i] for i in order])
    ranked["datasets"] = [
        dict(d, values=[d["values"][i] for i in order]) for d in chart["datasets"]
    ]
    if chart.get("links"):
        ranked["links"] = [chart["links"][i] for i in order]
    if total <= 2 * CHART_ENDS:
        return ranked, ""
    return ranked, (
        f"The chart shows the {CHART_ENDS} highest and {CHART_ENDS} lowest of {total} {noun}, "
        f"ranked; the table lists all {total}."
    )


def panel_view(
    table: Table, chart: dict[str, Any] | None, heading: str, note: str | None
) -> dict[str, Any]:
    """One panel as ``apps/indicators_macros.html``'s ``panel_rows`` and charts.mjs read it:
    the heading, the table's cells, the chart (none for an empty table) and a note."""
    return {
        "heading": heading,
        "note": note,
        "head": [
            {"text": text, "format": "numeric" if i >= table.numeric_from else None}
            for i, text in enumerate(table.head)
        ],
        "rows": table_cells(table),
        "chart": chart if table.rows else None,
        "long": len(table.rows) > LONG_TABLE,
    }
