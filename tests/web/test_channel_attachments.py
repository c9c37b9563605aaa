"""A stakeholder downloads the files of a record it holds, and no other."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from miniapps.models import Attachment
from miniapps.services.permissions import Access
from miniapps.services.records.attachments import attachment_path
from miniapps.services.records.lifecycle import create_record

from tests.fixtures_channels import concern_definition
from tests.publishing import publish_app


def test_a_stakeholder_reads_the_files_of_its_items_only(
    app, client, db_session, orgs, users, stakeholders, stakeholder_users, login
):
    definition = concern_definition()
    definition["schema"]["properties"]["evidence"] = {"type": "string", "title": "Evidence"}
    definition["ui"]["fields"]["/evidence"] = {"widget": "file"}
    concern = publish_app(db_session, definition, [orgs["QWE"]])
    content = b"%PDF-1.4 body map"
    attachment = Attachment(
        id=str(uuid.uuid4()),
        app_id=concern.id,
        organisation_id=orgs["A00001"].id,
        field_pointer="/evidence",
        filename="body-map.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    db_session.add(attachment)
    db_session.flush()
    path = attachment_path(app.config["UPLOADS_DIR"], attachment)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(content)
    staff = users["practice_staff"]
    create_record(
        db_session,
        Access(staff),
        concern,
        orgs["A00001"],
        {"kind": "adult", "summary": "See the body map", "evidence": attachment.id},
        submit=True,
        actor=staff,
    )
    db_session.commit()
    url = f"/apps/{concern.id}/attachments/{attachment.id}"

    login(stakeholder_users["LAADULT"])
    answer = client.get(url)
    assert answer.status_code == 200 and answer.data == content
    answer.close()  # send_file streams from an open file
    client.post("/auth/logout")
    for ods in ("LAKIDS", "LAOTHER"):
        login(stakeholder_users[ods])
        assert client.get(url).status_code == 404
        client.post("/auth/logout")
    login(users["practice_manager_2"])
    assert client.get(url).status_code == 404
