"""The audit trail in words: labels, readable values, nested lines, state titles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from miniapps.core.records.history import HistoryLine, describe_entry, done_title
from miniapps.core.workflow import Workflow

from tests.sample_workflows import CASE_LOG

ROOT = Path(__file__).resolve().parents[3]
IIF_SCHEMA = json.loads((ROOT / "apps" / "iif_tracker" / "app.json").read_text())["schema"]

SCHEMA = {
    "type": "object",
    "properties": {
        "role": {"oneOf": [{"const": "gp", "title": "GP"}, {"const": "nurse", "title": "Nurse"}]},
        "started": {"type": "string", "format": "date", "title": "Start date"},
        "dbs": {"type": "boolean", "title": "DBS checked"},
        "courses": {
            "type": "array",
            "title": "Courses",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string", "title": "Course name"}},
            },
        },
        "address": {
            "type": "object",
            "title": "Address",
            "properties": {"postcode": {"type": "string", "title": "Postcode"}},
        },
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": True},
    },
}
DEFAULT = Workflow(None)


def texts(entry) -> list[str]:
    return [line.text for line in entry.lines]


def test_update_uses_titles_and_readable_values() -> None:
    entry = describe_entry(
        "update",
        [
            {"pointer": "/role", "old": "gp", "new": "nurse"},
            {"pointer": "/started", "old": None, "new": "2025-03-31"},
            {"pointer": "/dbs", "old": True, "new": False},
            {"pointer": "/tags", "old": ["a"], "new": ["a", "b"]},
            {"pointer": "/address/postcode", "old": "LS1 1AA", "new": "LS2 2BB"},
        ],
        SCHEMA,
        DEFAULT,
    )
    assert entry.what == "Changed"
    assert texts(entry) == [
        "Role: GP → Nurse",
        "Start date: \u2013 → 31 March 2025",
        "DBS checked: Yes → No",
        "Tags: a → a, b",
        "Address \u203a Postcode: LS1 1AA → LS2 2BB",
    ]


def test_nested_values_become_one_line_per_answer() -> None:
    """The tester's case: an IIF return's indicators were one raw JSON blob."""
    entry = describe_entry(
        "update",
        [
            {
                "pointer": "/indicators",
                "old": {"CAN-04": {"numerator": 30, "denominator": 40}},
                "new": {
                    "CAN-04": {"numerator": 32, "denominator": 40},
                    "ACC-08": {"numerator": 5, "denominator": 9, "plan": {"owner": "Jo"}},
                },
            }
        ],
        IIF_SCHEMA,
        DEFAULT,
    )
    assert texts(entry) == [
        "CAN-04 numerator: 30 → 32",
        "ACC-08 numerator: \u2013 → 5",
        "ACC-08 denominator: \u2013 → 9",
        "ACC-08 plan for next month \u203a Owner: \u2013 → Jo",
    ]
    assert not any("{" in text for text in texts(entry))


def test_repeating_sections_item_by_item() -> None:
    entry = describe_entry(
        "update",
        [
            {
                "pointer": "/courses",
                "old": [{"name": "BLS"}],
                "new": [{"name": "BLS"}, {"name": "ILS"}],
            }
        ],
        SCHEMA,
        DEFAULT,
    )
    assert texts(entry) == ["Courses 2 course name: \u2013 → ILS"]


def test_created_record_lists_its_answers_without_arrows() -> None:
    entry = describe_entry(
        "create", [{"pointer": "/role", "old": None, "new": "gp"}], SCHEMA, DEFAULT
    )
    assert entry.what == "Created"
    assert texts(entry) == ["Role: GP"]


def test_transition_with_state_titles_and_a_comment_in_the_thread() -> None:
    entry = describe_entry(
        "return",
        [
            {"pointer": "/status", "old": "submitted", "new": "draft"},
            {"pointer": "/comment", "old": None, "new": "Fix it", "comment_id": 7},
        ],
        SCHEMA,
        DEFAULT,
    )
    assert entry.what == "Returned for changes"
    assert entry.lines == [
        HistoryLine("Status", "Draft", "Submitted"),
        HistoryLine("Comment", "in the thread", comment_id=7),
    ]
    assert entry.lines[0].text == "Status: Submitted → Draft"


def test_declared_workflow_titles() -> None:
    workflow = Workflow(CASE_LOG["workflow"])
    entry = describe_entry(
        "close", [{"pointer": "/status", "old": "open", "new": "closed"}], {}, workflow
    )
    assert (entry.what, texts(entry)) == ("Closed", ["Status: Open → Closed"])


def test_older_transition_comment_is_shown_as_written() -> None:
    entry = describe_entry(
        "return",
        [{"pointer": "/comment", "old": None, "new": "Fix it"}],
        SCHEMA,
        DEFAULT,
    )
    assert texts(entry) == ["Comment: Fix it"]


def test_comments_and_replies_link_to_the_thread() -> None:
    comment = describe_entry(
        "comment",
        [{"pointer": "/comments/3", "new": "hi", "parent_id": None, "mentions": ["a@nhs.net"]}],
        SCHEMA,
        DEFAULT,
    )
    assert comment.what == "Commented"
    assert comment.lines == [HistoryLine("Comment", "mentioning a@nhs.net", comment_id=3)]
    reply = describe_entry(
        "comment", [{"pointer": "/comments/4", "new": "ok", "parent_id": 3}], SCHEMA, DEFAULT
    )
    assert (reply.what, reply.lines[0].label, reply.lines[0].comment_id) == ("Replied", "Reply", 4)


def test_new_app_version_and_fields_the_definition_no_longer_has() -> None:
    entry = describe_entry(
        "migrate",
        [
            {"pointer": "/app_version", "old": 1, "new": 2},
            {"pointer": "", "old": {"old_field": "x", "role": "gp"}, "new": {"role": "nurse"}},
        ],
        SCHEMA,
        DEFAULT,
    )
    assert entry.what == "Moved to a new app version"
    assert texts(entry) == ["App version: 1 → 2", "Old field: x → \u2013", "Role: GP → Nurse"]


@pytest.mark.parametrize(
    ("title", "done"),
    [
        ("Return for changes", "Returned for changes"),
        ("Approve", "Approved"),
        ("Submit", "Submitted"),
        ("Close", "Closed"),
        ("Reject", "Rejected"),
        ("Acknowledge", "Acknowledged"),
        ("Request information", "Requested information"),
        ("Query", "Queried"),
        ("Send to the ICB", "Sent to the ICB"),
        ("Reopen", "Reopened"),
        ("Closed", "Closed"),
    ],
)
def test_done_title(title: str, done: str) -> None:
    assert done_title(title) == done


def test_a_member_titled_by_its_code_is_named_by_the_code() -> None:
    """As the published IIF definition lists each indicator: "CAN-04: Lower GI ..."."""
    schema = {
        "type": "object",
        "properties": {
            "indicators": {
                "type": "object",
                "title": "Indicators",
                "properties": {
                    "CAN-04": {
                        "type": "object",
                        "title": "CAN-04: Lower GI urgent cancer referrals with a FIT result",
                        "properties": {"numerator": {"type": "integer", "title": "Numerator"}},
                    }
                },
            }
        },
    }
    entry = describe_entry(
        "update",
        [{"pointer": "/indicators/CAN-04/numerator", "old": 30, "new": 32}],
        schema,
        DEFAULT,
    )
    assert texts(entry) == ["CAN-04 numerator: 30 → 32"]
