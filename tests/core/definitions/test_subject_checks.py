"""``subject``, subject-side steps, ``x-record-of`` and the ``organisation`` and ``record``
widgets are refused at their pointers when they do not make sense."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid

BASE: dict[str, Any] = {
    "id": "peer",
    "title": "Peer review",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["practice"],
        "properties": {
            "practice": {"type": "string", "title": "Practice"},
            "visits": {"type": "integer", "title": "Visits"},
            "incident": {"type": "integer", "title": "Incident", "x-record-of": "incidents"},
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"who": {"type": "string"}}},
            },
        },
    },
    "ui": {"fields": {"/practice": {"widget": "organisation"}, "/incident": {"widget": "record"}}},
    "subject": {"field": "/practice"},
    "workflow": {
        "initial": "draft",
        "states": {
            "draft": {"title": "Draft"},
            "sent": {"title": "Sent"},
            "answered": {"title": "Answered", "final": True},
        },
        "transitions": [
            {"action": "send", "from": ["draft"], "to": "sent"},
            {"action": "answer", "from": ["sent"], "to": "answered", "side": "subject"},
        ],
    },
}


def problems(change) -> dict[str, str]:
    raw = copy.deepcopy(BASE)
    change(raw)
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return {issue.pointer: issue.message for issue in caught.value.issues}


def test_the_base_definition_is_valid() -> None:
    definition = validate_definition(copy.deepcopy(BASE))
    assert definition.subject == {"field": "/practice"}


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("/nope", "there is no field at /nope"),
        ("/visits", "the subject field holds an ODS code: /visits must be a string field"),
        ("/items/-/who", "the subject is one organisation per record: name a top-level field"),
    ],
)
def test_the_subject_is_a_top_level_string_field(field: str, message: str) -> None:
    found = problems(lambda raw: raw["subject"].update(field=field))
    assert found == {"/subject/field": message}


def test_a_subject_side_step_needs_a_subject() -> None:
    found = problems(lambda raw: raw.pop("subject"))
    assert found == {
        "/workflow/transitions/1/side": (
            'a step on the subject side needs a "subject" member naming the field that holds '
            "the organisation the record is about"
        )
    }


def test_a_record_link_names_an_app_on_an_optional_integer_field() -> None:
    def change(raw: dict[str, Any]) -> None:
        props = raw["schema"]["properties"]
        props["visits"]["x-record-of"] = "Not An App"
        props["practice"]["x-record-of"] = "incidents"
        raw["schema"]["required"].append("incident")

    found = problems(change)
    assert found["/schema/properties/visits/x-record-of"] == (
        "x-record-of is the id of an app (incident_reporting)"
    )
    assert found["/schema/properties/practice/x-record-of"] == (
        'x-record-of only applies to an integer field ("type": "integer"): the record id'
    )
    assert found["/schema/required"] == (
        "Incident links to a record of another app, which may not be published where a "
        "record is written: it cannot be required"
    )


@pytest.mark.parametrize(
    ("pointer", "widget", "needs"),
    [
        ("/visits", "record", 'an integer field with "x-record-of" naming the app it links to'),
        ("/visits", "organisation", "a text field (it holds an ODS code)"),
    ],
)
def test_the_widgets_fit_their_fields(pointer: str, widget: str, needs: str) -> None:
    found = problems(lambda raw: raw["ui"]["fields"].update({pointer: {"widget": widget}}))
    at = "/ui/fields/~1visits/widget"  # "/visits" escaped as a member name
    assert list(found) == [at]
    assert needs in found[at]
