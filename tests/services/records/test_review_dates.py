"""Issue 14: a risk's review date (``x-not-past``) already past is refused on creation and
on an edit that changes it, through the services every entry point uses; a review date
the calendar has overtaken since does not stop the risk being saved or closed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import App, Organisation, Record
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cqc_peer_apps import publish_cqc, risk

YESTERDAY = (date.today() - timedelta(days=2)).isoformat()  # past in London too
NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def risk_app(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return publish_cqc(db_session, "cqc_risk_register", [orgs["QWE"]])


def with_review(review_date: str, **extra: Any) -> dict[str, Any]:
    return {**risk(4, 3), "review_date": review_date, **extra}


def test_a_past_review_date_is_refused_on_creation(db_session, users, orgs, risk_app) -> None:
    pm = users["practice_manager"]
    with pytest.raises(DataInvalid) as caught:
        lifecycle.create_record(
            db_session, Access(pm), risk_app, orgs["A00001"], with_review(YESTERDAY),
            submit=True, actor=pm,
        )  # fmt: skip
    assert [(i.pointer, i.message) for i in caught.value.issues] == [
        ("/review_date", "Next review date must not be in the past")
    ]
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Record)) == 0


def test_an_overtaken_review_date_stays_until_it_is_changed(
    db_session, users, orgs, risk_app
) -> None:
    pm = users["practice_manager"]
    record = lifecycle.create_record(
        db_session, Access(pm), risk_app, orgs["A00001"], with_review(NEXT_MONTH),
        submit=True, actor=pm,
    )  # fmt: skip
    record.data = with_review(YESTERDAY)  # as if the month had gone by
    db_session.flush()
    lifecycle.update_record(
        db_session, Access(pm), record, with_review(YESTERDAY, controls="Alarm fitted"),
        expected_version=record.version, actor=pm,
    )  # fmt: skip
    assert record.data["controls"] == "Alarm fitted"
    # A day before the stored one: a different date however long the run has taken.
    earlier = (date.fromisoformat(YESTERDAY) - timedelta(days=1)).isoformat()
    with pytest.raises(DataInvalid) as caught:
        lifecycle.update_record(
            db_session, Access(pm), record, with_review(earlier),
            expected_version=record.version, actor=pm,
        )  # fmt: skip
    assert caught.value.issues[0].pointer == "/review_date"
    lifecycle.apply_transition(
        db_session, Access(pm), record, "close", comment=None, actor=pm,
        data={"closing_note": "The fridge was replaced"},
    )  # fmt: skip
    assert record.status == "closed"
