"""``deadlines`` and ``matrix`` are refused at their pointers when they do not make sense:
``from`` not a date field, ``met_by`` naming no action or state, ``until`` states that do
not exist; a matrix person not shown with the person widget, an item that is not a
choice, a date that is not a date, refresh periods and required items that are not the
item's choices. The bundled complaints and training definitions pass."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import load_definition, validate_definition
from miniapps.core.errors import DefinitionInvalid

REPO = Path(__file__).resolve().parents[3]
BUNDLE = REPO / "apps" / "cqc_compliance" / "definitions"
COMPLAINTS = json.loads((BUNDLE / "cqc_complaints.json").read_text())
TRAINING = json.loads((BUNDLE / "cqc_training.json").read_text())


def problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return [(issue.pointer, issue.message) for issue in caught.value.issues]


def test_the_bundled_definitions_are_valid() -> None:
    assert [d["id"] for d in load_definition(BUNDLE / "cqc_complaints.json").deadlines] == [
        "acknowledge",
        "holding_letter",
    ]
    matrix = load_definition(BUNDLE / "cqc_training.json").matrix
    assert matrix is not None and matrix["item"] == "/course"


@pytest.mark.parametrize(
    ("change", "pointer", "message"),
    [
        ({"from": "/summary"}, "/deadlines/0/from", "/summary is not a date"),
        ({"from": "/nowhere"}, "/deadlines/0/from", "there is no field /nowhere"),
        ({"met_by": "action:acknowledged"}, "/deadlines/0/met_by",
         "there is no workflow action 'acknowledged'"),
        ({"met_by": "state:answered"}, "/deadlines/0/met_by",
         "there is no workflow state 'answered'"),
        ({"until": ["closed", "finished"]}, "/deadlines/0/until/1",
         "there is no workflow state 'finished'"),
        ({"id": "holding_letter"}, "/deadlines/1/id", "declared twice"),
    ],
)  # fmt: skip
def test_a_deadline_that_makes_no_sense_is_refused_at_its_pointer(
    change: dict[str, Any], pointer: str, message: str
) -> None:
    raw = copy.deepcopy(COMPLAINTS)
    raw["deadlines"][0].update(change)
    found = problems(raw)
    assert any(p == pointer and message in m for p, m in found), found


def test_created_and_submitted_need_no_field() -> None:
    raw = copy.deepcopy(COMPLAINTS)
    raw["deadlines"][0]["from"] = "created"
    raw["deadlines"][1]["from"] = "submitted"
    validate_definition(raw)


def test_a_deadline_of_the_default_workflow_names_its_actions() -> None:
    raw = copy.deepcopy(COMPLAINTS)
    del raw["workflow"]
    raw["deadlines"] = [
        {"id": "approve", "title": "Approve in 5 days", "from": "submitted", "days": 5,
         "met_by": "action:approve", "until": ["approved"]}
    ]  # fmt: skip
    raw["dashboard"] = {"widgets": []}
    validate_definition(raw)


@pytest.mark.parametrize(
    ("path", "value", "pointer", "message"),
    [
        (("ui", "fields", "/person"), {"widget": "text"}, "/matrix/person",
         'must be shown with the "person" widget'),
        (("matrix", "item"), "/provider", "/matrix/item", "must be a single-choice field"),
        (("matrix", "date"), "/provider", "/matrix/date", "must be a date field"),
        (("matrix", "person"), "/hours", "/matrix/person", "must be a text field"),
        (("matrix", "refresh_months"), {"first_aid": 12}, "/matrix/refresh_months/first_aid",
         "'first_aid' is not one of the choices of /course"),
        (("matrix", "required"), {"practice_staff": ["basic_life_support", "yoga"]},
         "/matrix/required/practice_staff/1", "'yoga' is not one of the choices"),
    ],
)  # fmt: skip
def test_a_matrix_that_makes_no_sense_is_refused_at_its_pointer(
    path: tuple[str, ...], value: Any, pointer: str, message: str
) -> None:
    raw = copy.deepcopy(TRAINING)
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    found = problems(raw)
    assert any(p == pointer and message in m for p, m in found), found


def test_the_person_widget_fits_only_text() -> None:
    raw = copy.deepcopy(TRAINING)
    raw["ui"]["fields"]["/hours"] = {"widget": "person"}
    found = problems(raw)
    assert any(p == "/ui/fields/~1hours/widget" for p, _ in found), found
