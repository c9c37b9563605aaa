"""Page sizes in a real browser (issue 11): summaries first and detail on demand, so the
indicator pages stay short with seven indicators; the printable summary is one A4 page;
and at 375 px the returns grid and the summary never make the page scroll sideways.

Uses the 2026/27 returns of :data:`IIF_RECORDS` (seven indicators, April to September).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
MONTH = "2026-09"


def height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_indicator_pages_are_summaries_first(
    page: Page, sign_in: SignIn, emails: dict[str, str], iif_live: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, emails["pcn_manager"])
    page.goto(f"{iif_live}?org=A00001&period={MONTH}")
    expect(page.locator("section.miniapps-indicator")).to_have_count(7)
    assert height(page) < 6_000  # was over 16,000 with every trend open
    # The detail is there on demand: open one indicator, its trend chart is drawn.
    can = page.get_by_role("region", name=re.compile(r"^CAN-04:"))
    can.get_by_text("Patients needed, £ and the monthly trend").click()
    expect(can.locator("canvas")).to_be_visible()
    expect(can.get_by_role("link", name="Download this table as CSV")).to_be_visible()
    page.goto(f"{iif_live}?org=U00001&period={MONTH}")
    assert height(page) < 7_500  # the PCN page, with its returns and coding checks


def test_month_picker_lists_the_months_with_data(
    page: Page, sign_in: SignIn, emails: dict[str, str], iif_live: str
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto(f"{iif_live}?org=U00001&period={MONTH}")
    picker = page.get_by_label("Month", exact=True)
    options = picker.locator("option")
    expect(options.first).to_have_text("September 2026")  # newest first
    expect(options.last).to_have_text("April 2025")
    picker.select_option("2026-05")
    page.get_by_role("button", name="Show month").click()
    expect(page).to_have_url(re.compile(r"period=2026-05"))
    expect(page.locator(".miniapps-provenance")).to_contain_text("May 2026")


def test_printable_summary_is_one_a4_page(
    page: Page, sign_in: SignIn, emails: dict[str, str], iif_live: str
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto(f"{iif_live}/summary?org=U00001&period={MONTH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("North PCN (U00001)")
    violations = Axe().run(page).response["violations"]
    assert not [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    page.emulate_media(media="print")
    assert pdf_pages(page.pdf(format="A4")) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/apps/iif_tracker/returns?org=U00001",
        f"/apps/iif_tracker/indicators/summary?org=U00001&period={MONTH}",
    ],
)
def test_no_sideways_scrolling_at_375_px(
    browser: Browser, page: Page, sign_in: SignIn, emails: dict[str, str], iif_live: str, path: str
) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, emails["pcn_manager"])
    page.goto(path)
    table = page.locator("table").first
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The table scrolls inside its own box instead, its first column kept in view.
    box = page.locator(".miniapps-table-scroll").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth") or path.endswith(MONTH)
