"""The admin organisations pages for stakeholders: each one's category and area shown, and a
platform admin sets them (a standard category or another name; a Place or an ICB as the
area); errors name the field and change nothing; the import preview shows categories."""

from __future__ import annotations

import html
import io
import re

import pytest
from miniapps.models import AuditEntry, Organisation
from miniapps.services.channels.stakeholders import area_path, covers
from sqlalchemy import select

FORM = "/admin/organisations/LAADULT/stakeholder"


def text_of(response) -> str:
    """The page's text without tags, entities decoded, spaces squeezed."""
    plain = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(plain))


def reloaded(db_session, ods: str) -> Organisation:
    db_session.expire_all()
    org = db_session.scalar(select(Organisation).where(Organisation.ods == ods))
    assert org is not None
    return org


def test_the_list_shows_each_stakeholders_category_and_area(
    client, login, users, stakeholders
) -> None:
    login(users["platform_admin"])
    page = client.get("/admin/organisations?q=LA")
    text = text_of(page)
    # The responsive table names each cell's column before it.
    assert (
        "category stakeholder la_adult_safeguarding Parent or area Area: Test Place (PLC01)" in text
    )
    assert "category stakeholder no category Parent or area No area" in text  # LA001
    assert "Change category and area of Test Council Adult Safeguarding" in text
    assert 'href="/admin/organisations/LAADULT/stakeholder"' in page.get_data(as_text=True)


def test_the_form_shows_the_current_settings(client, login, users, stakeholders) -> None:
    login(users["platform_admin"])
    page = client.get(FORM)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<option value="la_adult_safeguarding"\s+selected', body)
    assert re.search(r'<option value="PLC01"\s+selected', body)
    assert 'value="PLC99"' in body and 'value="QXX"' in body  # every Place and ICB
    assert 'value="A00001"' not in body and 'value="U00001"' not in body


def test_an_admin_sets_a_standard_category_and_another_area(
    client, db_session, login, users, stakeholders, orgs
) -> None:
    login(users["platform_admin"])
    response = client.post(FORM, data={"category": "icb_quality", "parent": "QWE"})
    assert response.status_code == 302
    org = reloaded(db_session, "LAADULT")
    assert org.parent is not None
    assert (org.category, org.parent.ods) == ("icb_quality", "QWE")
    assert org.path.startswith(orgs["QWE"].path) and area_path(org) == orgs["QWE"].path
    assert covers(org, orgs["A00003"])
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "stakeholder_changed"))
    assert entry is not None
    assert entry.changes == [
        {
            "pointer": "/organisations/LAADULT",
            "old": {"category": "la_adult_safeguarding", "area": "PLC01"},
            "new": {"category": "icb_quality", "area": "QWE"},
        }
    ]


def test_another_category_and_no_area(client, db_session, login, users, stakeholders) -> None:
    login(users["platform_admin"])
    response = client.post(
        FORM, data={"category": "other", "category_other": "care_service_managers", "parent": ""}
    )
    assert response.status_code == 302
    org = reloaded(db_session, "LAADULT")
    assert (org.category, org.parent_id) == ("care_service_managers", None)
    assert area_path(org) is None
    again = client.get(FORM).get_data(as_text=True)  # shown as "another category"
    assert re.search(r'<option value="other"\s+selected', again)
    assert 'value="care_service_managers"' in again


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"category": "other", "category_other": "Adult Safeguarding", "parent": "PLC01"},
            "category_other",
            "The category must be lower-case letters, digits and underscores",
        ),
        ({"category": "other", "category_other": "", "parent": "PLC01"}, "category_other",
         "Enter the other category"),
        ({"category": "made_up", "parent": "PLC01"}, "category", "Choose a category from the list"),
        ({"category": "icb_quality", "parent": "A00001"}, "parent",
         "The area must be a Place or an ICB; North Surgery is a practice"),
        ({"category": "icb_quality", "parent": "ZZZ99"}, "parent",
         "The area: no organisation has the ODS code ZZZ99"),
    ],
)  # fmt: skip
def test_errors_name_the_field_and_change_nothing(
    client, db_session, login, users, stakeholders, form, field, message
) -> None:
    login(users["platform_admin"])
    response = client.post(FORM, data=form)
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    # The summary links the message to its field; the field shows it too.
    link = re.search(rf'<a href="#{field}"[^>]*>\s*([^<]+?)\s*</a>', body)
    assert link is not None and link.group(1).startswith(message)
    error = re.search(rf'id="{field}-error"[^>]*>(.*?)</span>\s*(.*?)\s*<', body, re.S)
    assert error is not None and error.group(2).startswith(message)
    org = reloaded(db_session, "LAADULT")
    assert org.parent is not None
    assert (org.category, org.parent.ods) == ("la_adult_safeguarding", "PLC01")
    assert (
        db_session.scalar(select(AuditEntry).where(AuditEntry.action == "stakeholder_changed"))
        is None
    )


def test_only_stakeholders_and_only_platform_admins(client, login, users, stakeholders) -> None:
    login(users["platform_admin"])
    assert client.get("/admin/organisations/A00001/stakeholder").status_code == 404
    client.post("/auth/logout")
    login(users["pcn_manager"])  # stakeholders lie outside a PCN manager's scope
    assert client.get(FORM).status_code == 404
    assert client.post(FORM, data={"category": "", "parent": ""}).status_code == 404
    assert "Change category and area" not in client.get("/admin/organisations").get_data(
        as_text=True
    )
    client.post("/auth/logout")
    login(users["stakeholder"])
    assert client.get(FORM).status_code == 403


def test_the_import_preview_shows_categories(client, db_session, login, users, stakeholders):
    login(users["platform_admin"])
    csv = (
        "ods,name,type,parent_ods,category\n"
        "LAADULT,Test Council Adult Safeguarding,stakeholder,PLC01,icb_safeguarding\n"
        "LANEW,New Council Team,stakeholder,PLC01,la_children_safeguarding\n"
    )
    response = client.post(
        "/admin/organisations/import",
        data={"file": (io.BytesIO(csv.encode()), "orgs.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "category: la_adult_safeguarding → icb_safeguarding" in text
    assert "Parent PLC01 Category la_children_safeguarding" in text
