"""What a view shows of records: only the listed answers, months (London), the shared text
only where agreed, counts by theme and month."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.records.view_rows import (
    find_view,
    month_counts,
    month_label,
    month_of,
    record_month,
    shows,
    theme_counts,
    view_row,
)

from tests.sample_views import event_log

DEFINITION = validate_definition(event_log())
VIEW = find_view(DEFINITION, "learning")
RECORD = {
    "kind": "patient_safety",
    "event_type": "incident",
    "harm": "moderate",
    "occurred_at": "2026-03-14T09:15:00+00:00",
    "noticed_on": "2026-03-15",
    "description": "Mrs Jones fell in the waiting room",
    "reporter_name": "Dr Smith",
    "learning_summary": "Dry the floor after rain",
    "share_learning": True,
}


def test_views_are_found_by_id() -> None:
    assert VIEW is not None and VIEW.title == "Shared learning"
    assert [c.title for c in VIEW.columns] == ["Event type", "Physical harm", "When it happened"]
    assert find_view(DEFINITION, "nope") is None


def test_a_row_holds_only_the_listed_answers() -> None:
    assert VIEW is not None
    row = view_row(VIEW, DEFINITION, RECORD)
    assert row.values == {
        "/event_type": "Incident",
        "/harm": "Moderate harm (3)",
        "/occurred_at": "March 2026",
    }
    assert row.shared_text == "Dry the floor after rain"
    shown = str(row)
    for secret in ("Mrs Jones", "Dr Smith", "2026-03-14", "2026-03-15", "14 March"):
        assert secret not in shown


@pytest.mark.parametrize("agreed", [False, None, "true", 1])
def test_the_shared_text_only_where_agreed(agreed: object) -> None:
    assert VIEW is not None
    data = {**RECORD, "share_learning": agreed}
    if agreed is None:
        del data["share_learning"]
    assert view_row(VIEW, DEFINITION, data).shared_text is None


def test_unanswered_and_blank_answers_are_none() -> None:
    assert VIEW is not None
    row = view_row(VIEW, DEFINITION, {"kind": "patient_safety", "learning_summary": "  "})
    assert row.values == {"/event_type": None, "/harm": None, "/occurred_at": None}
    assert row.shared_text is None


@pytest.mark.parametrize(
    ("value", "fmt", "month"),
    [
        ("2026-03-31", "date", "2026-03"),
        ("2026-03-31T23:30:00Z", "date-time", "2026-04"),  # 00:30 on 1 April in London
        ("2026-01-31T23:30:00Z", "date-time", "2026-01"),  # GMT in winter
        ("2026-04-01T00:30:00+01:00", "date-time", "2026-04"),
        ("not a date", "date", None),
        (None, "date", None),
    ],
)
def test_months_are_london_months(value: object, fmt: str, month: str | None) -> None:
    assert month_of(value, fmt) == month


def test_month_labels() -> None:
    assert month_label("2026-03-31T23:30:00Z", "date-time") == "April 2026"
    assert month_label("2025-12-01", "date") == "December 2025"


def test_which_records_a_view_shows() -> None:
    assert VIEW is not None
    assert shows(VIEW, "closed", RECORD)
    assert not shows(VIEW, "submitted", RECORD)
    assert not shows(VIEW, "closed", {**RECORD, "kind": "other"})
    assert not shows(VIEW, "closed", {"event_type": "incident"})


def test_counts_by_theme_use_option_titles_and_count_the_unanswered() -> None:
    assert VIEW is not None
    records = [
        RECORD,
        {**RECORD, "event_type": "risk", "harm": "none"},
        {**RECORD, "event_type": "incident"},
        {"kind": "patient_safety"},
    ]
    by_type, by_harm = theme_counts(VIEW, records)
    assert (by_type.title, by_type.pointer) == ("Event type", "/event_type")
    assert [(c.value, c.title, c.count) for c in by_type.counts] == [
        ("incident", "Incident", 2),
        ("risk", "Risk", 1),
        ("good_care", "Good care", 0),
    ]
    assert by_type.not_answered == 1
    assert [(c.title, c.count) for c in by_harm.counts] == [
        ("No harm (5)", 1),
        ("Low harm (4)", 0),
        ("Moderate harm (3)", 2),
    ]


def test_boolean_and_multiple_choice_themes() -> None:
    raw = event_log()
    raw["schema"]["properties"]["flags"] = {
        "type": "array",
        "title": "Flags",
        "uniqueItems": True,
        "items": {"type": "string", "enum": ["candour", "cqc"]},
    }
    raw["views"][0]["themes"] = ["/flags", "/share_learning"]
    definition = validate_definition(raw)
    view = find_view(definition, "learning")
    assert view is not None
    records = [{"flags": ["candour", "cqc"], "share_learning": True}, {"flags": ["cqc"]}]
    flags, shared = theme_counts(view, records)
    assert [(c.title, c.count) for c in flags.counts] == [("candour", 1), ("cqc", 2)]
    assert [(c.title, c.count) for c in shared.counts] == [("Yes", 1), ("No", 0)]
    assert shared.not_answered == 1


def test_counts_by_month_fill_the_gaps() -> None:
    counted = month_counts(["2026-01", "2026-03", "2026-03", None])
    assert [(m.month, m.title, m.count) for m in counted] == [
        ("2026-01", "January 2026", 1),
        ("2026-02", "February 2026", 0),
        ("2026-03", "March 2026", 2),
    ]
    assert month_counts([None]) == []
    far = month_counts(["1990-01", "2026-03"])
    assert [m.month for m in far] == ["1990-01", "2026-03"]


def test_a_record_counts_in_its_month_field_else_its_submission_month() -> None:
    assert VIEW is not None
    submitted = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    assert record_month(VIEW, RECORD, submitted) == "2026-03"
    raw = event_log()
    raw["views"][0]["month_fields"] = []
    plain = find_view(validate_definition(raw), "learning")
    assert plain is not None
    assert record_month(plain, RECORD, submitted) == "2026-06"
    assert record_month(plain, RECORD, datetime(2026, 5, 31, 12, 0)) == "2026-05"
    assert record_month(plain, RECORD, None) is None


def test_answers_in_a_repeating_section_are_joined() -> None:
    raw = event_log()
    raw["views"][0]["fields"].append("/actions/-/done_on")
    definition = validate_definition(raw)
    view = find_view(definition, "learning")
    assert view is not None
    data = {"actions": [{"done_on": "2026-03-01"}, {"what": "x"}, {"done_on": "2026-03-02"}]}
    assert view_row(view, definition, data).values["/actions/-/done_on"] == (
        "1 March 2026, 2 March 2026"
    )
