"""The new-record page: the period that is due by default, and "New record" offered only
to those who may add one (issue 11, items 8 and 9a)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.periods.schedule import PeriodRules, last_periods
from miniapps.services import apps as app_service
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service

DEFINITION: dict[str, Any] = {
    "id": "monthly_count",
    "title": "Monthly count",
    "version": 1,
    "schema": {"type": "object", "properties": {"count": {"type": "integer", "title": "Count"}}},
    "period": {"frequency": "monthly", "due_day": 10},
}
RULES = PeriodRules.from_json(DEFINITION["period"])


@pytest.fixture
def monthly(db_session, orgs):
    published = app_service.publish(
        db_session,
        validate_definition(DEFINITION),
        [orgs["QWE"]],
        actor=None,
        targeted_from=date.today() - timedelta(days=400),
    )
    db_session.commit()
    return published.app


def _selected_period(html: str) -> str:
    select = re.search(r'<select[^>]*name="period".*?</select>', html, re.S)
    assert select, "the form offers a period"
    chosen = re.search(r'<option value="([^"]+)"[^>]*selected', select.group(0))
    assert chosen, "one period is selected"
    return chosen.group(1)


def _submit(db_session, user, app, org, period):
    record_service.create_record(
        db_session, Access(user), app, org, {"count": 1}, period=period, submit=True, actor=user
    )
    db_session.commit()


def test_new_record_defaults_to_the_latest_finished_period_not_returned(
    client, login, db_session, users, orgs, monthly
):
    current, last, before = last_periods(date.today(), RULES, 3)[::-1]
    login(users["practice_manager"])
    html = client.get("/apps/monthly_count/new").get_data(as_text=True)
    assert _selected_period(html) == last
    assert f'value="{current}"' in html and f'value="{before}"' in html  # the others listed

    _submit(db_session, users["practice_manager"], monthly, orgs["A00001"], last)
    html = client.get("/apps/monthly_count/new").get_data(as_text=True)
    assert _selected_period(html) == before  # last month is returned: the older one is owed


def test_the_due_period_is_the_chosen_organisations(
    client, login, db_session, users, orgs, monthly
):
    last = last_periods(date.today(), RULES, 2)[0]
    _submit(db_session, users["pcn_manager"], monthly, orgs["A00001"], last)
    login(users["pcn_manager"])
    mine = client.get("/apps/monthly_count/new?org=A00001").get_data(as_text=True)
    other = client.get("/apps/monthly_count/new?org=A00002").get_data(as_text=True)
    assert _selected_period(mine) != last
    assert _selected_period(other) == last


def test_an_explicit_period_wins(client, login, users, monthly):
    current = last_periods(date.today(), RULES, 1)[0]
    login(users["practice_manager"])
    html = client.get(f"/apps/monthly_count/new?period={current}").get_data(as_text=True)
    assert _selected_period(html) == current


NEW_RECORD_LINK = 'href="/apps/fridge_log/new"'


def test_read_only_viewer_is_not_offered_new_record(client, login, users, fridge_app):
    login(users["icb_viewer"])
    for url in ("/apps/fridge_log/", "/apps/fridge_log/dashboard", "/apps/fridge_log/about"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert NEW_RECORD_LINK not in page.get_data(as_text=True), url
        assert "New record" not in page.get_data(as_text=True), url
    assert client.get("/apps/fridge_log/new").status_code == 403  # the action agrees


def test_writer_is_offered_new_record(client, login, users, fridge_app):
    login(users["practice_staff"])
    html = client.get("/apps/fridge_log/").get_data(as_text=True)
    assert NEW_RECORD_LINK in html and ">New record<" in html
    assert client.get("/apps/fridge_log/new").status_code == 200
