"""Indicator pages at practice, PCN, Place and ICB level, with hand-checked figures.

The 2025/26 year set: CAN-04 LT 65 %, UT 80 %, 22 points, list-size adjusted; HI-03
LT 60 %, UT 80 %, 36 points, list-size-and-prevalence adjusted (national prevalence
0.0045); £198 per point; national average PCN list size 51,000.

Returns (numerator/denominator; list sizes chosen so the list-size factor is simple):

=======  ==========  ==============  ==============  ==============
ODS      list size   April           May             June
=======  ==========  ==============  ==============  ==============
A00001   10,200      CAN 36/50 HI 3/10  CAN 35/50 HI 6/10  CAN 36/50 HI 9/10
A00002   15,300      -               -               CAN 10/20 HI 0/0
A00003   10,200      -               CAN 10/20 HI 2/4   CAN 40/50 HI 4/4
A00004   10,200      -               -               CAN 30/50 HI 5/3 (stored as is)
=======  ==========  ==============  ==============  ==============

Worked figures for June:

- A00001 CAN-04: 72 % amber; points 22 * 0.07/0.15 = 10.27; factor 10,200/51,000 = 0.2;
  earned 154/15 * 198 * 0.2 = £406.56 of £871.20, £464.64 remaining; 4 patients to UT;
  £871.20 / (0.15 * 50) = £116.16 per patient. Trend 72 %, 70 %, 72 %: flat line at
  71.33 % → at risk; missed = 871.20 - 871.20 * (0.71333 - 0.65)/0.15 = £503.36.
- A00001 HI-03: 90 % green; factor 10/(51,000 * 0.0045) = 10/229.5; £7,128 * 10/229.5 =
  £310.59 earned and possible.
- A00002 CAN-04: 50 % red; 3 patients to LT ("the first 3 patients earn nothing until the
  lower threshold"), 6 to UT. HI-03: no eligible patients.
- North PCN (U00001) CAN-04: 46/70 = 65.7 % amber; 22 * (46/70 - 0.65)/0.15 = 1.05 points;
  factor 25,500/51,000 = 0.5: £103.71 of £2,178.00. HI-03 as A00001. Totals: £414.30 of
  £2,488.59, £2,074.29 remaining.
- South PCN (U00002) CAN-04: 70/100 = 70 %; 7.33 points; factor 0.4: £580.80 of £1,742.40.
  HI-03: 9/7, green: £7,128 * 7/229.5 = £217.41. Earned £798.21.
- Test Place and ICB: £ are sums over the PCNs: earned £414.30 + £798.21 = £1,212.51.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from miniapps.core.definitions.loading import load_definition
from miniapps.models import OutboxMessage, Record
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.indicators.year_set_loading import load_year_set
from miniapps.web.apps.indicators import last_month
from sqlalchemy import func, select

from tests.conftest import IIF_DIR, PASSWORD, iif_data
from tests.sample_definitions import TEST_INDICATOR

RETURNS: list[tuple[str, str, dict[str, Any]]] = [
    ("A00001", "2025-04", iif_data(10200, CAN_04=(36, 50), HI_03=(3, 10))),
    ("A00001", "2025-05", iif_data(10200, CAN_04=(35, 50), HI_03=(6, 10))),
    ("A00001", "2025-06", iif_data(10200, CAN_04=(36, 50), HI_03=(9, 10))),
    ("A00002", "2025-06", iif_data(15300, CAN_04=(10, 20), HI_03=(0, 0))),
    ("A00003", "2025-05", iif_data(10200, CAN_04=(10, 20), HI_03=(2, 4))),
    ("A00003", "2025-06", iif_data(10200, CAN_04=(40, 50), HI_03=(4, 4))),
    ("A00004", "2025-06", iif_data(10200, CAN_04=(30, 50), HI_03=(5, 3))),
]
URL = "/apps/iif_tracker/indicators"


@pytest.fixture
def iif(db_session, orgs):
    """The IIF tracker owed since January 2025 (so past months count), both year sets
    loaded, and the returns above stored as submitted records."""
    published = app_service.publish(
        db_session,
        load_definition(IIF_DIR),
        [orgs["QWE"]],
        actor=None,
        targeted_from=date(2025, 1, 1),
    )
    for path in sorted((IIF_DIR / "data").glob("*.json")):
        load_year_set(db_session, "iif_tracker", json.loads(path.read_text()), source=path.name)
    for ods, period, data in RETURNS:
        db_session.add(
            Record(
                app_id="iif_tracker",
                app_version=published.app.latest_version,
                organisation=orgs[ods],
                period=period,
                data=data,
                status="submitted",
            )
        )
    db_session.commit()
    return published.app


def page(client, ods: str = "", period: str = "2025-06", path: str = URL):
    query = "&".join(f"{k}={v}" for k, v in (("org", ods), ("period", period)) if v)
    return client.get(f"{path}?{query}")


def text_of(html: str) -> str:
    """The page's visible text on one line, for phrases that span elements."""
    without_scripts = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_scripts))


def section(html: str, code: str) -> str:
    start = html.index(f'id="indicator-{code}"')
    return text_of(html[start : html.index("</section>", html.index("</section>", start) + 1)])


def test_practice_page_figures(client, login, users, iif) -> None:
    login(users["practice_manager"])
    response = page(client)  # the user's own practice by default
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "<h1>Indicators for North Surgery</h1>" in html
    can = section(html, "CAN-04")
    assert "Amber Achievement 72.0%" in can
    assert "36 of 50" in can
    # ...as a real link to the records counted, not escaped HTML.
    assert re.search(r'<a href="/apps/iif_tracker/\?org=A00001&amp;period=2025-06">36 of 50<', html)
    assert "&lt;a href" not in html
    assert "4 more patients meeting the indicator to reach the upper threshold (80.0%)" in can
    assert "10.27 of 22" in can
    for figure in ("£406.56", "£871.20", "£464.64", "£116.16 per extra patient"):
        assert figure in can
    assert "At risk Projected 71.3% by the end of March 2026" in can
    hi = section(html, "HI-03")
    assert "Green Achievement 90.0%" in hi and "£310.59" in hi
    assert "The upper threshold is reached" in hi
    assert "On track" in hi  # accumulating: 9 more a quarter reaches 100 %
    whole = text_of(html)
    assert "Earned £717.15" in whole and "Possible £1,181.79" in whole
    assert "Projected to be missed £503.36" in whole
    # Easy wins: CAN-04 only (HI-03 is green), £464.64 over 4 patients.
    assert "4 patients to the upper threshold; 4 to the upper threshold would earn £464.64" in whole
    assert "(£116.16 per patient)" in whole
    assert "CAN-04 : £503.36" in whole


def test_practice_trend_chart_table_and_csv(client, login, users, iif) -> None:
    login(users["practice_manager"])
    html = page(client).get_data(as_text=True)
    assert 'data-chart-for="trend-CAN-04"' in html
    found = re.search(r'id="dashboard-data">(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    trend = next(p for p in data["panels"] if p["id"] == "trend-CAN-04")
    assert trend["chart"]["labels"] == ["April 2025", "May 2025", "June 2025"]
    assert [d["values"] for d in trend["chart"]["datasets"]] == [
        [72.0, 70.0, 72.0],
        [65.0, 65.0, 65.0],
        [80.0, 80.0, 80.0],
    ]
    # Each month of the table links to the records it was summed from.
    assert '/apps/iif_tracker/?org=A00001&amp;period=2025-05">May 2025' in html
    csv = client.get(f"{URL}.csv?org=A00001&period=2025-06&table=trend-CAN-04")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines() == [
        "Month,Numerator,Denominator,Achievement (%)",
        "April 2025,36,50,72.0",
        "May 2025,35,50,70.0",
        "June 2025,36,50,72.0",
    ]
    assert client.get(f"{URL}.csv?org=A00001&period=2025-06&table=nope").status_code == 404


def test_below_lower_and_no_eligible_patients(client, login, users, iif) -> None:
    login(users["pcn_manager"])
    html = page(client, "A00002").get_data(as_text=True)
    can = section(html, "CAN-04")
    assert "Red Achievement 50.0%" in can
    assert "the first 3 patients earn nothing until the lower threshold" in can
    assert "lower threshold.<br>6 more" in html  # one sentence per line, not escaped
    assert "6 more patients meeting the indicator to reach the upper threshold" in can
    assert "£435.60 per extra patient once the lower threshold is reached" in can
    hi = section(html, "HI-03")
    assert "No eligible patients" in hi and "nothing can be earned" in hi
    assert "Not enough months" in hi  # one month only: no projection


def test_traceability_year_set_and_records(client, login, users, iif) -> None:
    login(users["practice_manager"])
    html = page(client).get_data(as_text=True)
    whole = text_of(html)
    assert "Figures from the 2025/26 indicator set, version 1" in whole
    assert "Illustrative" in section(html, "HI-03")  # thresholds unverified in the file
    assert 'href="/apps/iif_tracker/?org=A00001&amp;period=2025-06"' in html
    records = client.get("/apps/iif_tracker/?org=A00001&period=2025-06")
    assert records.status_code == 200
    assert "June 2025" in records.get_data(as_text=True)


def test_pcn_page_figures_variation_and_coding_errors(client, login, users, iif) -> None:
    login(users["pcn_manager"])
    response = page(client)  # the PCN manager's own PCN
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "<h1>Indicators for North PCN</h1>" in html
    can = section(html, "CAN-04")
    assert "Amber Achievement 65.7%" in can and "46 of 70" in can
    assert "1.05 of 22" in can and "£103.71" in can and "£2,178.00" in can
    whole = text_of(html)
    assert "Earned £414.30" in whole and "Possible £2,488.59" in whole
    assert "Still on the table £2,074.29" in whole
    # Every practice returned June: complete, nobody to chase.
    assert "100% of the returns owed for June 2025 are in" in whole
    # Variation: ranked best first, each against the PCN as a whole, linking one level down.
    variation = html[html.index('id="panel-variation-CAN-04"') :]
    variation = variation[: variation.index("</section>")]
    assert variation.index("North Surgery") < variation.index("Hill Surgery")
    assert "6.3" in text_of(variation) and "-15.7" in text_of(variation)
    assert 'href="/apps/iif_tracker/indicators?org=A00002&amp;period=2025-06"' in variation
    # One likely coding error: Hill Surgery's CAN-04 is 22 points below its peers.
    issues = text_of(html[html.index('<h2 id="coding">') :])
    assert (
        "Hill Surgery : records for June 2025 CAN-04 Far below peers "
        "Achievement 50.0% against 72.0%" in issues
    )
    assert issues.count("Far below peers") == 1


def test_pcn_coding_errors_jump_and_numerator_above(client, login, users, iif) -> None:
    login(users["platform_admin"])
    whole = text_of(page(client, "U00002").get_data(as_text=True))
    assert (
        "South Surgery : records for June 2025 CAN-04 Denominator jump "
        "Denominator went from 20 to 50" in whole
    )
    assert (
        "Vale Surgery : records for June 2025 HI-03 Numerator above denominator "
        "Numerator 5 is above the denominator 3" in whole
    )
    assert "Far below peers" not in whole.split("Likely coding errors")[1]  # 20 points: not over


def test_pcn_completeness_and_one_click_chase(
    app, client, login, db_session, users, orgs, iif
) -> None:
    user_service.create_user(
        db_session, "hill@example.nhs.uk", "Hill PM", PASSWORD, "practice_manager", orgs["A00002"]
    )
    db_session.commit()
    login(users["pcn_manager"])
    html = page(client, "U00001", "2025-05").get_data(as_text=True)
    assert "50% of the returns owed for May 2025 are in" in text_of(html)
    assert "Not returned yet: Hill Surgery." in text_of(html)
    assert 'name="target" value="A00002"' in html and 'name="target" value="A00001"' not in html
    before = db_session.scalar(select(func.count()).select_from(OutboxMessage))
    response = client.post(
        f"{URL}/chase", data={"org": "U00001", "target": "A00002", "period": "2025-05"}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"{URL}?org=U00001&period=2025-05")
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == before + 1
    chase = db_session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1))
    # The configured site, not the test client's host (http://localhost/).
    assert f"{app.config['BASE_URL']}/apps/iif_tracker/new?period=2025-05&org=A00002" in (
        chase.body_text
    )
    followed = client.get(response.location).get_data(as_text=True)
    assert "Reminder sent to Hill Surgery about May 2025" in followed


def test_place_and_icb_compare_pcns_and_drill_down(client, login, users, iif) -> None:
    login(users["icb_viewer"])
    place = page(client, "PLC01").get_data(as_text=True)
    whole = text_of(place)
    assert "Earned £1,212.51" in whole and "Possible £4,448.40" in whole
    assert "Still on the table £3,235.89" in whole
    children = text_of(place[place.index('id="panel-children"') :].split("</section>")[0])
    assert "PCNs in Test Place" in children
    assert re.search(r"North PCN .*U00001 .*414\.30 .*2488\.59 .*2074\.29 .*South PCN", children)
    assert re.search(r"South PCN .*U00002 .*798\.21 .*1959\.81 .*1161\.60", children)
    assert 'href="/apps/iif_tracker/indicators?org=U00001&amp;period=2025-06"' in place
    crumbs = place[place.index('aria-label="Organisations above Test Place"') :]
    assert crumbs.index("Test ICB") < crumbs.index("</nav>")
    icb = page(client, "QWE").get_data(as_text=True)
    assert "Earned £1,212.51" in text_of(icb)
    assert 'href="/apps/iif_tracker/indicators?org=PLC01&amp;period=2025-06"' in icb
    assert 'id="panel-pcns"' in icb  # every PCN across the ICB compared
    # Drill down to a practice: breadcrumbs ICB > Place > PCN.
    practice = page(client, "A00003").get_data(as_text=True)
    nav = practice[practice.index('aria-label="Organisations above South Surgery"') :]
    nav = text_of(nav[: nav.index("</nav>")])
    assert re.search(r"Test ICB .*Test Place .*South PCN", nav)


def test_printable_summary(client, login, users, iif) -> None:
    login(users["pcn_manager"])
    response = page(client, "U00001", path=f"{URL}/summary")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "css/indicators.css" in html  # the print stylesheet
    whole = text_of(html)
    assert "Earned £414.30 of £2,488.59 possible" in whole
    assert "100% returned for June 2025" in whole
    assert "Hill Surgery, CAN-04: far below peers" in whole
    assert "North Surgery 72.0% (Amber) 90.0% (Green) £717.15" in whole


def test_practice_user_sees_only_their_practice(client, login, users, iif) -> None:
    login(users["practice_manager"])
    for ods in ("A00002", "U00001", "PLC01"):
        response = page(client, ods)
        assert response.status_code == 403
        assert "You may not see the indicators" in response.get_data(as_text=True)
    assert (
        "Test ICB"
        not in page(client).get_data(as_text=True).split("<h1>")[0].split("Organisations above")[-1]
    )


def test_refusals_are_clear(client, login, users, iif, fridge_app) -> None:
    login(users["platform_admin"])
    unknown = page(client, "ZZZ999")
    assert unknown.status_code == 404
    assert "No organisation has the ODS code" in unknown.get_data(as_text=True)
    bad = page(client, "A00001", "2025-13")
    assert bad.status_code == 400
    assert "Enter the period as a month, such as 2025-04" in bad.get_data(as_text=True)
    none_loaded = page(client, "A00001", "2024-06")
    assert none_loaded.status_code == 404
    assert "No indicator set is loaded for 2024/25" in none_loaded.get_data(as_text=True)
    stakeholder = page(client, "LA001")
    assert stakeholder.status_code == 404 and "has no indicators" in stakeholder.get_data(
        as_text=True
    )
    no_indicators = client.get("/apps/fridge_log/indicators")
    assert no_indicators.status_code == 404
    assert "has no indicators" in no_indicators.get_data(as_text=True)


def test_default_period_is_last_month(client, login, users, iif) -> None:
    assert last_month(date(2026, 1, 15)) == "2025-12" and last_month(date(2025, 7, 1)) == "2025-06"
    login(users["practice_manager"])
    html = client.get(URL).get_data(as_text=True)
    assert f'value="{last_month()}"' in html


def test_dashboard_links_to_the_indicator_pages(client, login, users, iif, fridge_app) -> None:
    login(users["practice_manager"])
    assert f"{URL}" in client.get("/apps/iif_tracker/dashboard").get_data(as_text=True)
    fridge = client.get("/apps/fridge_log/dashboard").get_data(as_text=True)
    assert "/indicators" not in fridge


def test_an_app_with_declared_indicators_gets_the_same_pages(
    client, login, users, seeded_app
) -> None:
    definition = {
        "id": "declared_ind",
        "title": "Declared indicators",
        "version": 1,
        "period": {"frequency": "monthly"},
        "schema": {
            "type": "object",
            "properties": {"num": {"type": "integer"}, "den": {"type": "integer"}},
        },
        "indicators": [TEST_INDICATOR],
    }
    seeded_app(definition, [("A00001", "2025-06", {"num": 6, "den": 10})])
    login(users["practice_manager"])
    response = client.get("/apps/declared_ind/indicators?period=2025-06")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    ind = section(html, "IND-1")
    # 60 % between 50 % and 80 %: 10 * 0.1/0.3 = 3.33 points at £100 = £333.33 of £1,000.00.
    assert "Amber Achievement 60.0%" in ind and "3.33 of 10" in ind
    assert "£333.33" in ind and "£1,000.00" in ind
    assert "Indicators as declared in Declared indicators version 1" in text_of(html)


def test_points_above_pcn_are_the_sum_of_the_pcns_points(client, login, users, iif) -> None:
    """Points are a PCN's: a Place shows North PCN's 1.05 + South PCN's 7.33 CAN-04 points
    (beside the £ summed over the same PCNs), not points of its pooled 68.2 %."""
    login(users["icb_viewer"])
    html = page(client, "PLC01").get_data(as_text=True)
    can = section(html, "CAN-04")
    assert "8.38 of 44: the sum over the 2 PCNs with eligible patients" in can
    assert "4.75 of 22" not in can
    assert "72.00 of 72" in section(html, "HI-03")
    results = text_of(html[html.index('id="panel-results"') :].split("</section>")[0])
    assert "Points (sum of PCNs)" in results
    assert re.search(
        r"CAN-04 .*Points \(sum of PCNs\) 8\.38 Maximum points \(sum of PCNs\) 44 ", results
    )


def test_month_picker_offers_the_months_with_data(client, login, users, iif) -> None:
    login(users["pcn_manager"])
    html = page(client, "U00001", period="2025-05").get_data(as_text=True)
    picker = html[html.index('<select class="nhsuk-select" id="indicators-period"') :]
    picker = picker[: picker.index("</select>")]
    assert re.findall(r'value="([^"]+)"', picker) == ["2025-06", "2025-05", "2025-04"]
    assert re.search(r'value="2025-05"\s+selected', picker)


def test_summary_says_no_return_for_a_practice_that_has_not_returned(
    client, login, users, iif
) -> None:
    login(users["pcn_manager"])
    html = page(client, "U00001", period="2025-05", path=f"{URL}/summary").get_data(as_text=True)
    whole = text_of(html)
    assert "Hill Surgery No return for May 2025" in whole
    assert "No eligible patients" not in whole.split("Hill Surgery")[-1].split("Likely")[0]
    variation = text_of(page(client, "U00001", period="2025-05").get_data(as_text=True))
    hill = variation[variation.index("CAN-04: practices compared") :].split("Hill Surgery")[2]
    assert "No return" in hill[: hill.index("Numerator")]
