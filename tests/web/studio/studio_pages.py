"""Helpers for the studio editor's page tests: start a draft through the pages, post
edits with the revision the page showed, read the draft back."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient
from miniapps.models import StudioDraft
from miniapps.services.studio import drafts as draft_service
from sqlalchemy.orm import Session


def start(client: FlaskClient, title: str = "Staff wellbeing", app_id: str = "wellbeing") -> int:
    response = client.post("/studio/new", data={"title": title, "app_id": app_id})
    assert response.status_code == 302, response.get_data(as_text=True)
    found = re.search(r"/studio/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def revision(client: FlaskClient, draft_id: int) -> int:
    page = client.get(f"/studio/{draft_id}").get_data(as_text=True)
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found, "the editor carries the draft's revision"
    return int(found.group(1))


def edit(client: FlaskClient, draft_id: int, op: str, **data: Any) -> Any:
    """Post one edit as the editor's forms do (with the revision the page shows)."""
    form = {"op": op, "revision": str(revision(client, draft_id)), **data}
    return client.post(f"/studio/{draft_id}/edit", data=form)


def definition(session: Session, draft_id: int) -> dict[str, Any]:
    session.expire_all()
    draft = session.get(StudioDraft, draft_id)
    assert draft is not None
    return draft_service.current_definition(draft)


def text(response: Any) -> str:
    """The page's text with entities decoded (quotes, apostrophes)."""
    return html.unescape(response.get_data(as_text=True))
