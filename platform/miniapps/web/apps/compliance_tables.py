"""What the practices page shows, as tables and chart specs (no request needed): the
heatmap as a CSV table and each PCN's benchmarking as a ranked table with its chart,
drawn by ``static/js/charts.mjs`` like the dashboard's (the table is the source).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from miniapps.services.compliance.overview import (
    GAP_GROUP_TITLES,
    GAP_GROUPS,
    Cell,
    Heatmap,
    PcnGroup,
)
from miniapps.web.apps.panel_tables import Table, panel_view, readable_bars, table_chart

STATUS_TEXT = {"evidenced": "Evidenced", "gaps": "Gaps", "no_evidence": "No evidence"}
NO_PCN = "Not in a PCN"
LONDON = ZoneInfo("Europe/London")


def day_text(moment: datetime) -> str:
    """The London day of ``moment`` as people write it: "3 May 2026"."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    day = aware.astimezone(LONDON)
    return f"{day.day} {day:%B %Y}"


def group_id(group: PcnGroup) -> str:
    """The id of a group's benchmarking table (``benchmark-u52546``)."""
    return "benchmark-" + (group.pcn.ods.lower() if group.pcn else "none")


def heatmap_table(heatmap: Heatmap) -> Table:
    """The heatmap as a flat table: each PCN's summary row, then its practices; per key
    question the statements evidenced, in all, and the status."""
    head = ["Organisation", "ODS code", "Level", "PCN"]
    for _qid, title in heatmap.key_questions:
        head += [f"{title}: evidenced", f"{title}: statements", f"{title}: status"]
    table = Table([*head, "Evidenced (%)"], numeric_from=4)
    for group in heatmap.groups:
        pcn_name = group.pcn.name if group.pcn else NO_PCN
        if group.pcn is not None:
            row = [group.pcn.name, group.pcn.ods, "PCN (all its practices)", pcn_name]
            table.add([*row, *_cells(group.summary), group.average])
        for line in group.practices:
            row = [line.org.name, line.org.ods, "Practice", pcn_name]
            table.add([*row, *_cells(line.cells), line.percent])
    return table


def _cells(cells: list[Cell]) -> list[Any]:
    return [value for c in cells for value in (c.evidenced, c.total, STATUS_TEXT[c.status])]


def gap_groups(heatmap: Heatmap) -> list[str]:
    """The gap groups the benchmark tables show: every known one, "other" when any
    practice has a gap of no group."""
    other = any("other" in line.gap_counts for group in heatmap.groups for line in group.practices)
    return [*GAP_GROUPS, *(["other"] if other else [])]


def benchmark_table(
    group: PcnGroup, groups: list[str], link: Callable[[str], str]
) -> tuple[Table, dict[str, Any] | None, str]:
    """A PCN's practices ranked by statements evidenced (%), with their gaps by kind,
    and a ranked bar chart with the PCN's average as a line; the average is also the
    table's last row (not a bar). Returns the table, the chart and a note on it."""
    head = ["Practice", "ODS code", "Rank", "Evidenced (%)", "Statements evidenced"]
    table = Table([*head, *(f"Gaps: {GAP_GROUP_TITLES[g]}" for g in groups)], numeric_from=2)
    ranked = group.ranked()
    for rank, line in enumerate(ranked, start=1):
        counts = line.gap_counts
        row = [line.org.name, line.org.ods, rank, line.percent, line.evidenced]
        table.add([*row, *(counts.get(g, 0) for g in groups)], link(line.org.ods))
    chart, note = None, ""
    if table.rows:
        chart = table_chart("bar", table, 3, "Statements evidenced (%)", True)
        chart["links"] = list(chart["links"] or []) or None  # not the table's list: it grows
        average_label = f"{_group_name(group)} average (%)"
        chart["datasets"].append(
            {"label": average_label, "values": [group.average] * len(ranked), "style": "line"}
        )
        chart, note = readable_bars(chart, "practices")
    if ranked:
        means = [
            round(sum(line.gap_counts.get(g, 0) for line in ranked) / len(ranked), 1)
            for g in groups
        ]
        evidenced = round(sum(line.evidenced for line in ranked) / len(ranked), 1)
        table.add([f"{_group_name(group)} average", "", None, group.average, evidenced, *means])
    return table, chart, note


def benchmark_panels(heatmap: Heatmap, link: Callable[[str], str]) -> list[dict[str, Any]]:
    """Each PCN group's benchmarking as a panel (``apps/indicators_macros.html``'s
    ``data_panel`` and charts.mjs read it)."""
    groups = gap_groups(heatmap)
    panels = []
    for group in heatmap.groups:
        table, chart, note = benchmark_table(group, groups, link)
        heading = f"{_group_name(group)}: practices ranked by statements evidenced"
        panel = panel_view(table, chart, heading, note or None)
        panel["id"] = group_id(group)
        panel["long"] = False  # a PCN has a handful of practices: keep the table open
        panels.append(panel)
    return panels


def benchmark_csv_table(heatmap: Heatmap, table_id: str) -> Table | None:
    groups = gap_groups(heatmap)
    for group in heatmap.groups:
        if group_id(group) == table_id:
            return benchmark_table(group, groups, lambda _ods: "")[0]
    return None


def _group_name(group: PcnGroup) -> str:
    return group.pcn.name if group.pcn else NO_PCN
