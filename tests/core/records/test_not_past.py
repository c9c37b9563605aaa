"""``x-not-past``: a date still to come (a risk's review date) is refused before today in
London, in drafts and on submission, when it is new or changed; a stored value the
calendar has since overtaken stays, however the record is saved again. The definition
checker keeps the keyword on dates, as it does ``x-not-future``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.records.check import check_record
from miniapps.core.records.date_bounds import is_past

# 23:30 UTC on 31 March 2026 is 00:30 on 1 April in London (BST): today is 1 April.
NOW = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)

RISKS: dict[str, Any] = {
    "id": "risks",
    "title": "Risks",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["title"],
        "properties": {
            "title": {"type": "string", "title": "Risk"},
            "review_date": {
                "type": "string",
                "format": "date",
                "title": "Review date",
                "x-not-past": True,
            },
            "review_at": {
                "type": "string",
                "format": "date-time",
                "title": "Review meeting",
                "x-not-past": True,
            },
            "actions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "title": "Action",
                    "properties": {"due": {"type": "string", "format": "date", "x-not-past": True}},
                },
            },
        },
    },
}


def issues(data: dict[str, Any], submit: bool = True, stored: Any = None) -> dict[str, str]:
    definition = validate_definition(RISKS)
    check = check_record(
        definition, {"title": "Fridge", **data}, submit=submit, now=NOW, stored=stored
    )
    return {i.pointer: i.message for i in check.issues}


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
def test_a_new_date_before_today_in_london_is_refused(submit: bool) -> None:
    assert issues({"review_date": "2026-04-01"}, submit) == {}  # today in London
    assert issues({"review_date": "2026-03-31"}, submit) == {
        "/review_date": "Review date must not be in the past"
    }


def test_a_date_time_before_now_is_refused() -> None:
    assert issues({"review_at": "2026-04-01T00:30:00+01:00"}) == {}
    assert issues({"review_at": "2026-03-31T23:29:00Z"}) == {
        "/review_at": "Review meeting must not be in the past"
    }


def test_a_stored_date_the_calendar_has_passed_stays_when_unchanged() -> None:
    stored = {"title": "Fridge", "review_date": "2026-01-10"}
    assert issues({"review_date": "2026-01-10"}, stored=stored) == {}
    # Changed to another past date: refused; to a date to come: accepted.
    assert issues({"review_date": "2026-01-11"}, stored=stored) == {
        "/review_date": "Review date must not be in the past"
    }
    assert issues({"review_date": "2026-06-01"}, stored=stored) == {}


def test_items_are_checked_at_their_pointer_and_may_be_reordered() -> None:
    stored = {"actions": [{"due": "2026-02-01"}, {"due": "2026-05-01"}]}
    assert issues({"actions": [{"due": "2026-05-01"}, {"due": "2026-02-01"}]}, stored=stored) == {}
    found = issues({"actions": [{"due": "2026-05-01"}, {"due": "2026-03-01"}]}, stored=stored)
    assert found == {"/actions/1/due": "Action 2: due must not be in the past"}


def test_is_past_ignores_what_is_not_a_date() -> None:
    assert is_past("2026-03-31", "date", NOW)
    assert not is_past("2026-04-01", "date", NOW)
    assert not is_past("soon", "date", NOW)
    assert not is_past(None, "date-time", NOW)


def test_the_keyword_is_refused_on_anything_but_a_date() -> None:
    raw = {**RISKS, "schema": {**RISKS["schema"]}}
    raw["schema"]["properties"] = {
        **RISKS["schema"]["properties"],
        "score": {"type": "integer", "x-not-past": True},
        "when": {"type": "string", "format": "date", "x-not-past": "yes"},
    }
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    assert {i.pointer: i.message for i in caught.value.issues} == {
        "/schema/properties/score/x-not-past": (
            'x-not-past only applies to a date or date-time: a string field with "format": '
            '"date" or "date-time"'
        ),
        "/schema/properties/when/x-not-past": "x-not-past is true or false",
    }
