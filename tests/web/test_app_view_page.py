"""The view page ``/apps/<app>/views/<view_id>``: only the listed answers, months, shared
text where agreed, counts by theme; the PCN's records only; a 404 for anyone without the
view's role; a link in the app's menu for those who may open it."""

from __future__ import annotations

import re

import pytest
from miniapps.services import users as user_service

from tests.sample_views import NEVER_SHOWN, seed_events

URL = "/apps/event_log/views/learning"


@pytest.fixture
def events(db_session, orgs, users):
    return seed_events(db_session, orgs, users["practice_staff"])


def _text(html: str) -> str:
    """The page's words (the responsive tables' repeated headings left out)."""
    html = re.sub(r'<span class="nhsuk-table__heading"[^>]*>.*?</span>', " ", html)
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def tables(html: str) -> dict[str, list[list[str]]]:
    """Each table's body rows (cell texts), by its caption."""
    found = {}
    for table in re.findall(r"<table.*?</table>", html, flags=re.DOTALL):
        caption = re.search(r"<caption.*?</caption>", table, flags=re.DOTALL)
        body = re.search(r"<tbody.*?</tbody>", table, flags=re.DOTALL)
        assert caption is not None and body is not None
        found[_text(caption.group(0)).strip()] = [
            [_text(cell).strip() for cell in re.findall(r"<td.*?</td>", row, flags=re.DOTALL)]
            for row in re.findall(r"<tr.*?</tr>", body.group(0), flags=re.DOTALL)
        ]
    return found


def test_a_pcn_manager_sees_only_the_listed_answers_of_their_pcn(
    client, users, login, events
) -> None:
    login(users["pcn_manager"])
    response = client.get(URL)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    text = _text(page)
    assert "Shared learning" in text and "2 records" in text
    # The listed answers, the month (London), the shared text where agreed.
    for shown in ("Incident", "Moderate harm (3)", "April 2026", "February 2026", "Risk"):
        assert shown in text
    assert "Dry the floor after rain" in text
    assert "Not shared" in text
    # Never: other answers, other PCNs, unclosed or other kinds, who, where, which record.
    for secret in NEVER_SHOWN:
        assert secret not in page
    for where in ("North Surgery", "Hill Surgery", "A00001", "A00002", "South Surgery"):
        assert where not in page
    assert "staff@example.nhs.uk" not in page and "Practice Staff" not in page
    assert "/records/" not in page
    assert "2026-03-31" not in page and "31 March" not in page


def test_counts_by_theme_and_month(client, users, login, events) -> None:
    login(users["pcn_manager"])
    found = tables(client.get(URL).get_data(as_text=True))
    assert found["By event type"] == [["Incident", "1"], ["Risk", "1"], ["Good care", "0"]]
    assert found["By physical harm"] == [
        ["No harm (5)", "1"],
        ["Low harm (4)", "0"],
        ["Moderate harm (3)", "1"],
    ]
    assert found["By month"] == [["February 2026", "1"], ["March 2026", "0"], ["April 2026", "1"]]
    # The rows: newest submitted first; the shared text only where agreed.
    assert found["Shared learning: records, page 1 of 1"] == [
        ["Risk", "No harm (5)", "February 2026", "Not shared"],
        ["Incident", "Moderate harm (3)", "April 2026", "Dry the floor after rain"],
    ]


@pytest.mark.parametrize("who", ["practice_manager", "practice_staff", "platform_admin"])
def test_anyone_without_the_role_gets_404(client, users, login, events, who) -> None:
    login(users[who])
    response = client.get(URL)
    assert response.status_code == 404
    assert "Dry the floor" not in response.get_data(as_text=True)


def test_an_unknown_view_is_404(client, users, login, events) -> None:
    login(users["pcn_manager"])
    assert client.get("/apps/event_log/views/nope").status_code == 404


def test_the_role_scopes_the_records(client, db_session, users, orgs, login, events) -> None:
    # A PCN manager of U00001 who is also staff at a practice of U00002 sees U00001 only.
    user_service.create_user(
        db_session, users["pcn_manager"].email, "x", None, "practice_staff", orgs["A00003"]
    )
    db_session.commit()
    login(users["pcn_manager"])
    page = client.get(URL).get_data(as_text=True)
    assert "OTHERPCN" not in page
    assert tables(page)["By event type"][2] == ["Good care", "0"]
    # Holding the role at the Place above both PCNs covers both.
    password = "correct horse battery"
    place = orgs["PLC01"]
    other = user_service.create_user(
        db_session, "place@example.nhs.uk", "Place lead", password, "pcn_manager", place
    )
    db_session.commit()
    client.post("/auth/logout")
    login(other, password)
    page = client.get(URL).get_data(as_text=True)
    assert "3 records" in _text(page) and "OTHERPCN" in page
    assert tables(page)["By event type"][2] == ["Good care", "1"]


def test_the_app_menu_links_the_view_for_those_who_may_open_it(
    client, users, login, events
) -> None:
    login(users["pcn_manager"])
    records_page = client.get("/apps/event_log/").get_data(as_text=True)
    assert f'href="{URL}"' in records_page
    view_page = client.get(URL).get_data(as_text=True)
    assert re.search(rf'href="{URL}"\s+aria-current="page"', view_page)
    client.post("/auth/logout")
    login(users["practice_manager"])
    assert URL not in client.get("/apps/event_log/").get_data(as_text=True)


def test_rows_are_paged(app, client, users, login, events, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    login(users["pcn_manager"])
    first = client.get(URL).get_data(as_text=True)
    second = client.get(URL + "?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in _text(first) and "Page 2 of 2" in _text(second)
    assert tables(first)["Shared learning: records, page 1 of 2"] == [
        ["Risk", "No harm (5)", "February 2026", "Not shared"]
    ]
    assert tables(second)["Shared learning: records, page 2 of 2"] == [
        ["Incident", "Moderate harm (3)", "April 2026", "Dry the floor after rain"]
    ]
    # The counts cover every record, on every page.
    assert tables(first)["By event type"] == tables(second)["By event type"]
    assert tables(second)["By event type"][:2] == [["Incident", "1"], ["Risk", "1"]]


def test_a_view_without_records_says_so(client, db_session, users, orgs, login, events) -> None:
    lone = user_service.create_user(
        db_session,
        "lone@example.nhs.uk",
        "Lone",
        "correct horse battery",
        "pcn_manager",
        orgs["A00004"],
    )
    db_session.commit()
    login(lone, "correct horse battery")
    response = client.get(URL)
    text = _text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "0 records" in text and "No records." in text
    assert tables(response.get_data(as_text=True))["By event type"][0] == ["Incident", "0"]
