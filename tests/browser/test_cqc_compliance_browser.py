"""The CQC compliance pages in a real browser, for North PCN's manager: a practice's
compliance view (its evidence opened from the keyboard), the practices heatmap (cells
coloured by status, the figures in words) with the benchmarking chart drawn by local
Chart.js beside its data table, the Well-led view reached from the heatmap, and the
training matrix (switching practice, scrolling sideways). No serious axe violations.

Figures are read at Hill Surgery (A00002) wherever they could move: the library test
adopts a policy at North Surgery, which adds to North Surgery's evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from miniapps.db import db
from playwright.sync_api import Locator, Page, expect

from tests.cqc_live import load_cqc, serious_violations, tab_to

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
HOME = "/apps/cqc_compliance"
BENCHMARK = "North PCN: practices ranked by statements evidenced"


@pytest.fixture(scope="module")
def cqc_live(live_app: Flask) -> None:
    with live_app.app_context(), db.transaction(live_app) as session:
        load_cqc(session)


def background(cell: Locator) -> str:
    return str(cell.evaluate("(el) => getComputedStyle(el).backgroundColor"))


def test_a_practice_compliance_view_opens_its_evidence_by_keyboard(
    page: Page, sign_in: SignIn, emails: dict[str, str], cqc_live: None
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto(f"{HOME}/compliance?org=A00002")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance of Hill Surgery")
    questions = page.get_by_role("table", name="Key questions")
    well_led = questions.get_by_role("row", name=re.compile("^Well-led"))
    expect(well_led).to_contain_text("8 of 8")
    expect(well_led).to_contain_text("Evidenced")
    safe = questions.get_by_role("row", name=re.compile("^Safe"))
    expect(safe).to_contain_text("0 of 8")
    expect(safe).to_contain_text("Gaps")  # training and the policy not adopted

    # Each statement's evidence sits in a closed details; Enter on its summary opens it.
    summary = page.locator("#st-freedom_to_speak_up summary")
    expect(summary).to_have_text("Evidence for Freedom to speak up (1)")
    item = page.locator("#st-freedom_to_speak_up").get_by_role("link", name="Evidence at Hill")
    expect(item).to_be_hidden()
    tab_to(page, summary, 200)
    page.keyboard.press("Enter")
    expect(item).to_be_visible()
    assert serious_violations(page) == []


def test_the_practices_heatmap_and_benchmarking_chart(
    page: Page,
    sign_in: SignIn,
    emails: dict[str, str],
    cqc_live: None,
    offsite_requests: list[str],
) -> None:
    sign_in(page, emails["pcn_manager"])
    page.goto(f"{HOME}/compliance/practices?org=U00001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Practices in North PCN")
    heatmap = page.get_by_role("table", name=re.compile("^Quality statements evidenced"))
    head = heatmap.locator("thead th")
    expect(head).to_have_text(
        ["Practice", "Safe", "Effective", "Caring", "Responsive", "Well-led", "Well-led view"]
    )
    hill = heatmap.get_by_role("row", name=re.compile("^Hill Surgery"))
    cells = hill.locator("td")
    well_led, safe, effective = cells.nth(4), cells.nth(0), cells.nth(1)
    # The figure and the status in words; the colour only repeats the status.
    expect(well_led).to_contain_text(re.compile(r"8 of 8\s+Well-led statements\s+evidenced"))
    expect(well_led).to_contain_text("Evidenced")
    expect(safe).to_contain_text(re.compile(r"0 of 8\s+Safe statements\s+evidenced"))
    expect(safe).to_contain_text("Gaps")
    expect(effective).to_contain_text("No evidence")
    colours = {background(c) for c in (well_led, safe, effective)}
    assert len(colours) == 3 and "rgba(0, 0, 0, 0)" not in colours, colours
    pcn = heatmap.get_by_role("row", name=re.compile("^North PCN"))
    expect(pcn).to_contain_text("(PCN: 2 practices)")

    # Benchmarking: a bar chart from the local Chart.js, its data table beside it.
    panel = page.get_by_role("region", name=BENCHMARK)
    canvas = panel.locator("canvas")
    expect(canvas).to_be_visible()
    chart = canvas.evaluate(
        "c => { const ch = Chart.getChart(c); return {labels: ch.data.labels,"
        " data: ch.data.datasets.map((d) => d.data)}; }"
    )
    assert chart["labels"][:2] == ["Hill Surgery", "North Surgery"], chart
    assert chart["data"][0][0] == pytest.approx(23.5, abs=0.05), chart  # 8 of 34
    table = panel.get_by_role("table")
    hill_row = table.get_by_role("row", name=re.compile("^Hill Surgery"))
    expect(hill_row).to_contain_text("A00002")
    expect(hill_row.get_by_role("cell", name="23.5", exact=True)).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("^North PCN average"))).to_be_visible()
    assert serious_violations(page) == []
    assert [u for u in offsite_requests if not u.endswith((".woff", ".woff2"))] == []

    # A practice's Well-led link leads to its Well-led view, with a way back.
    hill.get_by_role("link", name="Well-led view of Hill Surgery").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Well-led: Hill Surgery")
    expect(page).to_have_url(re.compile(r"/compliance/well-led\?org=A00002$"))
    facts = page.locator(".nhsuk-summary-list").first
    expect(facts.get_by_role("definition").nth(0)).to_have_text("8 of 8")
    expect(facts.get_by_role("definition").nth(1)).to_have_text("Evidenced")
    expect(
        page.get_by_text("Infection prevention and control policy: not adopted by")
    ).to_be_visible()
    statements = page.locator("section.miniapps-well-led-statement")
    expect(statements).to_have_count(8)
    risks = page.get_by_role("table", name=re.compile("^Open risks by likelihood and impact"))
    expect(risks.get_by_role("row", name=re.compile("^All open risks"))).to_contain_text("0")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Practices in North PCN").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practices in North PCN")


def test_the_training_matrix_switches_practice_and_scrolls_sideways(
    page: Page, sign_in: SignIn, emails: dict[str, str], cqc_live: None
) -> None:
    page.set_viewport_size({"width": 800, "height": 900})
    sign_in(page, emails["pcn_manager"])
    page.goto("/apps/cqc_training/matrix?org=A00001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Training matrix: North Surgery")
    people = page.get_by_role("region", name=re.compile("^People"))
    manager = people.get_by_role("row", name=re.compile("^Pat Manager"))
    life_support = manager.locator("td[data-item=basic_life_support]")
    expect(life_support).to_contain_text("In date")
    expect(manager.locator("td[data-item=safeguarding_adults_level_3]")).to_have_text("Missing")
    staff = people.get_by_role("row", name=re.compile("^Sam Staff"))
    expect(staff.locator("td[data-item=safeguarding_adults_level_3]")).to_have_text("Not required")
    totals = page.get_by_role("table", name="Totals")
    expect(totals.get_by_role("row", name=re.compile("^Basic life support"))).to_contain_text(
        "1 of 2"
    )
    assert serious_violations(page) == []

    # Ten courses do not fit: the table scrolls sideways, from the keyboard too.
    assert people.evaluate("(el) => el.scrollWidth > el.clientWidth")
    tab_to(page, people, 60)
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    expect(people).not_to_have_js_property("scrollLeft", 0)

    page.get_by_role("combobox", name="Organisation").select_option("A00002")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"org=A00002"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Training matrix: Hill Surgery")
    expect(page.get_by_role("region", name=re.compile("^People"))).to_contain_text("Hana Hill")
