"""The returns page: completeness grid, chase, lock and unlock; the home page's due list."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.periods.schedule import PeriodRules, last_periods
from miniapps.models import AuditEntry, OutboxMessage, PeriodLock
from miniapps.services import apps as app_service
from miniapps.services import organisations as org_service
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy import select

DEFINITION: dict[str, Any] = {
    "id": "monthly_return",
    "title": "Monthly return",
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
        targeted_from=date.today() - timedelta(days=400),  # owed for every period shown
    )
    db_session.commit()
    return published.app


def periods():
    return last_periods(date.today(), RULES, 6)


def test_grid_shows_text_tags_and_percentages(client, login, db_session, users, orgs, monthly):
    last_month = periods()[-2]
    staff = users["practice_staff"]
    record_service.create_record(
        db_session,
        Access(staff),
        monthly,
        orgs["A00001"],
        {"count": 1},
        period=last_month,
        submit=True,
        actor=staff,
    )
    db_session.commit()
    login(users["pcn_manager"])
    response = client.get("/apps/monthly_return/returns")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Returns for North PCN" in page
    assert "North Surgery (A00001)" in page and "Hill Surgery (A00002)" in page
    assert "South Surgery" not in page
    assert "Submitted" in page and "nhsuk-tag--blue" in page
    assert "Overdue" in page  # the older months nobody returned
    assert page.count('<th scope="col"') == 7  # organisation + six periods
    assert "50%" in page
    assert "Lock period" in page and "Chase" in page
    assert 'aria-current="page">Returns' in page


def test_period_range_and_bad_period(client, login, users, monthly):
    login(users["pcn_manager"])
    page = client.get("/apps/monthly_return/returns?from=2026-01&to=2026-03").get_data(True)
    assert "January 2026" in page and "March 2026" in page and "April 2026" not in page
    page = client.get("/apps/monthly_return/returns?from=2025-13").get_data(True)
    assert "There is a problem" in page and "Enter a period such as 2025-04" in page


def test_practice_users_see_their_own_row_without_buttons(client, login, users, monthly):
    login(users["practice_staff"])
    page = client.get("/apps/monthly_return/returns?org=U00001").get_data(as_text=True)
    assert "North Surgery (A00001)" in page and "Hill Surgery" not in page
    assert "Lock period" not in page and "Chase<" not in page


def test_forbidden_without_read_access(client, login, users, monthly):
    login(users["practice_staff"])
    assert client.get("/apps/monthly_return/returns?org=U00002").status_code == 403
    login(users["stakeholder"])
    assert client.get("/apps/monthly_return/returns?org=U00001").status_code in (403, 404)


def test_returns_page_is_only_for_periodic_apps(client, login, users, fridge_app):
    login(users["pcn_manager"])
    assert client.get("/apps/fridge_log/returns").status_code == 404
    page = client.get("/apps/fridge_log/").get_data(as_text=True)
    assert "/returns" not in page


def test_chase_button_queues_an_email(client, login, db_session, users, monthly):
    login(users["pcn_manager"])
    period = periods()[0]
    response = client.post(
        "/apps/monthly_return/returns/chase",
        data={"org": "U00001", "target": "A00001", "period": period},
    )
    assert response.status_code == 302
    assert "/apps/monthly_return/returns?org=U00001" in response.headers["Location"]
    assert set(db_session.scalars(select(OutboxMessage.to_address))) == {
        "pm@example.nhs.uk",
        "staff@example.nhs.uk",
    }
    login(users["practice_manager"])
    response = client.post(
        "/apps/monthly_return/returns/chase",
        data={"org": "A00001", "target": "A00001", "period": period},
    )
    assert response.status_code == 403


def test_chase_email_links_to_the_configured_base_url_whatever_the_request_host(
    app, client, db_session, users, monthly, password, monkeypatch
):
    """Like every other email, a chase links to ``BASE_URL``, never to the host the request
    came in on (an internal name, a proxy, a forged Host header)."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://miniapps.example.nhs.uk")
    elsewhere = "http://internal-host.example:8080"
    signed_in = client.post(
        "/auth/login",
        data={"email": users["pcn_manager"].email, "password": password},
        base_url=elsewhere,
    )
    assert signed_in.status_code == 302
    period = periods()[0]
    response = client.post(
        "/apps/monthly_return/returns/chase",
        data={"org": "U00001", "target": "A00001", "period": period},
        base_url=elsewhere,
    )
    assert response.status_code == 302
    assert "/apps/monthly_return/returns?org=U00001" in response.headers["Location"]
    bodies = list(db_session.scalars(select(OutboxMessage.body_text)))
    link = f"https://miniapps.example.nhs.uk/apps/monthly_return/new?period={period}&org=A00001"
    assert len(bodies) == 2
    assert all(link in body for body in bodies)
    assert not any("internal-host" in body for body in bodies)


def test_lock_and_unlock_buttons(client, login, db_session, users, monthly):
    login(users["pcn_manager"])
    period = periods()[-1]
    response = client.post(
        "/apps/monthly_return/returns/lock", data={"org": "U00001", "period": period}
    )
    assert response.status_code == 302
    page = client.get("/apps/monthly_return/returns").get_data(as_text=True)
    assert "Unlock period" in page and "(locked)" in page
    assert re.search(r"Locked", page)
    assert db_session.scalar(select(PeriodLock.period)) == period
    client.post(
        "/apps/monthly_return/returns/lock",
        data={"org": "U00001", "period": period, "unlock": "1"},
    )
    assert db_session.scalar(select(PeriodLock.period)) is None
    actions = list(
        db_session.scalars(select(AuditEntry.action).where(AuditEntry.record_id.is_(None)))
    )
    assert actions[-2:] == ["lock_period", "unlock_period"]
    login(users["practice_manager"])
    response = client.post(
        "/apps/monthly_return/returns/lock", data={"org": "U00001", "period": period}
    )
    assert response.status_code == 403


def test_editing_in_a_locked_period_is_refused(client, login, db_session, users, orgs, monthly):
    period = periods()[-1]
    manager = users["pcn_manager"]
    from miniapps.services.returns.tracking import lock_period

    lock_period(db_session, Access(manager), monthly, orgs["U00001"], period, manager)
    db_session.commit()
    login(users["practice_staff"])
    response = client.post(
        f"/apps/monthly_return/new?org=A00001&period={period}", data={"count": "1"}
    )
    assert response.status_code == 409
    assert "is locked for North PCN" in response.get_data(as_text=True)


def test_home_lists_overdue_returns(client, login, users, monthly):
    login(users["practice_staff"])
    page = client.get("/").get_data(as_text=True)
    assert "Overdue returns" in page
    assert f"Monthly return for {date.fromisoformat(periods()[0] + '-01'):%B %Y}" in page
    assert "from North Surgery (A00001)" in page


def test_periods_before_a_practice_was_included_show_not_owed(
    client, login, db_session, users, orgs, monthly
):
    last_month = periods()[-2]
    org_service.set_activity(
        db_session, orgs["A00002"], active_from=date.today().replace(day=1), closed_on=None
    )
    db_session.commit()
    login(users["pcn_manager"])
    page = client.get("/apps/monthly_return/returns").get_data(as_text=True)
    hill = page[page.index("Hill Surgery (A00002)") : page.index("</tr>", page.index("Hill"))]
    assert hill.count('data-status="not_owed"') == 5 and "Not owed" in hill
    assert "Chase" not in hill.split(f'data-period="{periods()[-1]}"')[0]
    response = client.post(
        "/apps/monthly_return/returns/chase",
        data={"org": "U00001", "target": "A00002", "period": last_month},
        follow_redirects=True,
    )
    assert "owes no Monthly return" in response.get_data(as_text=True)
    assert db_session.scalar(select(OutboxMessage.id)) is None
