"""What the indicator pages show, as text, tables and chart specs (no request needed).

Every table here is also a CSV download (``/apps/<id>/indicators.csv?table=<id>``) and
every chart has its table beside it; charts are drawn by ``static/js/charts.mjs`` from the
same specs as the dashboard's. Every organisation links to the same page one level down
and every count to the records it was summed from (:class:`Links`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from miniapps.core.indicators.arithmetic import IndicatorResult
from miniapps.core.periods.keys import period_label
from miniapps.services.indicators.overview import (
    PROJECTION_STATUSES,
    IndicatorLine,
    Overview,
)
from miniapps.web.apps.panel_tables import (
    LONG_TABLE,
    Table,
    readable_bars,
    table_cells,
    table_chart,
)

RAG = {
    "red": ("Red", "nhsuk-tag--red"),
    "amber": ("Amber", "nhsuk-tag--orange"),
    "green": ("Green", "nhsuk-tag--green"),
    "none": ("No eligible patients", "nhsuk-tag--grey"),
}
RAG_TAGS = {key: {"text": text, "classes": classes} for key, (text, classes) in RAG.items()}
BELOW = {"pcn": "Practices", "place": "PCNs", "icb": "Places", "practice": ""}
STATUS_TAGS = {
    "on_track": "nhsuk-tag--green",
    "at_risk": "nhsuk-tag--orange",
    "will_miss": "nhsuk-tag--red",
}


@dataclass(frozen=True)
class Links:
    """URL makers: ``page(ods)`` the indicator page one level down (same period),
    ``records(ods, period)`` the records counted."""

    page: Callable[[str], str]
    records: Callable[[str, str], str]


def money(value: Decimal | float | None) -> str:
    return "\N{EN DASH}" if value is None else f"£{value:,.2f}"


def percent(value: Any) -> str:
    return "\N{EN DASH}" if value is None else f"{float(value) * 100:.1f}%"


def _pct(value: Any) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def rag(result: IndicatorResult) -> dict[str, str]:
    text, tag = RAG[result.rag]
    return {"text": text, "classes": tag}


def patients_needed(result: IndicatorResult) -> list[str]:
    """Sentences on the patients each threshold needs (never a division by zero)."""
    counts, spec = result.counts, result.spec
    if counts.denominator == 0:
        return ["No eligible patients: nothing can be earned this month."]
    verb = (
        "more patients meeting the indicator"
        if spec.direction == "higher"
        else ("fewer patients in the numerator")
    )
    lines = []
    if result.rag == "green":
        return ["The upper threshold is reached: every point is earned."]
    if result.below_lower:
        lines.append(
            f"{result.to_lower} {verb} to reach the lower threshold "
            f"({percent(spec.lower_threshold)}): "
            f"the first {result.to_lower} patients earn nothing until the lower threshold."
        )
    lines.append(
        f"{result.to_upper} {verb} to reach the upper threshold ({percent(spec.upper_threshold)})."
    )
    return lines


def points(ov: Overview, line: IndicatorLine) -> str:
    """Points as a PCN earns them: above PCN level the sum of the PCNs' points, so they
    agree with the £ (the sums over the same PCNs), never points of a pooled achievement."""
    result, above = line.result, ov.points_over_pcns.get(line.spec.code)
    if above is None:
        return f"{result.points} of {result.spec.max_points}"
    if not above.pcns:
        return "None: no PCN here has eligible patients (points are earned by PCNs)"
    pcns = "1 PCN" if above.pcns == 1 else f"{above.pcns} PCNs"
    return (
        f"{above.points} of {above.max_points}: the sum over the {pcns} with eligible "
        "patients (points are earned by PCNs, like the £)"
    )


def per_patient(result: IndicatorResult) -> str:
    if result.value_per_patient is None:
        return "\N{EN DASH}"
    if result.rag == "green":
        return f"{money(result.value_per_patient)}: nothing more to earn"
    if result.below_lower:
        return (
            f"{money(result.value_per_patient)} per extra patient once the lower threshold is "
            f"reached (the first {result.to_lower} patients earn nothing until the lower threshold)"
        )
    return f"{money(result.value_per_patient)} per extra patient"


def projection(line: IndicatorLine, year_end: str) -> dict[str, Any]:
    if line.status is None:
        return {
            "text": "Not enough months with eligible patients to project the year end yet.",
            "status": None,
        }
    how = "at the rate so far" if line.accumulates else "on the trend of this year's months"
    return {
        "text": f"Projected {percent(line.projection)} by the end of "
        f"{period_label(year_end)} {how}.",
        "status": {"text": PROJECTION_STATUSES[line.status], "classes": STATUS_TAGS[line.status]},
    }


def bar(result: IndicatorResult) -> dict[str, Any]:
    """A 0-100 % bar with LT and UT marks, and its text alternative."""
    spec, achieved = result.spec, _pct(result.achievement)
    lower, upper = _pct(spec.lower_threshold), _pct(spec.upper_threshold)
    label = (
        f"Achievement {percent(result.achievement) if achieved is not None else 'not known'} "
        f"against a lower threshold of {lower}% and an upper threshold of {upper}%"
        + ("; lower is better" if spec.direction == "lower" else "")
    )
    return {
        "width": min(max(achieved or 0, 0), 100),
        "lower": lower,
        "upper": upper,
        "label": label,
    }


def trend_table(line: IndicatorLine, links: Links, ods: str) -> Table:
    table = Table(["Month", "Numerator", "Denominator", "Achievement (%)"])
    for row in line.series:
        table.add(
            [
                period_label(row["period"]),
                row["numerator"],
                row["denominator"],
                _pct(row["achievement"]),
            ],
            links.records(ods, row["period"]),
        )
    return table


def trend_chart(line: IndicatorLine, table: Table) -> dict[str, Any]:
    chart = table_chart("line", table, 3, "Achievement (%)", False)
    chart["links"] = None  # a month links to its records from the table, not the line
    n, spec = len(table.rows), line.spec
    chart["datasets"] += [
        {
            "label": "Lower threshold (%)",
            "values": [_pct(spec.lower_threshold)] * n,
            "style": "line",
        },
        {
            "label": "Upper threshold (%)",
            "values": [_pct(spec.upper_threshold)] * n,
            "style": "line",
        },
    ]
    return chart


def variation_table(ov: Overview, index: int, links: Links) -> Table:
    variation = ov.variation[index]
    head = ["Organisation", "ODS code", "Achievement (%)", "Difference from average (points)"]
    table = Table([*head, "RAG", "Numerator", "Denominator", "Earned (£)"], numeric_from=2)
    for org, result, gap in variation.rows:
        status = "No return" if org.ods in ov.not_returned else RAG[result.rag][0]
        row: list[Any] = [org.name, org.ods, _pct(result.achievement), _pct(gap), status]
        row += [result.counts.numerator, result.counts.denominator, result.earned]
        table.add(row, links.page(org.ods))
    return table


def variation_chart(ov: Overview, index: int, table: Table) -> tuple[dict[str, Any] | None, str]:
    """Ranked bars of achievement against the pooled average (the top and bottom ten when
    there are many: :func:`readable_bars`), and what the chart leaves out."""
    if not table.rows:
        return None, ""
    chart = table_chart("bar", table, 2, "Achievement (%)", True)
    average = _pct(ov.variation[index].average)
    if average is not None:
        label = f"{ov.org.name} (all together) (%)"
        chart["datasets"].append(
            {"label": label, "values": [average] * len(table.rows), "style": "line"}
        )
    return readable_bars(chart, compared_kind(ov))


def results_table(ov: Overview, links: Links) -> Table:
    """Every indicator at the page's organisation; each row links to the records counted.
    Above PCN level the points are the sums over the PCNs (see :func:`points`)."""
    above = bool(ov.points_over_pcns)
    points_head = (
        ["Points (sum of PCNs)", "Maximum points (sum of PCNs)"]
        if above
        else [
            "Points",
            "Maximum points",
        ]
    )
    head = ["Indicator", "RAG", "Numerator", "Denominator", "Achievement (%)", points_head[0]]
    money_head = [points_head[1], "Earned (£)", "Potential (£)", "Remaining (£)"]
    table = Table([*head, *money_head], numeric_from=2)
    for line in ov.lines:
        r, counts = line.result, line.result.counts
        summed = ov.points_over_pcns.get(r.spec.code)
        most = (summed.points, summed.max_points) if summed else (r.points, r.spec.max_points)
        row = [r.spec.code, RAG[r.rag][0], counts.numerator, counts.denominator]
        row += [_pct(r.achievement), most[0], most[1], r.earned, r.potential]
        table.add([*row, r.remaining], links.records(ov.org.ods, ov.period))
    return table


def orgs_table(items: list[Any], links: Links) -> Table:
    """Organisations one level down (or every PCN beneath) with their £ totals."""
    table = Table(
        ["Organisation", "ODS code", "Earned (£)", "Potential (£)", "Remaining (£)"], numeric_from=2
    )
    for item in items:
        totals = [item.total(name) for name in ("earned", "potential", "remaining")]
        table.add([item.org.name, item.org.ods, *totals], links.page(item.org.ods))
    return table


def compared_kind(ov: Overview) -> str:
    """What the variation charts compare: practices at a PCN, PCNs above it."""
    return "practices" if ov.level == "pcn" else "PCNs"


Found = dict[str, tuple[str, Table, dict[str, Any] | None, str]]


def tables(ov: Overview, links: Links) -> Found:
    """Every table of the page by id: (heading, table, chart or None, note on the chart)."""
    found: Found = {
        "results": (f"Indicators for {ov.org.name}", results_table(ov, links), None, "")
    }
    for line in ov.lines:
        table = trend_table(line, links, ov.org.ods)
        heading = f"{line.spec.code} achievement by month"
        found[f"trend-{line.spec.code}"] = (heading, table, trend_chart(line, table), "")
    for i, variation in enumerate(ov.variation):
        table = variation_table(ov, i, links)
        heading = f"{variation.spec.code}: {compared_kind(ov)} compared"
        found[f"variation-{variation.spec.code}"] = (heading, table, *variation_chart(ov, i, table))
    if ov.children:
        heading = f"{BELOW[ov.level]} in {ov.org.name}"
        found["children"] = (heading, orgs_table(ov.children, links), None, "")
    if ov.pcns and ov.pcns is not ov.children:
        found["pcns"] = (f"PCNs in {ov.org.name}", orgs_table(ov.pcns, links), None, "")
    return found


def panel(
    table_id: str, heading: str, table: Table, chart: dict[str, Any] | None, note: str = ""
) -> dict[str, Any]:
    """A table (and chart) as the page renders it: NHS.UK table cells and a chart slot."""
    return {
        "id": table_id,
        "heading": heading,
        "note": note,
        "long": len(table.rows) > LONG_TABLE,
        "head": [
            {"text": text, "format": "numeric" if i >= table.numeric_from else None}
            for i, text in enumerate(table.head)
        ],
        "rows": table_cells(table),
        "chart": chart,
    }
