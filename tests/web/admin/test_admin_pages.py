"""The admin area's pages: every page for a platform admin and a PCN manager, 403 for
everyone else, and the forms (invite, roles, deactivate, reset, revoke, organisation
import with preview, activity dates, audit filters) end to end through the test client."""

from __future__ import annotations

import html
import io
import re

import pytest
from miniapps.models import ApiToken, Invitation, Organisation, OutboxMessage, User
from miniapps.services.users import create_token
from sqlalchemy import select

PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users/invite",
    "/admin/organisations",
    "/admin/organisations/import",
    "/admin/organisations/A00002/activity",
    "/admin/tokens",
    "/admin/outbox",
    "/admin/audit",
]


@pytest.fixture
def a_message(db_session, users):
    message = OutboxMessage(
        to_address="pm@example.nhs.uk",
        to_user_id=users["practice_manager"].id,
        subject="Fridge log submitted",
        body_text="Hello <Pat>,\nsee the record.",
        body_html="<p>Hello &lt;Pat&gt;</p>",
    )
    db_session.add(message)
    db_session.commit()
    return message


@pytest.mark.parametrize("role", ["platform_admin", "pcn_manager"])
def test_every_page_renders_for_those_who_may_use_it(client, login, users, a_message, role):
    login(users[role])
    for path in [
        *PAGES,
        f"/admin/users/{users['practice_staff'].id}",
        f"/admin/outbox/{a_message.id}",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'href="/admin/"' in response.get_data(as_text=True)  # the header link


@pytest.mark.parametrize(
    "role", ["practice_manager", "practice_staff", "stakeholder", "icb_viewer"]
)
def test_everyone_else_gets_403_and_no_admin_link(client, login, users, a_message, role):
    login(users[role])
    assert 'href="/admin/"' not in client.get("/").get_data(as_text=True)
    for path in [
        *PAGES,
        f"/admin/users/{users['practice_staff'].id}",
        f"/admin/outbox/{a_message.id}",
    ]:
        assert client.get(path).status_code == 403, path
    assert (
        client.post(
            f"/admin/users/{users['practice_staff'].id}/active", data={"active": "0"}
        ).status_code
        == 403
    )
    assert users["practice_staff"].active


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_pcn_manager_sees_404_for_people_and_mail_outside_their_pcn(
    client, login, users, db_session
):
    other = OutboxMessage(
        to_address="pm2@example.nhs.uk",
        to_user_id=users["practice_manager_2"].id,
        subject="x",
        body_text="x",
    )
    db_session.add(other)
    db_session.commit()
    login(users["pcn_manager"])
    assert client.get(f"/admin/users/{users['practice_manager_2'].id}").status_code == 404
    assert client.get(f"/admin/outbox/{other.id}").status_code == 404
    assert client.get("/admin/organisations/A00003/activity").status_code == 404
    assert "pm2@example.nhs.uk" not in client.get("/admin/users").get_data(as_text=True)


def test_invite_then_accept_the_link_then_sign_in(client, login, users, db_session):
    login(users["pcn_manager"])
    response = client.post(
        "/admin/users/invite",
        data={
            "email": "New.Nurse@example.nhs.uk",
            "name": "New Nurse",
            "org": "A00002",
            "role": "practice_staff",
        },
    )
    assert response.status_code == 302
    invited = db_session.scalar(select(User).where(User.email == "new.nurse@example.nhs.uk"))
    assert invited is not None and invited.password_hash is None
    message = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_user_id == invited.id)
    ).one()
    url = re.search(r"http://127\.0\.0\.1:5000(/invitations/\S+)", message.body_text)
    assert url is not None, message.body_text
    client.post("/auth/logout")
    page = client.get(url.group(1))
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "Set your password" in page.get_data(as_text=True)
    bad = client.post(url.group(1), data={"password": "short", "confirm": "short"})
    assert bad.status_code == 400 and "at least 10 characters" in bad.get_data(as_text=True)
    done = client.post(
        url.group(1), data={"password": "nurse password 1", "confirm": "nurse password 1"}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/auth/login")
    assert client.get(url.group(1)).status_code == 404  # used up
    signed_in = client.post(
        "/auth/login", data={"email": invited.email, "password": "nurse password 1"}
    )
    assert signed_in.status_code == 302


def test_invite_form_reports_every_missing_answer(client, login, users):
    login(users["platform_admin"])
    response = client.post("/admin/users/invite", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    for message in (
        "Enter an email address",
        "Enter the person",
        "Choose the organisation",
        "Choose a role",
    ):
        assert message in page


def test_pcn_manager_cannot_grant_platform_admin_through_the_page(client, login, users, db_session):
    login(users["pcn_manager"])
    staff = users["practice_staff"]
    assert "platform_admin" not in client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/users/{staff.id}/roles", data={"role": "platform_admin", "org": "A00001"}
    )
    assert response.status_code == 400  # not a role they may offer
    response = client.post(
        f"/admin/users/{staff.id}/roles", data={"role": "practice_manager", "org": "A00003"}
    )
    assert response.status_code == 404  # not an organisation they manage
    assert {m.role for m in staff.memberships} == {"practice_staff"}
    ok = client.post(
        f"/admin/users/{staff.id}/roles", data={"role": "practice_manager", "org": "A00002"}
    )
    assert ok.status_code == 302
    db_session.refresh(staff)
    membership = next(m for m in staff.memberships if m.role == "practice_manager")
    assert client.post(f"/admin/users/{staff.id}/roles/{membership.id}/remove").status_code == 302
    db_session.refresh(staff)
    assert {m.role for m in staff.memberships} == {"practice_staff"}


def test_deactivated_user_cannot_sign_in_and_their_tokens_answer_401(
    client, login, users, db_session, password
):
    person = users["practice_manager"]
    token = create_token(db_session, person)
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/apps", headers=headers).status_code == 200
    login(users["platform_admin"])
    assert client.post(f"/admin/users/{person.id}/active", data={"active": "0"}).status_code == 302
    client.post("/auth/logout")
    assert client.get("/api/v1/apps", headers=headers).status_code == 401
    refused = client.post("/auth/login", data={"email": person.email, "password": password})
    assert refused.status_code == 400


def test_reset_link_and_token_revocation(client, login, users, db_session):
    person = users["practice_manager"]
    token = create_token(db_session, person)
    db_session.commit()
    login(users["pcn_manager"])
    assert client.post(f"/admin/users/{person.id}/reset").status_code == 302
    invitation = db_session.scalars(select(Invitation).where(Invitation.user_id == person.id)).one()
    assert invitation.purpose == "reset"
    row = db_session.scalars(select(ApiToken).where(ApiToken.user_id == person.id)).one()
    listed = client.get(f"/admin/tokens?user={person.id}").get_data(as_text=True)
    assert row.prefix in listed and token not in listed
    assert client.post(f"/admin/tokens/{row.id}/revoke").status_code == 302
    assert (
        client.get("/api/v1/apps", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def csv_upload(text: str) -> dict:
    return {"file": (io.BytesIO(text.encode()), "orgs.csv")}


def test_organisation_import_preview_then_confirm(client, login, users, db_session):
    login(users["platform_admin"])
    bad = "ods,name,type,parent_ods\nA00009,New Surgery,practice,U00001\nA00010,,practice,NOPE\n"
    response = client.post(
        "/admin/organisations/import", data=csv_upload(bad), content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "row 3, column name: a name is required" in page
    assert "row 3, column parent_ods: unknown ODS code NOPE" in page
    assert 'name="csv"' not in page  # nothing to confirm
    good = (
        "ods,name,type,parent_ods\n"
        "A00009,New Surgery,practice,U00001\n"
        "A00002,Hill Top,practice,U00001\n"
    )
    preview = client.post(
        "/admin/organisations/import", data=csv_upload(good), content_type="multipart/form-data"
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "name: Hill Surgery → Hill Top" in page
    assert db_session.scalar(select(Organisation).where(Organisation.ods == "A00009")) is None
    csv_value = re.search(r'name="csv" value="([^"]*)"', page)
    assert csv_value is not None
    done = client.post(
        "/admin/organisations/import/confirm", data={"csv": html.unescape(csv_value.group(1))}
    )
    assert done.status_code == 302
    assert db_session.scalar(select(Organisation).where(Organisation.ods == "A00009")) is not None


def test_organisation_import_refuses_a_file_that_is_not_utf8(client, login, users):
    login(users["platform_admin"])
    response = client.post(
        "/admin/organisations/import",
        data={"file": (io.BytesIO("ods,name\nX,Caf\xe9".encode("latin-1")), "orgs.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "CSV UTF-8" in response.get_data(as_text=True)


def test_activity_dates_form(client, login, users, db_session, orgs):
    login(users["pcn_manager"])
    bad = client.post(
        "/admin/organisations/A00002/activity",
        data={"active_from-day": "31", "active_from-month": "2", "active_from-year": "2025"},
    )
    assert bad.status_code == 400 and "Enter a real date" in bad.get_data(as_text=True)
    ok = client.post(
        "/admin/organisations/A00002/activity",
        data={"active_from-day": "1", "active_from-month": "4", "active_from-year": "2024"},
    )
    assert ok.status_code == 302
    db_session.refresh(orgs["A00002"])
    assert orgs["A00002"].active_from.isoformat() == "2024-04-01"
    assert client.get("/admin/organisations/U00001/activity").status_code == 403  # their PCN itself


def test_audit_page_filters_and_reports_bad_filters(client, login, users):
    login(users["pcn_manager"])
    client.post(
        "/admin/organisations/A00002/activity",
        data={"active_from-day": "1", "active_from-month": "4", "active_from-year": "2024"},
    )
    page = client.get("/admin/audit?user=pcn").get_data(as_text=True)
    assert "organisation_activity" in page and "/organisations/A00002" in page
    assert "organisation_activity" not in client.get("/admin/audit?to=2000-01-01").get_data(
        as_text=True
    )
    bad = client.get("/admin/audit?record=abc&from=yesterday")
    assert bad.status_code == 400
    assert "Enter a record number" in bad.get_data(as_text=True)
    assert "Enter a date like" in bad.get_data(as_text=True)
