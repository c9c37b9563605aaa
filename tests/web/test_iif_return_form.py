"""The IIF monthly return form: the year's indicators as fieldsets, last month beside them."""

from __future__ import annotations

import re

from miniapps.models import Record
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import select

from tests.conftest import iif_data


def test_the_form_lists_the_years_indicators(client, users, iif_app, login):
    login(users["practice_manager"])
    june = client.get("/apps/iif_tracker/new?period=2025-06").get_data(as_text=True)
    assert "CAN-04: Lower GI urgent cancer referrals" in june and "HI-03:" in june
    assert "ACC-08" not in june  # a 2026/27 indicator
    may_next_year = client.get("/apps/iif_tracker/new?period=2026-05").get_data(as_text=True)
    assert "ACC-08: Appointments within two weeks" in may_next_year


def test_last_months_figures_and_plan_show_beside_this_months(
    client, db_session, users, orgs, iif_app, login
):
    data = iif_data(10000, CAN_04=(36, 50), HI_03=(20, 40))
    data["indicators"]["CAN-04"]["plan"] = {"patients_to_invite": 7, "owner": "Dr Demo"}
    admin = users["platform_admin"]
    record_service.create_record(
        db_session, Access(admin), iif_app, orgs["A00001"], data, period="2025-05",
        submit=True, actor=admin,
    )  # fmt: skip
    db_session.commit()
    login(users["practice_manager"])
    html = client.get("/apps/iif_tracker/new?period=2025-06&org=A00001").get_data(as_text=True)
    previous = re.findall(r'miniapps-previous"><strong>May 2025:</strong> ([^<]+)<', html)
    assert previous[:3] == ["10,000", "36", "50"] or previous[:3] == ["10000", "36", "50"]
    assert "Dr Demo" in previous and "7" in previous


def test_submitting_a_return_and_refusing_impossible_counts(
    client, db_session, users, iif_app, login
):
    login(users["practice_manager"])
    form = {
        "org": "A00001",
        "period": "2025-06",
        "list_size": "9800",
        "submit": "1",
    }
    page = client.get("/apps/iif_tracker/new?period=2025-06").get_data(as_text=True)
    fields = re.findall(r'name="([^"]+)"', page)
    numerator = next(n for n in fields if "CAN_04" in n and n.endswith("-numerator"))
    denominator = numerator.replace("numerator", "denominator")
    hi_num = next(n for n in fields if "HI_03" in n and n.endswith("-numerator"))
    hi_den = hi_num.replace("numerator", "denominator")
    bad = {**form, numerator: "41", denominator: "40", hi_num: "3", hi_den: "10"}
    response = client.post("/apps/iif_tracker/new", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "cannot be more than the denominator" in html
    assert db_session.scalar(select(Record.id)) is None
    good = {**bad, numerator: "30"}
    assert client.post("/apps/iif_tracker/new", data=good).status_code == 302
    stored = db_session.scalars(select(Record)).one()
    assert stored.data["indicators"]["CAN-04"] == {"numerator": 30, "denominator": 40}
    assert stored.period == "2025-06" and stored.data["list_size"] == 9800


def test_a_practice_cannot_return_for_another_practice(client, db_session, users, iif_app, login):
    login(users["practice_manager"])  # manages A00001 only
    response = client.post(
        "/apps/iif_tracker/new", data={"org": "A00002", "period": "2025-06", "submit": "1"}
    )
    assert response.status_code == 403
    assert db_session.scalar(select(Record.id)) is None


def _summary(html: str) -> list[tuple[str, str]]:
    box = re.search(r'class="nhsuk-error-summary".*?</ul>', html, re.S)
    assert box, "the page has an error summary"
    return re.findall(r'<a href="([^"]+)"\s*>\s*([^<]+?)\s*</a>', box.group(0))


def test_every_problem_is_reported_at_once_naming_its_indicator(
    client, db_session, users, iif_app, login
):
    """A non-number in one indicator and a numerator above its denominator in another:
    both in one submit, each naming its indicator, each linked to its field."""
    login(users["practice_manager"])
    page = client.get("/apps/iif_tracker/new?period=2025-06").get_data(as_text=True)
    fields = re.findall(r'name="([^"]+)"', page)
    can_num = next(n for n in fields if "CAN_04" in n and n.endswith("-numerator"))
    hi_num = next(n for n in fields if "HI_03" in n and n.endswith("-numerator"))
    form = {
        "org": "A00001",
        "period": "2025-06",
        "submit": "1",
        can_num: "twelve",
        can_num.replace("numerator", "denominator"): "40",
        hi_num: "30",
        hi_num.replace("numerator", "denominator"): "10",
    }
    response = client.post("/apps/iif_tracker/new", data=form)
    assert response.status_code == 400
    summary = _summary(response.get_data(as_text=True))
    assert summary == [
        (f"#{can_num}", "CAN-04: numerator must be a whole number"),
        (f"#{hi_num}", "HI-03: the numerator (30) cannot be more than the denominator (10)"),
    ]
    assert db_session.scalar(select(Record.id)) is None


def test_an_empty_return_says_what_to_do(client, users, iif_app, login):
    login(users["practice_manager"])
    response = client.post(
        "/apps/iif_tracker/new", data={"org": "A00001", "period": "2025-06", "submit": "1"}
    )
    assert response.status_code == 400
    messages = [message for _, message in _summary(response.get_data(as_text=True))]
    assert messages == ["Enter the figures for at least one indicator"]
