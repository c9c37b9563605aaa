"""``GET /apps/<app_id>/compliance/pack?org=ODS``: the inspection pack as a download, for
those who may read the whole practice; a 404 for anyone else."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from miniapps.models import AuditEntry
from sqlalchemy import select

from tests.compliance_pack_data import FakeSource, pack_world, register_only

URL = "/apps/cqc_compliance/compliance/pack"


@pytest.fixture
def world(app, db_session, orgs, users, monkeypatch):
    register_only(monkeypatch, FakeSource())
    return pack_world(db_session, orgs, users, app.config["UPLOADS_DIR"])


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch) -> Path:
    """The folder temporary files go to, for this test only."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_the_practice_manager_downloads_the_pack_and_no_file_stays_behind(
    client, login, db_session, world, users, scratch
) -> None:
    login(users["practice_manager"])
    answer = client.get(URL, query_string={"org": "A00001"})

    assert answer.status_code == 200
    assert answer.mimetype == "application/zip"
    today = datetime.now(ZoneInfo("Europe/London")).date().isoformat()
    assert answer.headers["Content-Disposition"] == (
        f"attachment; filename=inspection-pack-A00001-{today}.zip"
    )
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_data()
    assert int(answer.headers["Content-Length"]) == len(body)
    answer.close()  # send_file streams from the temporary file, deleted on close
    assert list(scratch.iterdir()) == []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        html = archive.read("index.html").decode()
        assert "records/cqc_compliance.csv" in archive.namelist()
    assert users["practice_manager"].name in html and "North Surgery" in html
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "evidence_pack_built"))
    assert entry is not None and entry.actor_id == users["practice_manager"].id
    assert entry.app_id == "cqc_compliance"


def test_without_org_the_pack_is_of_the_practice_the_user_acts_for(
    client, login, world, users
) -> None:
    login(users["practice_manager"])
    answer = client.get(URL)
    assert answer.status_code == 200
    assert "inspection-pack-A00001-" in answer.headers["Content-Disposition"]
    answer.close()


@pytest.mark.parametrize("role", ["pcn_manager", "icb_viewer", "platform_admin"])
def test_those_above_the_practice_download_it(client, login, world, users, role) -> None:
    login(users[role])
    answer = client.get(URL, query_string={"org": "A00002"})
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    answer.close()


@pytest.mark.parametrize(
    ("role", "ods"),
    [
        ("practice_manager_2", "A00001"),  # a practice of another PCN
        ("practice_manager", "A00002"),  # the neighbouring practice
        ("practice_staff", "A00001"),  # staff fill in and sign; the pack is the managers'
        ("stakeholder", "A00001"),
        ("pcn_manager", "A00003"),  # a practice of another PCN
        ("pcn_manager", "U00001"),  # not a practice
        ("pcn_manager", "ZZZ999"),  # no such organisation
    ],
)
def test_anyone_else_gets_a_404_and_nothing_is_built(
    client, login, db_session, world, users, role, ods, scratch
) -> None:
    login(users[role])
    assert client.get(URL, query_string={"org": ods}).status_code == 404
    assert list(scratch.iterdir()) == []
    assert (
        db_session.scalar(select(AuditEntry).where(AuditEntry.action == "evidence_pack_built"))
        is None
    )


def test_an_app_without_a_compliance_view_has_no_pack(client, login, world, users) -> None:
    login(users["practice_manager"])
    assert client.get("/apps/cqc_checks/compliance/pack?org=A00001").status_code == 404
    assert client.get("/apps/nothing/compliance/pack?org=A00001").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, world) -> None:
    answer = client.get(URL, query_string={"org": "A00001"})
    assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]


def test_the_compliance_page_links_to_the_pack(client, login, world, users) -> None:
    login(users["practice_manager"])
    page = client.get("/apps/cqc_compliance/compliance", query_string={"org": "A00001"})
    assert page.status_code == 200
    assert 'href="/apps/cqc_compliance/compliance/pack?org=A00001"' in page.get_data(as_text=True)
