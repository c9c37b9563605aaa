"""Bar charts that stay readable with many organisations (issue 11)."""

from __future__ import annotations

from collections.abc import Sequence

from miniapps.web.apps.panel_tables import Table, readable_bars, table_chart


def chart_of(values: Sequence[int | None]) -> dict:
    table = Table(["Organisation", "Records"])
    for i, value in enumerate(values):
        table.add([f"Practice {i:02d}", value], f"/org/{i}")
    return table_chart("bar", table, 1, "Records", True)


def test_many_bars_are_ranked_and_cut_to_the_top_and_bottom_ten() -> None:
    values = [i % 17 for i in range(48)]
    chart, note = readable_bars(chart_of(values), "practices")
    assert chart is not None
    shown = chart["datasets"][0]["values"]
    assert len(shown) == 20 and shown == sorted(shown, reverse=True)
    assert shown[:10] == sorted(values, reverse=True)[:10]
    assert shown[10:] == sorted(values, reverse=True)[-10:]
    assert len(chart["labels"]) == len(chart["links"]) == 20
    assert note == (
        "The chart shows the 10 highest and 10 lowest of 48 practices, ranked; "
        "the table lists all 48."
    )


def test_bars_all_the_same_are_a_sentence_not_a_chart() -> None:
    chart, note = readable_bars(chart_of([12] * 48), "organisations")
    assert chart is None
    assert note == "No chart: all 48 organisations have the same value (12)."


def test_a_few_bars_are_ranked_and_kept() -> None:
    chart, note = readable_bars(chart_of([3, None, 7]), "practices")
    assert chart is not None and note == ""
    assert chart["datasets"][0]["values"] == [7, 3, None]
    assert chart["links"] == ["/org/2", "/org/0", "/org/1"]
