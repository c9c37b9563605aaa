"""Bad channel definitions are refused, each problem at its JSON pointer; the example
channel app is valid."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from miniapps.core.channels.definition import Channel, channels_of
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.workflow import Workflow

from tests.fixtures_channels import concern_definition

BASE = concern_definition()


def changed(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    change(raw)
    return raw


def adult(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["channels"][0]


def transition(raw: dict[str, Any], action: str) -> dict[str, Any]:
    return next(t for t in raw["workflow"]["transitions"] if t["action"] == action)


def test_the_example_is_valid_and_reads_as_channels() -> None:
    definition = validate_definition(copy.deepcopy(BASE))
    channels = channels_of(definition.channels)
    assert [c.id for c in channels] == ["adult_safeguarding", "child_safeguarding", "quality"]
    sla = channels[0].sla
    assert (sla.acknowledge_working_days, sla.acknowledge_hours, sla.decide_working_days) == (
        1,
        4,
        5,
    )
    assert sla.urgent({"urgent": True}) and not sla.urgent({"urgent": False})
    assert not channels[1].sla.urgent({"urgent": True})  # no acknowledge_hours


CASES = [
    (
        "category with capitals",
        lambda r: adult(r).update(stakeholder_types=["LA Adult"]),
        "/channels/0/stakeholder_types/0",
    ),
    ("send_on naming no event", lambda r: adult(r).update(send_on="sent"), "/channels/0/send_on"),
    (
        "send_on naming no action",
        lambda r: adult(r).update(send_on="action:escalate"),
        "/channels/0/send_on",
    ),
    (
        "when with a keyword outside the condition language",
        lambda r: adult(r).update(when={"properties": {"kind": {"format": "email"}}}),
        "/channels/0/when/properties/kind/format",
    ),
    (
        "when naming no field",
        lambda r: adult(r).update(when={"required": ["colour"]}),
        "/channels/0/when/required/0",
    ),
    (
        "negative days",
        lambda r: adult(r)["sla"].update(decide_working_days=-1),
        "/channels/0/sla/decide_working_days",
    ),
    (
        "unknown sla member",
        lambda r: adult(r)["sla"].update(respond_days=2),
        "/channels/0/sla/respond_days",
    ),
    (
        "acknowledged_by naming no action",
        lambda r: adult(r)["sla"].update(acknowledged_by=["read"]),
        "/channels/0/sla/acknowledged_by/0",
    ),
    (
        "urgent_when without acknowledge_hours",
        lambda r: adult(r)["sla"].pop("acknowledge_hours"),
        "/channels/0/sla/acknowledge_hours",
    ),
    (
        "category field without choices",
        lambda r: adult(r).update(category_field="/summary"),
        "/channels/0/category_field",
    ),
    (
        "category field naming no field",
        lambda r: adult(r).update(category_field="/colour"),
        "/channels/0/category_field",
    ),
    (
        "side stakeholder without channels",
        lambda r: r.pop("channels"),
        "/workflow/transitions/1/side",
    ),
    (
        "stakeholder side with provider roles",
        lambda r: transition(r, "acknowledge").update(roles=["practice_manager"]),
        "/workflow/transitions/1/roles",
    ),
    (
        "unknown side",
        lambda r: transition(r, "acknowledge").update(side="la"),
        "/workflow/transitions/1/side",
    ),
    ("neither types nor orgs", lambda r: adult(r).pop("stakeholder_types"), "/channels/0"),
]


@pytest.mark.parametrize(("name", "change", "pointer"), CASES, ids=[c[0] for c in CASES])
def test_bad_channels_are_refused_at_their_pointer(name: str, change, pointer: str) -> None:
    with pytest.raises(DefinitionInvalid) as refused:
        validate_definition(changed(change))
    assert pointer in [issue.pointer for issue in refused.value.issues], refused.value.issues


def test_default_clocks_first_stakeholder_action_and_final_state() -> None:
    raw = changed(lambda r: adult(r)["sla"].pop("acknowledged_by"))
    workflow = Workflow(raw["workflow"])
    sla = Channel.from_json({**adult(raw), "sla": {}}).sla
    acknowledge = workflow.find("sent", "acknowledge")
    respond = workflow.find("info_requested", "respond")
    close = workflow.find("decided", "close")
    assert acknowledge and respond and close
    assert sla.acknowledges(acknowledge, False) and not sla.acknowledges(respond, False)
    assert sla.decides(close, workflow) and not sla.decides(acknowledge, workflow)


def test_when_uses_the_show_if_semantics() -> None:
    channel = Channel.from_json(adult(copy.deepcopy(BASE)))
    assert channel.fires(["state:sent"], {"kind": "adult"})
    assert not channel.fires(["state:sent"], {"kind": "child"})
    assert not channel.fires(["state:sent"], {})  # "required" beside the const
    assert not channel.fires(["submitted"], {"kind": "adult"})
