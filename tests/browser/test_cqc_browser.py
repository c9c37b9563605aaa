"""The CQC bundle's forms and risk heatmap in a real browser: the vaccine fridge log shows
the excursion steps live as a reading leaves +2 to +8 °C and refuses an impossible
reading with the NHS.UK error summary (keyboard only); a peer review offers the other
practices of the PCN and asks for an action when an item is not met; the risk register's
heatmap widget colours its cells by band. No serious axe violations on any of them.

The bundle is published and seeded once (:mod:`tests.cqc_live`); these tests store
nothing (the one submit is refused).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from miniapps.db import db
from playwright.sync_api import Locator, Page, expect

from tests.cqc_live import load_cqc, serious_violations, tab_to

pytestmark = pytest.mark.browser

SignIn = Callable[[Page, str], None]
QUARANTINED = "Vaccines kept refrigerated, quarantined and labelled “do not use”"
CAUSE = "Cause, and what was done about it"
TOO_LOW = "Current temperature (°C) must be -30 or more"


@pytest.fixture(scope="module")
def cqc_live(live_app: Flask) -> None:
    with live_app.app_context(), db.transaction(live_app) as session:
        load_cqc(session)


def replace_by_keyboard(page: Page, target: Locator, text: str) -> None:
    """Select all of the focused ``target``'s text and type ``text`` over it."""
    expect(target).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def test_the_fridge_log_shows_excursion_steps_live_and_refuses_an_impossible_reading(
    page: Page, sign_in: SignIn, emails: dict[str, str], cqc_live: None
) -> None:
    sign_in(page, emails["practice_manager"])
    page.goto("/apps/cqc_fridge_log/new")
    keys = page.keyboard
    excursion = page.get_by_role("heading", name="Excursion")
    quarantined = page.get_by_label(QUARANTINED)
    cause = page.get_by_role("textbox", name=re.compile(f"^{CAUSE}"))
    stock = page.get_by_role("group", name=re.compile("^What happened to the stock"))
    expect(excursion).to_be_hidden()
    expect(quarantined).to_be_hidden()

    tab_to(page, page.get_by_role("textbox", name=re.compile("^Fridge")), 40)
    keys.type("Vaccine fridge 1 (treatment room)")
    day = page.get_by_role("group", name=re.compile("^Date of the reading"))
    today = date.today()
    for part, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        tab_to(page, day.get_by_label(part), 1)
        keys.type(str(value))
    tab_to(page, page.get_by_role("textbox", name=re.compile("^Time of the reading")), 1)
    keys.type("09:15")
    current = page.get_by_role("textbox", name=re.compile(r"^Current temperature \(°C\)"))
    tab_to(page, current, 1)

    # 9.5 °C is above +8: the steps appear as it is typed, required, with no page load.
    keys.type("9.5")
    expect(excursion).to_be_visible()
    expect(quarantined).to_be_visible()
    expect(cause).to_be_visible()
    expect(stock).to_be_visible()
    marker = page.locator("[data-pointer='/cause'] [data-required-marker]")
    expect(marker).to_be_visible()
    assert serious_violations(page) == []  # the form with the excursion steps shown

    # 5 °C is in range: they go again.
    replace_by_keyboard(page, current, "5")
    expect(excursion).to_be_hidden()
    expect(quarantined).to_be_hidden()
    expect(cause).to_be_hidden()
    tab_to(page, page.get_by_role("textbox", name=re.compile(r"^Minimum temperature")), 1)
    keys.type("4")
    tab_to(page, page.get_by_role("textbox", name=re.compile(r"^Maximum temperature")), 1)
    keys.type("6")
    reset = page.get_by_role("group", name=re.compile("^Thermometer reset"))
    tab_to(page, reset.get_by_label("Yes"), 1)
    keys.press("Space")
    expect(reset.get_by_label("Yes")).to_be_checked()
    expect(excursion).to_be_hidden()  # every reading in range

    # -31 °C is no thermometer's reading: refused, and the summary leads to the field.
    tab_to(page, current, 6, back=True)
    replace_by_keyboard(page, current, "-31")
    expect(excursion).to_be_visible()  # below +2 as well
    keys.press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(page).to_have_title(re.compile("^Error"))
    link = summary.get_by_role("link", name=TOO_LOW)
    expect(link).to_have_attribute("href", "#current")
    current_error = page.locator("#current-error")
    expect(current_error).to_contain_text(TOO_LOW)
    expect(current).to_have_value("-31")  # nothing typed is lost
    expect(page.get_by_role("textbox", name=re.compile("^Fridge"))).to_have_value(
        "Vaccine fridge 1 (treatment room)"
    )
    assert serious_violations(page) == []  # the error pattern too

    # From the summary (focused on load), Tab to the reading's link and follow it.
    expect(summary).to_be_focused()
    tab_to(page, link, 12)
    keys.press("Enter")
    expect(current).to_be_focused()


def test_a_peer_review_offers_the_other_practices_of_the_pcn(
    page: Page, sign_in: SignIn, emails: dict[str, str], cqc_live: None
) -> None:
    sign_in(page, emails["practice_manager"])
    page.goto("/apps/cqc_peer_review/new")
    audited = page.get_by_role("combobox", name=re.compile("^Practice audited"))
    options = audited.locator("option")
    # Hill Surgery only: not North Surgery itself, nor the PCN, nor the ICB.
    expect(options).to_have_text(["Select a practice", "Hill Surgery (A00002)"])
    audited.select_option("A00002")
    expect(audited).to_have_value("A00002")

    # An item not met asks for its action, owner and date; met does not.
    action = page.get_by_role("textbox", name=re.compile("^Action needed"))
    expect(action).to_be_hidden()
    page.get_by_role("radio", name="Not met").check()
    expect(action).to_be_visible()
    expect(page.get_by_role("textbox", name=re.compile("^Action owner"))).to_be_visible()
    page.get_by_role("radio", name="Met", exact=True).check()
    expect(action).to_be_hidden()
    assert serious_violations(page) == []


def background(cell: Locator) -> str:
    return str(cell.evaluate("(el) => getComputedStyle(el).backgroundColor"))


def test_the_risk_heatmap_widget_colours_each_band(
    page: Page, sign_in: SignIn, emails: dict[str, str], cqc_live: None
) -> None:
    sign_in(page, emails["practice_manager"])
    page.goto("/apps/cqc_risk_register/dashboard")
    grid = page.get_by_role("table", name=re.compile("^Open risks by likelihood and impact"))
    expect(grid).to_be_visible()
    rows = grid.locator("tbody tr")
    expect(rows).to_have_count(5)  # impact 5 (top) to 1
    expect(rows.first.locator("th")).to_have_text("Impact 5")

    def cell(impact: int, likelihood: int) -> Locator:
        return rows.nth(5 - impact).locator("td").nth(likelihood - 1)

    # The open risks (5x5, 4x5, 2x2); the closed 3x3 is not in the grid.
    expect(cell(5, 5)).to_contain_text(re.compile(r"^\s*1\s+Extreme"))
    expect(cell(5, 4)).to_contain_text(re.compile(r"^\s*1\s+Extreme"))
    expect(cell(2, 2)).to_contain_text(re.compile(r"^\s*1\s+Moderate"))
    expect(cell(3, 3)).to_contain_text(re.compile(r"^\s*0\s+High"))
    expect(page.locator(".miniapps-heatmap > p")).to_contain_text("3 records in the grid.")

    # The colour repeats the band: one fill per band, none the page's own white.
    fills = {
        "Extreme": background(cell(5, 5)),
        "High": background(cell(3, 3)),
        "Moderate": background(cell(2, 2)),
        "Low": background(cell(1, 1)),
    }
    assert len(set(fills.values())) == 4, fills
    assert not {"rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"} & set(fills.values()), fills
    assert background(cell(5, 4)) == fills["Extreme"]
    assert serious_violations(page) == []  # the fills keep the text's contrast
