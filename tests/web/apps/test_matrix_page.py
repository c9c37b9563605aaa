"""The training matrix page (``/apps/<app>/matrix?org=ODS``): each person's latest
completion of each course as in date, due soon, out of date, missing or not required, in
words and colour; totals per course; filters; CSV; and who may open it (the app's read
rules: a practice its own people, a PCN manager its practices, anyone else "not found")."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from miniapps.core.records.deadlines import add_months
from miniapps.models import App, Organisation, User
from sqlalchemy.orm import Session

from tests.cqc_deadlines import completion, publish_training

TODAY = date.today()


@pytest.fixture
def training(db_session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> App:
    """At North Surgery (A00001): the staff member's basic life support in date,
    information governance expiring in 10 days, fire safety out of date and the other
    required courses missing; the manager's basic life support in date. An older basic
    life support of the staff member does not count: only the latest does."""
    app = publish_training(db_session, orgs)
    north, pm, staff = orgs["A00001"], users["practice_manager"], users["practice_staff"]
    done = [
        (staff, "basic_life_support", TODAY - timedelta(days=60)),
        (staff, "basic_life_support", TODAY - timedelta(days=800)),
        (staff, "information_governance", add_months(TODAY + timedelta(days=10), -12)),
        (staff, "fire_safety", TODAY - timedelta(days=400)),
        (pm, "basic_life_support", TODAY - timedelta(days=30)),
        (pm, "moving_and_handling", TODAY - timedelta(days=30)),
    ]
    for person, course, day in done:
        completion(db_session, app, north, pm, person, course, day)
    db_session.commit()
    return app


def cells(page: str, person: str) -> dict[str, str]:
    """course -> status of one person's row, read from the page's data attributes."""
    row = page.split(f">{person}<br>", 1)[1].split("</tr>", 1)[0]
    found = {}
    for part in row.split('data-item="')[1:]:
        item, rest = part.split('"', 1)
        found[item] = rest.split('data-status="', 1)[1].split('"', 1)[0]
    return found


def test_each_cell_shows_the_latest_completion_in_words_and_colour(
    client: FlaskClient, training: App, users, login
) -> None:
    login(users["practice_manager"])
    response = client.get("/apps/cqc_training/matrix?org=A00001")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    staff = cells(page, "Practice Staff")
    assert staff["basic_life_support"] == "in_date"
    assert staff["information_governance"] == "due_soon"
    assert staff["fire_safety"] == "out_of_date"
    assert staff["conflict_resolution"] == "missing"  # required of practice staff, never done
    assert staff["safeguarding_adults_level_3"] == "not_required"
    manager = cells(page, "Practice Manager")
    assert manager["basic_life_support"] == "in_date"
    assert manager["safeguarding_adults_level_3"] == "missing"  # required of managers
    assert manager["moving_and_handling"] == "in_date"  # done, though not required
    # Status in text as well as colour.
    words = " ".join(page.split())
    assert 'nhsuk-tag--red" > Out of date </strong>' in words
    assert 'nhsuk-tag--yellow" > Due soon </strong>' in words
    assert 'nhsuk-tag--orange" > Missing </strong>' in words
    day = TODAY - timedelta(days=60)
    assert f"Done {day.day} {day:%b %Y}, until" in page
    assert "practice staff" in page and "practice manager" in page  # roles beside names


def test_totals_per_course(client: FlaskClient, training: App, users, login) -> None:
    login(users["practice_manager"])
    page = client.get("/apps/cqc_training/matrix?org=A00001").get_data(as_text=True)
    bls = page.split('data-item="basic_life_support">', 1)[1].split("</tr>", 1)[0]
    assert "2 of 2" in bls and "100%" in bls
    fire = page.split('data-item="fire_safety">', 1)[1].split("</tr>", 1)[0]
    assert "0 of 2" in fire and "0%" in fire  # one out of date, one missing
    adults = page.split('data-item="safeguarding_adults_level_3">', 1)[1].split("</tr>", 1)[0]
    assert "0 of 1" in adults  # required of the manager only


def test_filters_show_only_out_of_date_or_due_soon(
    client: FlaskClient, training: App, users, login
) -> None:
    login(users["practice_manager"])
    due_soon = client.get("/apps/cqc_training/matrix?org=A00001&show=due_soon")
    page = due_soon.get_data(as_text=True)
    assert ">Practice Staff<br>" in page and ">Practice Manager<br>" not in page
    assert "People (1 of 2)" in page
    problems = client.get("/apps/cqc_training/matrix?org=A00001&show=problems")
    assert "People (2 of 2)" in problems.get_data(as_text=True)


def test_the_csv_download(client: FlaskClient, training: App, users, login) -> None:
    login(users["practice_manager"])
    response = client.get("/apps/cqc_training/matrix.csv?org=A00001&show=all")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "cqc_training-matrix-A00001-" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Person", "Role", "Basic life support"]
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    staff = by_name["Practice Staff"]
    assert staff["Role"] == "practice staff"
    assert staff["Fire safety"].startswith("Out of date (done ")
    assert staff["Conflict resolution"] == "Missing"
    assert staff["Information governance (data security awareness)"].startswith("Due soon")
    assert "@" not in response.get_data(as_text=True)  # names, never emails


@pytest.mark.parametrize(
    ("who", "ods", "status"),
    [
        ("practice_manager", "A00001", 200),
        ("practice_staff", "A00001", 200),
        ("pcn_manager", "A00001", 200),
        ("pcn_manager", "A00002", 200),
        ("platform_admin", "A00003", 200),
        ("practice_staff", "A00002", 404),  # another practice
        ("pcn_manager", "A00003", 404),  # a practice of another PCN
        ("practice_manager_2", "A00001", 404),
        ("icb_viewer", "A00001", 404),  # the app's read rules leave ICB viewers out
        ("stakeholder", "A00001", 404),
        ("practice_manager", "NOPE1", 404),
    ],
)
def test_who_may_open_it(
    client: FlaskClient, training: App, users, login, who: str, ods: str, status: int
) -> None:
    login(users[who])
    assert client.get(f"/apps/cqc_training/matrix?org={ods}").status_code == status
    assert client.get(f"/apps/cqc_training/matrix.csv?org={ods}").status_code == status


def test_an_app_without_a_matrix_has_none(
    client: FlaskClient, fridge_app: App, users, login
) -> None:
    login(users["practice_manager"])
    assert client.get("/apps/fridge_log/matrix?org=A00001").status_code == 404


def test_the_matrix_tab_and_the_default_organisation(
    client: FlaskClient, training: App, users, login
) -> None:
    login(users["pcn_manager"])
    page = client.get("/apps/cqc_training/").get_data(as_text=True)
    assert 'href="/apps/cqc_training/matrix" >Matrix</a>' in page
    # A PCN manager without ?org= sees the first practice they may read.
    page = client.get("/apps/cqc_training/matrix").get_data(as_text=True)
    assert "Training matrix: North Surgery" in page
