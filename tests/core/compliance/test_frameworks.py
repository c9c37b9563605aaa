"""Framework files checked as data: the shipped CQC framework, and every refusal at its pointer."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from miniapps.core.compliance.frameworks import mapping_issues, parse_framework
from miniapps.core.errors import DefinitionInvalid

from tests.conftest import REPO

SAF_FILE = REPO / "apps" / "cqc_compliance" / "data" / "saf-2024.json"


def saf() -> dict[str, Any]:
    return json.loads(SAF_FILE.read_text(encoding="utf-8"))


def problems(raw: Any) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionInvalid) as caught:
        parse_framework(raw, "f.json")
    return [(issue.pointer, issue.message) for issue in caught.value.issues]


def test_the_shipped_framework_has_5_key_questions_34_statements_and_6_categories() -> None:
    framework = parse_framework(saf())
    assert (framework.id, framework.version) == ("cqc-saf", "2024")
    counts = {q.title: len(q.statements) for q in framework.key_questions}
    assert counts == {"Safe": 8, "Effective": 6, "Caring": 5, "Responsive": 7, "Well-led": 8}
    assert len(framework.statements) == len(set(framework.statement_ids)) == 34
    assert [title for _, title in framework.evidence_categories] == [
        "People's experience",
        "Feedback from staff and leaders",
        "Feedback from partners",
        "Observation",
        "Processes",
        "Outcomes",
    ]
    titles = {s.title for s in framework.statements}
    assert {"Learning culture", "Medicines optimisation", "Freedom to speak up"} <= titles
    # domain.md: Responsive after the first and Well-led after the third are not re-checked.
    unverified = [(s.key_question, s.title) for s in framework.statements if s.unverified]
    assert [kq for kq, _ in unverified] == ["responsive"] * 6 + ["well_led"] * 5
    assert ("responsive", "Person-centred care") not in unverified
    assert framework.replaced_version is None and framework.mapping == {}


def test_schema_problems_are_reported_at_their_pointers() -> None:
    raw = saf()
    del raw["title"]
    raw["key_questions"][0]["statements"][0]["unverified"] = False
    raw["key_questions"][0]["statements"][1]["id"] = "Not An Id"
    raw["evidence_categories"][0]["colour"] = "red"
    assert problems(raw) == [
        ("/title", "is required"),
        ("/key_questions/0/statements/0/unverified", "must be true"),
        (
            "/key_questions/0/statements/1/id",
            "must start with a lower-case letter and hold only lower-case letters, digits and "
            "underscores",
        ),
        ("/evidence_categories/0/colour", "is not allowed here (expected one of: id, title)"),
    ]
    assert problems([]) == [("", "must be a JSON object")]


def test_duplicate_ids_are_refused_at_the_repeat() -> None:
    raw = saf()
    raw["key_questions"][2]["id"] = "safe"
    raw["key_questions"][1]["statements"][0]["id"] = "safeguarding"  # a Safe statement's id
    raw["evidence_categories"][5]["id"] = "observation"
    assert problems(raw) == [
        ("/evidence_categories/5/id", "id 'observation' is already used at /evidence_categories/3"),
        ("/expected_counts/statements/caring", "there is no key question 'caring'"),
        (
            "/key_questions/1/statements/0/id",
            ("id 'safeguarding' is already used at /key_questions/0/statements/2"),
        ),
        ("/key_questions/2/id", "id 'safe' is already used at /key_questions/0"),
    ]


def test_counts_differing_from_expected_counts_are_refused() -> None:
    raw = saf()
    raw["key_questions"][0]["statements"].pop()
    raw["key_questions"].pop()  # Well-led
    raw["expected_counts"]["statements"]["effective"] = 7
    assert problems(raw) == [
        ("/expected_counts/key_questions", "expects 5 key questions; the file has 4"),
        (
            "/expected_counts/statements/effective",
            ("expects 7 statements for effective; the file has 6"),
        ),
        ("/expected_counts/statements/safe", "expects 8 statements for safe; the file has 7"),
        ("/expected_counts/statements/well_led", "there is no key question 'well_led'"),
    ]
    without = saf()
    del without["expected_counts"]
    without["key_questions"].pop()
    assert len(parse_framework(without).key_questions) == 4  # counts are only checked if given


def next_version() -> dict[str, Any]:
    """A made-up later version: two key questions, mapping some 2024 statements."""
    return {
        "id": "cqc-saf",
        "version": "2026-draft",
        "title": "Made-up sector framework (test only)",
        "key_questions": [
            {"id": "safe", "title": "Safe", "statements": [{"id": "is_care_safe", "title": "A"}]},
            {"id": "well_led", "title": "Well-led", "statements": [{"id": "is_led", "title": "B"}]},
        ],
        "evidence_categories": [{"id": "processes", "title": "Processes"}],
        "replaces": {
            "version": "2024",
            "mapping": {"learning_culture": ["is_care_safe", "is_led"], "safeguarding": []},
        },
    }


def test_a_mapping_names_statements_of_this_file_and_of_the_replaced_version() -> None:
    raw = next_version()
    later = parse_framework(raw)
    assert later.replaced_version == "2024"
    assert later.mapping["learning_culture"] == ("is_care_safe", "is_led")
    assert mapping_issues(later, parse_framework(saf())) == []

    raw["replaces"]["mapping"]["learning_culture"][1] = "missing"
    assert problems(raw) == [
        ("/replaces/mapping/learning_culture/1", "'missing' is not a statement of this framework")
    ]
    stray = copy.deepcopy(next_version())
    stray["replaces"]["mapping"]["no_such_old"] = ["is_led"]
    issues = mapping_issues(parse_framework(stray), parse_framework(saf()))
    assert [(i.pointer, i.message) for i in issues] == [
        (
            "/replaces/mapping/no_such_old",
            "'no_such_old' is not a statement of cqc-saf version 2024",
        )
    ]
