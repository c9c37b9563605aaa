"""The editor opens any definition: every bundled app and example (fields the studio
cannot edit visually are shown read-only), and drafts left half-written in the JSON
tab (a missing or broken schema), never a server error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from miniapps.models import User
from miniapps.services.permissions import Access
from miniapps.services.studio import drafts as draft_service
from sqlalchemy.orm import Session

from tests.conftest import REPO

DEFINITIONS = sorted(
    [*(REPO / "apps").glob("*/app.json"), *(REPO / "docs" / "examples").glob("*/app.json")]
)


def _draft(session: Session, user: User, definition: dict[str, Any]) -> int:
    draft = draft_service.start_draft(session, Access(user), user, definition, "Started")
    session.commit()
    return draft.id


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.parent.name)
def test_every_bundled_definition_opens_in_the_editor(path, client, users, login, db_session):
    login(users["platform_admin"])
    definition = json.loads(path.read_text())
    draft_id = _draft(db_session, users["platform_admin"], definition)
    page = client.get(f"/studio/{draft_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    pointers = {part.split('"')[0] for part in html.split(f"/studio/{draft_id}/field?pointer=")[1:]}
    assert pointers, "some questions can be edited visually"
    for pointer in pointers:
        assert client.get(f"/studio/{draft_id}/field?pointer={pointer}").status_code == 200
    assert client.get(f"/studio/{draft_id}/json").status_code == 200


@pytest.mark.parametrize(
    "broken",
    [
        {"id": "half", "title": "Half"},
        {"id": "half", "title": "Half", "schema": 5, "ui": [], "dashboard": "x", "period": 1},
        {"id": "half", "schema": {"type": "object", "properties": {"a": 3}}, "workflow": 7},
    ],
)
def test_half_written_drafts_open_with_their_problems(broken, client, users, login, db_session):
    login(users["pcn_manager"])
    draft_id = _draft(db_session, users["pcn_manager"], broken)
    page = client.get(f"/studio/{draft_id}")
    assert page.status_code == 200
    assert "This draft cannot be published yet" in page.get_data(as_text=True)
