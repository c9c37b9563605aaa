"""The incident_reporting definition itself: it validates, the form asks the kind first
(then, for a referral, immediate risk), the rest follows from the kind by the
definition's own conditions, options carry LFPSE codes, and every "Bad input" case of
the issue is refused by the one record check at its pointer with a plain message."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.loading import load_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import find_field
from miniapps.core.forms.compiler import compile_form
from miniapps.core.forms.conditions import evaluate
from miniapps.core.records.check import check_record

from tests.apps.incident_reporting.incident_data import (
    APP_DIR,
    adult_referral,
    child_referral,
    safety_event,
)

CARE_ACT = [
    "physical",
    "domestic",
    "sexual",
    "psychological",
    "financial",
    "modern_slavery",
    "discriminatory",
    "organisational",
    "neglect",
    "self_neglect",
]
CHILDREN = ["physical", "emotional", "sexual", "neglect", "exploitation"]


@pytest.fixture(scope="module")
def incident() -> AppDefinition:
    return load_definition(APP_DIR)


def shown(definition: AppDefinition, data: dict[str, Any]) -> list[str]:
    """The top-level questions the form shows for ``data``, in order."""
    form = compile_form(definition.schema, definition.ui)
    hidden = evaluate(form.rules, data).hidden
    return [n.field.key for n in form.nodes if f"/{n.field.key}" not in hidden]


def problems(definition: AppDefinition, data: dict[str, Any]) -> dict[str, str]:
    return {i.pointer: i.message for i in check_record(definition, data, submit=True).issues}


def test_the_definition_validates_and_sends_through_three_channels(incident) -> None:
    assert incident.id == "incident_reporting"
    channels = {c["id"]: c for c in incident.channels}
    assert sorted(channels) == ["icb_quality", "la_adult_safeguarding", "la_children_safeguarding"]
    assert channels["icb_quality"]["send_on"] == "submitted"
    adult, child = channels["la_adult_safeguarding"], channels["la_children_safeguarding"]
    assert adult["send_on"] == child["send_on"] == "action:send"
    assert adult["sla"]["acknowledge_working_days"] == 0
    assert adult["sla"]["decide_working_days"] == 5
    assert child["sla"]["acknowledge_working_days"] == child["sla"]["decide_working_days"] == 1
    assert [v["id"] for v in incident.views] == ["learning"]


def test_the_kind_comes_first_then_immediate_risk_for_a_referral(incident) -> None:
    assert shown(incident, {}) == ["kind"]
    for kind in ("adult_safeguarding", "child_safeguarding"):
        assert shown(incident, {"kind": kind})[:2] == ["kind", "immediate_risk"]
        with_risk = shown(incident, {"kind": kind, "immediate_risk": True})
        assert with_risk[:3] == ["kind", "immediate_risk", "emergency_called_at"]
    label = incident.ui["fields"]["/emergency_called_at"]["label"]
    assert label.startswith("Call 999 or the emergency duty team now")
    event = shown(incident, {"kind": "patient_safety"})
    assert event[:2] == ["kind", "event_type"] and "immediate_risk" not in event


def test_each_kind_asks_its_own_questions(incident) -> None:
    event = set(shown(incident, {"kind": "patient_safety", "event_type": "incident"}))
    adult = set(shown(incident, {"kind": "adult_safeguarding"}))
    child = set(shown(incident, {"kind": "child_safeguarding"}))
    three_part_test = {"care_support_needs", "experiencing_abuse", "unable_to_protect"}
    assert three_part_test | {"adult_views", "capacity_doubt"} <= adult - child - event
    assert {"child_need_level", "parental_responsibility", "parents_aware"} <= child - adult
    assert {"harm_physical", "harm_psychological", "people_involved"} <= event - adult - child
    assert {"abuse_categories", "consent_given", "person"} <= (adult & child) - event
    # Harm is asked about incidents and outcomes, not about risks or good care.
    assert "harm_physical" not in shown(incident, {"kind": "patient_safety", "event_type": "risk"})
    # The consent gate opens its questions only when consent is refused.
    refused = shown(incident, {"kind": "adult_safeguarding", "consent_given": False})
    assert {"consent_reason", "lawful_basis"} <= set(refused)
    assert "lawful_basis" not in shown(incident, {"kind": "adult_safeguarding"})


def test_options_carry_their_lfpse_codes(incident) -> None:
    physical = find_field(incident.schema, "/harm_physical")
    psychological = find_field(incident.schema, "/harm_psychological")
    assert physical is not None and psychological is not None
    assert physical.choices == [
        ("none", "No harm (LFPSE 5)"),
        ("low", "Low harm (LFPSE 4)"),
        ("moderate", "Moderate harm (LFPSE 3)"),
        ("severe", "Severe harm (LFPSE 2)"),
        ("fatal", "Fatal (LFPSE 1)"),
    ]
    assert [label for _, label in psychological.choices] == [
        "No harm (LFPSE 4)",
        "Low harm (LFPSE 3)",
        "Moderate harm (LFPSE 2)",
        "Severe harm (LFPSE 1)",
    ]
    response = find_field(incident.schema, "/learning_response")
    assert response is not None
    assert [value for value, _ in response.choices] == [
        "after_action_review",
        "swarm_huddle",
        "mdt_review",
        "thematic_review",
        "psii",
    ]


def test_the_sample_answers_are_valid(incident) -> None:
    for data in (safety_event(), adult_referral(), child_referral()):
        assert problems(incident, data) == {}, data["kind"]


def test_adults_have_the_care_act_categories_and_children_theirs(incident) -> None:
    for category in CARE_ACT:
        assert problems(incident, adult_referral(abuse_categories=[category])) == {}, category
    for category in CHILDREN:
        assert problems(incident, child_referral(abuse_categories=[category])) == {}, category
    refused = problems(incident, child_referral(abuse_categories=["neglect", "financial"]))
    # One problem, at the question, naming the options a child referral allows.
    assert refused == {
        "/abuse_categories": "Given your answer to type of report, select type of abuse or "
        "neglect only from: Physical abuse, Sexual abuse, Neglect or acts of omission, "
        "Emotional abuse, Exploitation (criminal or sexual)"
    }
    refused = problems(incident, adult_referral(abuse_categories=["exploitation"]))
    assert list(refused) == ["/abuse_categories"]
    assert "Financial or material abuse, Modern slavery" in refused["/abuse_categories"]


BAD_INPUT = [
    pytest.param(
        adult_referral(abuse_categories=None),
        {"/abuse_categories": "Select type of abuse or neglect"},
        id="referral without a category",
    ),
    pytest.param(
        child_referral(abuse_categories=[]),
        {"/abuse_categories": "Select at least 1 option for type of abuse or neglect"},
        id="referral with no category ticked",
    ),
    pytest.param(
        safety_event(occurred_at="2099-01-01T09:00:00Z"),
        {"/occurred_at": "When it happened must not be in the future"},
        id="occurrence in the future",
    ),
    pytest.param(
        safety_event(harm_physical="catastrophic"),
        {
            "/harm_physical": "Physical harm must be one of: No harm (LFPSE 5), Low harm "
            "(LFPSE 4), Moderate harm (LFPSE 3), Severe harm (LFPSE 2), Fatal (LFPSE 1)"
        },
        id="physical harm outside LFPSE",
    ),
    pytest.param(
        safety_event(harm_psychological="fatal"),
        {
            "/harm_psychological": "Psychological harm must be one of: No harm (LFPSE 4), "
            "Low harm (LFPSE 3), Moderate harm (LFPSE 2), Severe harm (LFPSE 1)"
        },
        id="psychological harm outside LFPSE",
    ),
    pytest.param(
        safety_event(actions=[{"action": "Check the fridge log daily"}]),
        {
            "/actions/0/owner": "Action 1: enter who will do it",
            "/actions/0/due_date": "Action 1: enter when it is due",
        },
        id="action without owner or due date",
    ),
    pytest.param(
        adult_referral(consent_given=False),
        {
            "/consent_reason": "Enter why you are sharing without consent",
            "/lawful_basis": "Select the lawful basis for sharing without consent",
        },
        id="no consent and no lawful basis",
    ),
    pytest.param(
        adult_referral(immediate_risk=True),
        {"/emergency_called_at": "Enter when you called 999 or the emergency duty team"},
        id="immediate risk without the call",
    ),
]


@pytest.mark.parametrize(("data", "expected"), BAD_INPUT)
def test_bad_input_is_refused_at_its_pointer(incident, data, expected) -> None:
    data = {k: v for k, v in data.items() if v is not None}
    assert problems(incident, data) == expected
