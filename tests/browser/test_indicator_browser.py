"""The indicator pages in a real browser: the practice page's trend chart beside its
table, the PCN page's ranked practice chart, drill-down to a practice, and axe checks.

The IIF tracker is published with committed returns for North PCN's two practices
(North Surgery: April to June; Hill Surgery: June), so the figures here are fixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
Screenshot = Callable[[Page, str], None]


def serious(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def painted(canvas) -> bool:
    return canvas.evaluate(
        """c => Chart.getChart(c) !== undefined &&
               c.getContext("2d").getImageData(0, 0, c.width, c.height).data.some(v => v !== 0)"""
    )


def test_practice_page_trend_chart_and_table(
    page: Page,
    sign_in: SignIn,
    emails: dict[str, str],
    iif_live: str,
    screenshot: Screenshot,
    offsite_requests: list[str],
) -> None:
    sign_in(page, emails["practice_manager"])
    page.goto(f"{iif_live}?period=2025-06")
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators for North Surgery")
    can = page.get_by_role("region", name=re.compile(r"^CAN-04: Lower GI"))
    expect(can.get_by_text("Amber", exact=True)).to_be_visible()  # RAG in words
    expect(can.get_by_text("At risk", exact=True).first).to_be_visible()  # the year end
    # The detail is one click away (a details element: no JavaScript needed).
    more = can.get_by_text("Patients needed, £ and the monthly trend")
    expect(can.get_by_text("£116.16 per extra patient")).to_be_hidden()
    more.click()
    expect(can.get_by_text("£116.16 per extra patient")).to_be_visible()

    trend = page.get_by_role("region", name="CAN-04 achievement by month")
    canvas = trend.locator("canvas")
    expect(canvas).to_be_visible()
    expect(canvas).to_have_attribute("aria-label", re.compile(r"^Line chart of CAN-04"))
    assert painted(canvas)
    labels = canvas.evaluate("c => Chart.getChart(c).data.datasets.map(d => d.label)")
    assert labels == ["Achievement (%)", "Lower threshold (%)", "Upper threshold (%)"]
    values = canvas.evaluate("c => Chart.getChart(c).data.datasets[0].data")
    assert values == [72, 70, 72]
    table = trend.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(4)  # heading and three months
    trend.get_by_role("button", name="Hide chart").click()
    expect(canvas).to_be_hidden()
    expect(table).to_be_visible()  # the table stays for everyone
    screenshot(page, "indicators-practice")
    assert serious(page) == []
    # Traceability: the month's figures link to the records they were summed from.
    table.get_by_role("link", name="June 2025").click()
    expect(page).to_have_url(re.compile(r"/apps/iif_tracker/\?org=A00001&period=2025-06$"))
    assert [u for u in offsite_requests if not u.endswith((".woff", ".woff2"))] == []


def test_pcn_page_ranked_chart_and_drill_down(
    page: Page,
    sign_in: SignIn,
    emails: dict[str, str],
    iif_live: str,
    screenshot: Screenshot,
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto(f"{iif_live}?org=U00001&period=2025-06")
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators for North PCN")
    expect(page.get_by_text("100% of the returns owed for June 2025 are in")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Far below peers"))).to_be_visible()

    page.get_by_text("CAN-04: practices compared").first.click()  # open its details
    compared = page.get_by_role("region", name="CAN-04: practices compared")
    canvas = compared.locator("canvas")
    expect(canvas).to_be_visible()
    assert painted(canvas)
    assert canvas.evaluate("c => Chart.getChart(c).options.indexAxis") == "y"  # ranked bars
    assert canvas.evaluate("c => Chart.getChart(c).data.labels") == [
        "North Surgery",
        "Hill Surgery",
    ]
    screenshot(page, "indicators-pcn")
    assert serious(page) == []

    compared.get_by_role("table").get_by_role("link", name="Hill Surgery").click()
    expect(page).to_have_url(re.compile(r"org=A00002&period=2025-06$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators for Hill Surgery")
    crumbs = page.get_by_role("navigation", name="Organisations above Hill Surgery")
    expect(crumbs.get_by_role("link")).to_have_text(["North PCN"])  # not the ICB or Place
    can = page.get_by_role("region", name=re.compile(r"^CAN-04: Lower GI"))
    can.get_by_text("Patients needed, £ and the monthly trend").click()
    needed = can.get_by_text(re.compile(r"^\s*3 more patients .*the first 3 patients earn"))
    expect(needed).to_be_visible()
    assert serious(page) == []


def test_printable_summary_and_no_javascript(
    page_without_js: Page, sign_in: SignIn, emails: dict[str, str], iif_live: str
) -> None:
    page = page_without_js
    sign_in(page, emails["pcn_manager"])
    page.goto(f"{iif_live}?org=U00001&period=2025-06")
    page.get_by_text("CAN-04: practices compared").first.click()  # details work without JS
    compared = page.get_by_role("region", name="CAN-04: practices compared")
    expect(compared.get_by_role("table")).to_be_visible()
    expect(compared.locator("canvas")).to_have_count(0)
    page.get_by_role("link", name="Printable monthly summary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("North PCN (U00001)")
    page.emulate_media(media="print")
    expect(page.locator("header.nhsuk-header")).to_be_hidden()
    expect(page.get_by_text("Earned £414.30", exact=False)).to_be_visible()
    # One page for the board: Chromium's own PDF of the print view has a single page.
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
