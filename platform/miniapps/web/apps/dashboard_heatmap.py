"""The ``heatmap`` widget's panel: a grid table (impact rows from high to low, likelihood
columns from low to high) whose cells say their count and band in words and are coloured
by band, and a plain table of every cell for the CSV download."""

from __future__ import annotations

from typing import Any

from miniapps.web.apps.panel_tables import Table

# Text on each band colour that keeps WCAG AA contrast.
DARK_TEXT = ("yellow", "orange", "grey")


def heatmap_table(widget: dict[str, Any]) -> Table:
    """One row per cell: the CSV and the table beside any chart."""
    data = widget["data"]
    head = ["Band", data["x"]["title"], data["y"]["title"], "Score", "Records"]
    table = Table(head, numeric_from=1)
    for cell in data["cells"]:
        table.add([cell["band"], cell["x"], cell["y"], cell["score"], cell["count"]])
    return table


def heatmap_grid(widget: dict[str, Any]) -> dict[str, Any]:
    """What ``apps/_dashboard_heatmap.html`` draws: column and row headings, and each
    row's cells with their text and colour class."""
    data = widget["data"]
    colours = {band["label"]: band.get("colour", "grey") for band in data["bands"]}
    x_title, y_title = data["x"]["title"], data["y"]["title"]
    by_row: dict[int, list[dict[str, Any]]] = {}
    for cell in data["cells"]:
        colour = colours.get(cell["band"], "grey")
        by_row.setdefault(cell["y"], []).append(
            {
                "count": cell["count"],
                "band": cell["band"] or "No band",
                "score": cell["score"],
                "classes": f"miniapps-heatmap__cell--{colour}"
                + (" miniapps-heatmap__cell--dark-text" if colour in DARK_TEXT else ""),
            }
        )
    return {
        "x_title": x_title,
        "y_title": y_title,
        "columns": [f"{x_title} {value}" for value in data["x"]["values"]],
        "rows": [{"heading": f"{y_title} {y}", "cells": cells} for y, cells in by_row.items()],
        "bands": [
            {"label": band["label"], "max": band["max"], "colour": band.get("colour", "grey")}
            for band in data["bands"]
        ],
        "total": data["total"],
    }
