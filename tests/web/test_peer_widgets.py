"""Issue 14 in the browser (no JavaScript): the ``organisation`` and ``record`` widgets, the
record page's "About and linked records" panel and subject-side step, and the heatmap
widget's accessible grid."""

from __future__ import annotations

import re
from typing import Any

import pytest
from miniapps.models import App, Organisation, Record, User
from miniapps.services import users as user_service
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD
from tests.cqc_peer_apps import FOLLOW_UP, RISKS, publish_cqc, seed_risks
from tests.publishing import publish_app


@pytest.fixture
def peer_app(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return publish_cqc(db_session, "cqc_peer_review", [orgs["QWE"]])


@pytest.fixture
def hill(db_session: Session, orgs: dict[str, Organisation]) -> User:
    user = user_service.create_user(
        db_session, "hill@example.nhs.uk", "Hill Manager", PASSWORD, "practice_manager",
        orgs["A00002"],
    )  # fmt: skip
    db_session.commit()
    return user


def options(html: str, name: str) -> list[tuple[str, str]]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_html is not None, f"no select named {name}"
    found = re.findall(r'<option value="([^"]*)"[^>]*>\s*([^<]*?)\s*</option>', select_html[1])
    return [(value, text) for value, text in found]


def test_the_organisation_widget_offers_the_other_practices_of_the_pcn(
    client, users, peer_app, login
) -> None:
    login(users["practice_manager"])
    html = client.get("/apps/cqc_peer_review/new?org=A00001").get_data(as_text=True)
    assert options(html, "audited_practice") == [
        ("", "Select a practice"),
        ("A00002", "Hill Surgery (A00002)"),
    ]


def test_a_practice_of_another_pcn_posted_anyway_is_refused_beside_the_field(
    client, db_session, users, peer_app, login
) -> None:
    login(users["practice_manager"])
    response = client.post(
        "/apps/cqc_peer_review/new",
        data={"org": "A00001", "audited_practice": "A00003", "save_draft": "1"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Practice audited: A00003 is not a practice of your PCN" in html
    # The posted value stays selected, so the user sees what was refused.
    assert ("A00003", "A00003") in options(html, "audited_practice")
    assert db_session.scalar(select(Record.id)) is None


def test_the_subject_reads_the_audit_and_answers_it_on_the_record_page(
    client, db_session, users, orgs, peer_app, hill, login
) -> None:
    pm = users["practice_manager"]
    data = {
        "audited_practice": "A00002",
        "visit_date": "2026-01-15",
        "checklist": [{"area": "medicines", "checked": "Fridge log", "result": "met"}],
    }
    record = lifecycle.create_record(
        db_session, Access(pm), peer_app, orgs["A00001"], data, submit=True, actor=pm
    )
    db_session.commit()
    url = f"/apps/cqc_peer_review/records/{record.id}"
    login(hill)
    html = client.get(url).get_data(as_text=True)
    assert "About and linked records" in html and "Hill Surgery (A00002)" in html
    assert "Answer the audit" in html and "Change answers" not in html
    response = client.post(
        f"{url}/transition", data={"action": "answer", "response": "Thank you, noted."}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.refresh(record)
    assert record.status == "answered" and record.data["response"] == "Thank you, noted."


def test_another_pcns_practice_gets_a_404(client, db_session, users, orgs, peer_app, login) -> None:
    pm = users["practice_manager"]
    data: dict[str, Any] = {
        "audited_practice": "A00002",
        "visit_date": "2026-01-15",
        "checklist": [{"area": "medicines", "checked": "Fridge log", "result": "met"}],
    }
    record = lifecycle.create_record(
        db_session, Access(pm), peer_app, orgs["A00001"], data, submit=True, actor=pm
    )
    db_session.commit()
    login(users["practice_manager_2"])
    assert client.get(f"/apps/cqc_peer_review/records/{record.id}").status_code == 404


def test_the_record_widget_offers_records_and_the_page_links_the_one_chosen(
    client, db_session, users, orgs, fridge_app, login
) -> None:
    publish_app(db_session, FOLLOW_UP, [orgs["QWE"]])
    admin = users["platform_admin"]
    target = lifecycle.create_record(
        db_session, Access(admin), fridge_app, orgs["A00001"], {"reading": 5}, submit=True,
        actor=admin,
    )  # fmt: skip
    db_session.commit()
    login(users["practice_manager"])
    html = client.get("/apps/fridge_follow_up/new?org=A00001").get_data(as_text=True)
    offered = options(html, "reading")
    assert offered[0] == ("", "Select a Vaccine fridge log record")
    assert [value for value, _ in offered[1:]] == [str(target.id)]
    assert offered[1][1].startswith(f"Vaccine fridge log record {target.id}, submitted ")
    response = client.post(
        "/apps/fridge_follow_up/new",
        data={"org": "A00001", "reading": str(target.id), "note": "Checked", "submit": "1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/apps/fridge_log/records/{target.id}"' in page


def test_the_record_widget_says_when_the_linked_app_is_not_used(
    client, db_session, users, orgs, login
) -> None:
    publish_cqc(db_session, "cqc_significant_events", [orgs["QWE"]])
    login(users["practice_manager"])
    html = client.get("/apps/cqc_significant_events/new?org=A00001").get_data(as_text=True)
    assert options(html, "incident") == [("", "No record to link")]
    assert "Incident reporting is not used at North Surgery" in html


def test_the_heatmap_is_a_table_saying_each_cells_count_and_band(
    client, db_session, users, orgs, login
) -> None:
    app = publish_cqc(db_session, "cqc_risk_register", [orgs["QWE"]])
    seed_risks(db_session, app, orgs["A00001"], RISKS)
    login(users["practice_manager"])
    html = client.get("/apps/cqc_risk_register/dashboard?org=A00001").get_data(as_text=True)
    grid = re.search(
        r'<table class="nhsuk-table miniapps-heatmap__table">(.*?)</table>', html, re.S
    )
    assert grid is not None
    heads = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', grid[1])
    assert heads == [f"Likelihood {n}" for n in range(1, 6)]
    rows = re.findall(r'<th scope="row"[^>]*>([^<]*)</th>', grid[1])
    assert rows == [f"Impact {n}" for n in range(5, 0, -1)]
    first_row = grid[1].split('<th scope="row"')[1]
    cells = re.findall(
        r'miniapps-heatmap__count">(\d+)</strong>\s*<span class="miniapps-heatmap__band">([^<]+)',
        first_row,
    )
    assert cells == [
        ("0", "Moderate"),
        ("0", "High"),
        ("0", "Extreme"),
        ("2", "Extreme"),
        ("1", "Extreme"),
    ]
    assert "miniapps-heatmap__cell--red" in first_row
    csv = client.get("/apps/cqc_risk_register/dashboard.csv?org=A00001&widget=heatmap")
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "Band,Likelihood,Impact,Score,Records"
    assert "Extreme,4,5,20,2" in lines
