"""Issue 15, fault 3: one value tied up a worker.

Reproduced before the fix against ``miniapps serve``: a definition field with ``pattern``
``^(a+)+$`` and a 35-character answer ``aaa...a!`` hit gunicorn's 30 s worker timeout
(Python's ``re`` backtracks exponentially); a ``format: iri-reference`` answer cost about
0.5 ms per character (30,000 characters: 14 s), checked before ``maxLength``.

Now publishing refuses such patterns with their pointer; patterns stored before that
run in a linear-time engine, or in a backtracking one only when they cannot backtrack
catastrophically, or not at all; a string over ``maxLength`` is not format-checked;
no format check sees more than 2,048 characters. The answers below use 26 ``a`` (about
20 s in Python's ``re``, growing fourfold per two more) and the wall-clock bounds are
generous: the point is "answers at once" where it used to hang.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid
from miniapps.models import Organisation, Record
from miniapps.services import apps as app_service
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.publishing import publish_app

EVIL = "^(a+)+$"
EVIL_ANSWER = "a" * 26 + "!"
RECORDS = "/api/v1/apps/value_cost/records"


def cost_app(pattern: str = "^a+$") -> dict[str, Any]:
    return {
        "id": "value_cost",
        "title": "Value cost",
        "version": 1,
        "schema": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "title": "Code", "pattern": pattern},
                "link": {
                    "type": "string",
                    "title": "Link",
                    "format": "iri-reference",
                    "maxLength": 200,
                },
                "source": {"type": "string", "title": "Source", "format": "iri-reference"},
                "reason": {"type": "string", "title": "Reason"},
            },
        },
        "ui": {"fields": {"/reason": {"show_if": {"properties": {"code": {"pattern": pattern}}}}}},
    }


def stored_before_the_check(session: Session, orgs: dict[str, Organisation]) -> None:
    """Publish the catastrophic pattern as a definition stored before publishing refused it."""
    raw = cost_app(EVIL)
    app_service.publish(session, AppDefinition(raw, None, None), [orgs["QWE"]], None)
    session.commit()


def post(client: FlaskClient, headers: dict[str, str], data: dict[str, Any]) -> tuple[Any, float]:
    started = time.monotonic()
    response = client.post(
        RECORDS, json={"org": "A00001", "data": data, "submit": True}, headers=headers
    )
    return response, time.monotonic() - started


def records(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Record)) or 0


def test_publishing_refuses_a_catastrophic_pattern_at_its_pointers() -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(cost_app(EVIL))
    issues = {issue.pointer: issue.message for issue in caught.value.issues}
    assert set(issues) == {
        "/schema/properties/code/pattern",
        "/ui/fields/~1reason/show_if/properties/code/pattern",
    }
    assert issues["/schema/properties/code/pattern"].startswith("This pattern repeats a part")


def test_a_catastrophic_pattern_stored_before_the_check_answers_at_once(
    client: FlaskClient, db_session: Session, orgs: dict[str, Organisation], users, token
) -> None:
    stored_before_the_check(db_session, orgs)
    response, took = post(client, token(users["practice_manager"]), {"code": EVIL_ANSWER})
    assert took < 5, f"the answer took {took:.1f} s"
    assert response.status_code == 422, response.get_data(as_text=True)
    assert [e["pointer"] for e in response.json["errors"]] == ["/code"]
    assert records(db_session) == 0
    good, _ = post(client, token(users["practice_manager"]), {"code": "aaa", "reason": "x"})
    assert good.status_code == 201, good.get_data(as_text=True)


@pytest.mark.parametrize("field", ["link", "source"], ids=["with maxLength", "without"])
def test_a_30000_character_iri_reference_is_refused_at_once(
    client: FlaskClient,
    db_session: Session,
    orgs: dict[str, Organisation],
    users,
    token,
    field: str,
) -> None:
    publish_app(db_session, cost_app(), [orgs["QWE"]])
    answer = "https://example.org/" + "a" * 30_000
    response, took = post(client, token(users["practice_manager"]), {field: answer})
    assert took < 3, f"the answer took {took:.1f} s"
    assert response.status_code == 422, response.get_data(as_text=True)
    errors = response.json["errors"]
    assert [e["pointer"] for e in errors] == [f"/{field}"]
    limit = "200" if field == "link" else "2048"
    assert f"must be {limit} characters or fewer" in errors[0]["message"]
    assert records(db_session) == 0


def test_a_real_web_address_still_passes(
    client: FlaskClient, db_session: Session, orgs: dict[str, Organisation], users, token
) -> None:
    publish_app(db_session, cost_app(), [orgs["QWE"]])
    data = {"link": "https://www.nhs.uk/conditions/asthma/?a=1#top", "source": "/relative/ü"}
    response, _ = post(client, token(users["practice_manager"]), data)
    assert response.status_code == 201, response.get_data(as_text=True)
