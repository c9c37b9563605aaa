"""Retiring an app from its About page, and the version history with publisher names
(issue 16, item 6)."""

from __future__ import annotations

from miniapps.core.definitions.loading import validate_definition
from miniapps.models import App, AuditEntry
from miniapps.services import apps as app_service
from sqlalchemy import select

from tests.conftest import load_example


def _publish_training(db_session, orgs, users, version: int = 1) -> App:
    definition = load_example("staff_training")
    definition["version"] = version
    published = app_service.publish(
        db_session, validate_definition(definition), [orgs["U00001"]], users["pcn_manager"]
    )
    db_session.commit()
    return published.app


def test_the_about_page_lists_versions_with_who_published_them(
    client, db_session, users, orgs, login
):
    _publish_training(db_session, orgs, users)
    _publish_training(db_session, orgs, users, version=2)
    login(users["pcn_manager"])
    html = client.get("/apps/staff_training/about").get_data(as_text=True)
    assert "Version history" in html
    history = html.split("Version history")[1].split("</table>")[0]
    assert history.count("Pcn Manager") == 2
    assert history.index(">2<") < history.index(">1<")  # newest first
    assert "Retire Staff training record" in html


def test_retiring_asks_first_then_stops_new_records_and_keeps_the_app_readable(
    client, db_session, users, orgs, login
):
    app = _publish_training(db_session, orgs, users)
    login(users["pcn_manager"])
    confirm = client.get("/apps/staff_training/retire")
    assert confirm.status_code == 200
    assert "No new records can be added" in confirm.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(App, app.id).status == "published"  # asking changes nothing
    done = client.post("/apps/staff_training/retire")
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/apps/staff_training/about")
    db_session.expire_all()
    assert db_session.get(App, app.id).status == "retired"
    audit = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "retire")).one()
    assert audit.actor_id == users["pcn_manager"].id
    about = client.get("/apps/staff_training/about")
    html = about.get_data(as_text=True)
    assert about.status_code == 200
    assert "Staff training record is retired" in html
    assert "Retire Staff training record</a>" not in html
    again = client.post("/apps/staff_training/retire", follow_redirects=True)
    assert "cannot be retired" in again.get_data(as_text=True)


def test_only_those_who_may_publish_it_may_retire(client, db_session, users, orgs, login):
    app = _publish_training(db_session, orgs, users)
    login(users["practice_manager"])
    html = client.get("/apps/staff_training/about").get_data(as_text=True)
    assert "Retire Staff training record" not in html
    assert client.get("/apps/staff_training/retire").status_code == 403
    assert client.post("/apps/staff_training/retire").status_code == 403
    db_session.expire_all()
    assert db_session.get(App, app.id).status == "published"


def test_the_about_page_starts_a_studio_draft_of_the_next_version(
    client, db_session, users, orgs, login
):
    from miniapps.models import StudioDraft

    _publish_training(db_session, orgs, users)
    login(users["pcn_manager"])
    html = client.get("/apps/staff_training/about").get_data(as_text=True)
    assert 'action="/studio/apps/staff_training/draft"' in html
    started = client.post("/studio/apps/staff_training/draft")
    assert started.status_code == 302
    draft = db_session.scalars(select(StudioDraft)).one()
    assert (draft.app_id, draft.based_on_version) == ("staff_training", 1)
