"""Record pages through the test client: fill in, errors, drafts, edit conflicts, history."""

from __future__ import annotations

from miniapps.models import Record
from sqlalchemy import select


def test_home_lists_published_apps(client, users, fridge_app, login):
    login(users["practice_manager"])
    html = client.get("/").get_data(as_text=True)
    assert "Vaccine fridge log" in html


def test_submit_valid_record_then_see_it_listed(client, db_session, users, fridge_app, login):
    login(users["practice_manager"])
    form = client.get("/apps/fridge_log/new").get_data(as_text=True)
    assert "Temperature (°C)" in form
    response = client.post(
        "/apps/fridge_log/new", data={"org": "A00001", "reading": "5.5", "submit": "1"}
    )
    assert response.status_code == 302
    record = db_session.scalars(select(Record)).one()
    assert record.data == {"reading": 5.5} and record.status == "submitted"
    listing = client.get("/apps/fridge_log/").get_data(as_text=True)
    assert f"Record {record.id}" in listing and "North Surgery" in listing
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5.5" in page and "Submitted" in page and "History" in page


def test_invalid_submit_shows_error_summary_and_keeps_input(
    client, db_session, users, fridge_app, login
):
    login(users["practice_manager"])
    response = client.post(
        "/apps/fridge_log/new", data={"org": "A00001", "reading": "55", "submit": "1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "40 or less" in html
    assert 'value="55"' in html
    assert db_session.scalar(select(Record.id)) is None


def test_draft_saves_incomplete_data(client, db_session, users, fridge_app, login):
    login(users["practice_manager"])
    response = client.post("/apps/fridge_log/new", data={"org": "A00001", "save_draft": "1"})
    assert response.status_code == 302
    assert db_session.scalars(select(Record)).one().status == "draft"


def test_stale_edit_gets_a_conflict_message(client, db_session, users, fridge_app, login):
    login(users["practice_manager"])
    client.post("/apps/fridge_log/new", data={"org": "A00001", "reading": "3", "save_draft": "1"})
    record = db_session.scalars(select(Record)).one()
    url = f"/apps/fridge_log/records/{record.id}/edit"
    assert (
        client.post(url, data={"version": "1", "reading": "4", "save_draft": "1"}).status_code
        == 302
    )
    stale = client.post(url, data={"version": "1", "reading": "9", "save_draft": "1"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Record, record.id).data == {"reading": 4}


def test_other_practice_cannot_see_or_write(client, db_session, users, fridge_app, login):
    login(users["practice_manager"])
    client.post("/apps/fridge_log/new", data={"org": "A00001", "reading": "3", "submit": "1"})
    record = db_session.scalars(select(Record)).one()
    client.post("/auth/logout")
    login(users["practice_manager_2"])
    assert client.get(f"/apps/fridge_log/records/{record.id}").status_code == 404
    assert (
        client.post(
            "/apps/fridge_log/new", data={"org": "A00001", "reading": "3", "submit": "1"}
        ).status_code
        == 403
    )
    assert f"Record {record.id}" not in client.get("/apps/fridge_log/").get_data(as_text=True)


def test_pcn_manager_approves_from_the_record_page(client, db_session, users, fridge_app, login):
    login(users["practice_staff"])
    client.post("/apps/fridge_log/new", data={"org": "A00001", "reading": "3", "submit": "1"})
    record = db_session.scalars(select(Record)).one()
    page = client.get(f"/apps/fridge_log/records/{record.id}").get_data(as_text=True)
    assert ">Approve<" not in page  # staff may not approve
    client.post("/auth/logout")
    login(users["pcn_manager"])
    response = client.post(
        f"/apps/fridge_log/records/{record.id}/transition", data={"action": "approve"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Record, record.id).status == "approved"


def test_publish_page_reports_pointer_errors_then_publishes(client, db_session, users, orgs, login):
    login(users["pcn_manager"])
    bad = client.post(
        "/apps/publish",
        data={"definition": '{"id": "Bad", "title": "x"}', "action": "preview", "to": "U00001"},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "/id" in html and "/version" in html
    good = (
        '{"id": "hand_hygiene", "title": "Hand hygiene audit", "version": 1, "schema": '
        '{"type": "object", "properties": {"score": {"type": "integer", "title": "Score"}}}}'
    )
    preview = client.post(
        "/apps/publish", data={"definition": good, "action": "preview", "to": "U00001"}
    )
    assert preview.status_code == 200 and "Score" in preview.get_data(as_text=True)
    published = client.post(
        "/apps/publish", data={"definition": good, "action": "publish", "to": "U00001"}
    )
    assert published.status_code == 302
    client.post("/auth/logout")
    login(users["practice_manager"])
    assert "Hand hygiene audit" in client.get("/").get_data(as_text=True)
    client.post("/auth/logout")
    login(users["practice_manager_2"])  # another PCN: not published there
    assert "Hand hygiene audit" not in client.get("/").get_data(as_text=True)


def test_practice_manager_cannot_publish(client, users, login):
    login(users["practice_manager"])
    assert client.get("/apps/publish").status_code == 403
