"""Issue 14: an integer field with ``"x-record-of": "<app>"`` links a record to one
submitted record of that app at the same organisation (a significant event names the
incident report it follows). Anything else is refused at the field's pointer with nothing
stored; where the app is not used the field takes no value but stays optional. The form
offers the organisation's submitted records the user may see, by number and date only."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import App, Organisation, Record
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle
from miniapps.services.records.lookups import field_lookups, references_panel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import load_example
from tests.cqc_peer_apps import FOLLOW_UP, publish_cqc
from tests.publishing import publish_app


@pytest.fixture
def follow_up_app(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return publish_app(db_session, FOLLOW_UP, [orgs["QWE"]])


def link(db_session, users, orgs, app, reading: Any, ods: str = "A00001") -> Record:
    user = users["practice_manager"]
    data = {"note": "Checked the thermometer"}
    if reading is not None:
        data["reading"] = reading
    return lifecycle.create_record(
        db_session, Access(user), app, orgs[ods], data, submit=True, actor=user
    )


def reading(db_session, users, orgs, fridge_app, ods="A00001", submit=True) -> Record:
    user = users["platform_admin"]
    record = lifecycle.create_record(
        db_session, Access(user), fridge_app, orgs[ods], {"reading": 5}, submit=submit, actor=user
    )
    db_session.commit()
    return record


def refusal(db_session, call) -> list[tuple[str, str]]:
    with pytest.raises(DataInvalid) as caught:
        call()
    db_session.rollback()
    return [(i.pointer, i.message) for i in caught.value.issues]


def stored(db_session: Session, app_id: str) -> int:
    return db_session.scalar(select(func.count()).where(Record.app_id == app_id)) or 0


def test_a_submitted_record_of_the_same_organisation_is_linked(
    db_session, users, orgs, fridge_app, follow_up_app
) -> None:
    target = reading(db_session, users, orgs, fridge_app)
    record = link(db_session, users, orgs, follow_up_app, target.id)
    assert record.data["reading"] == target.id


@pytest.mark.parametrize("which", ["other_org", "draft", "missing"])
def test_a_record_that_is_not_a_submitted_one_of_the_organisation_is_refused(
    db_session, users, orgs, fridge_app, follow_up_app, which
) -> None:
    if which == "missing":
        target_id = 999999
    else:
        ods, submit = ("A00002", True) if which == "other_org" else ("A00001", False)
        target_id = reading(db_session, users, orgs, fridge_app, ods, submit).id
    found = refusal(db_session, lambda: link(db_session, users, orgs, follow_up_app, target_id))
    assert found == [
        (
            "/reading",
            f"Reading: North Surgery has no submitted Vaccine fridge log record {target_id}",
        )
    ]
    assert stored(db_session, "fridge_follow_up") == 0


def test_a_record_of_another_app_is_refused(
    db_session, users, orgs, fridge_app, follow_up_app
) -> None:
    other = link(db_session, users, orgs, follow_up_app, None)  # a follow-up, not a reading
    db_session.commit()
    found = refusal(db_session, lambda: link(db_session, users, orgs, follow_up_app, other.id))
    assert (
        found[0][1]
        == f"Reading: North Surgery has no submitted Vaccine fridge log record {other.id}"
    )


def test_where_the_app_is_not_used_the_field_takes_no_value_but_stays_optional(
    db_session, users, orgs
) -> None:
    fridge = publish_app(db_session, load_example("fridge_log"), [orgs["U00002"]])
    app = publish_app(db_session, FOLLOW_UP, [orgs["QWE"]])
    target = reading(db_session, users, orgs, fridge, ods="A00003")
    found = refusal(db_session, lambda: link(db_session, users, orgs, app, target.id))
    assert found == [
        (
            "/reading",
            "Reading: Vaccine fridge log is not used at North Surgery, so leave this empty",
        )
    ]
    record = link(db_session, users, orgs, app, None)
    assert "reading" not in record.data


def test_the_form_offers_the_organisations_submitted_records_by_number_and_date(
    db_session, users, orgs, fridge_app, follow_up_app
) -> None:
    mine = reading(db_session, users, orgs, fridge_app)
    reading(db_session, users, orgs, fridge_app, submit=False)  # a draft: not offered
    reading(db_session, users, orgs, fridge_app, ods="A00002")  # another practice's
    definition = app_definition(db_session, follow_up_app)
    staff = Access(users["practice_staff"])
    choices = field_lookups(db_session, staff, definition, orgs["A00001"])["/reading"]
    day = mine.submitted_at.strftime("%-d %B %Y") if mine.submitted_at else ""
    assert choices.items == [
        (str(mine.id), f"Vaccine fridge log record {mine.id}, submitted {day}")
    ]
    # The record page links it for whoever may see it.
    record = link(db_session, users, orgs, follow_up_app, mine.id)
    panel = references_panel(db_session, staff, follow_up_app, record, definition)
    assert panel == {
        "rows": [
            {
                "label": "Reading",
                "text": choices.items[0][1],
                "app_id": "fridge_log",
                "record_id": mine.id,
            }
        ]
    }


def test_the_peer_review_form_offers_the_other_practices_of_the_pcn(
    db_session, users, orgs
) -> None:
    app = publish_cqc(db_session, "cqc_peer_review", [orgs["QWE"]])
    definition = app_definition(db_session, app)
    access = Access(users["practice_manager"])
    choices = field_lookups(db_session, access, definition, orgs["A00001"])
    assert choices["/audited_practice"].items == [("A00002", "Hill Surgery (A00002)")]
