"""Workflows chosen from patterns: submit only, submit and approve, report through a
channel. A workflow written in JSON that matches none is ``custom``: the studio shows
it and leaves it alone until another pattern is chosen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from miniapps.core.studio.editing_base import EditRefused, checked, copied
from miniapps.core.workflow import DEFAULT_WORKFLOW

NAME_START = "abcdefghijklmnopqrstuvwxyz"
NAME_CHARS = frozenset(NAME_START + "0123456789_")


@dataclass(frozen=True)
class WorkflowPattern:
    """One pattern of the workflow menu: its id, label and a one-sentence hint."""

    id: str
    label: str
    hint: str


WORKFLOW_PATTERNS: dict[str, WorkflowPattern] = {
    p.id: p
    for p in (
        WorkflowPattern(
            "submit_only",
            "Submit only",
            "A record is filled in, then submitted; nobody needs to approve it.",
        ),
        WorkflowPattern(
            "submit_and_approve",
            "Submit and approve",
            "A submitted record is approved, or returned for changes, by a reviewer "
            "(for a practice's return, the PCN manager).",
        ),
        WorkflowPattern(
            "channel",
            "Report through a channel",
            "A sent record goes to a stakeholder organisation's inbox (such as a "
            "safeguarding team), which acknowledges and closes it.",
        ),
    )
}

SUBMIT_ONLY: dict[str, Any] = {
    "initial": "draft",
    "states": {"draft": {"title": "Draft"}, "submitted": {"title": "Submitted", "final": True}},
    "transitions": [{"action": "submit", "title": "Submit", "from": ["draft"], "to": "submitted"}],
}
CHANNEL: dict[str, Any] = {
    "initial": "draft",
    "states": {
        "draft": {"title": "Draft"},
        "sent": {"title": "Sent"},
        "acknowledged": {"title": "Acknowledged"},
        "closed": {"title": "Closed", "final": True},
    },
    "transitions": [
        {"action": "send", "title": "Send", "from": ["draft"], "to": "sent"},
        {
            "action": "acknowledge",
            "title": "Acknowledge",
            "from": ["sent"],
            "to": "acknowledged",
            "side": "stakeholder",
        },
        {
            "action": "close",
            "title": "Close",
            "from": ["sent", "acknowledged"],
            "to": "closed",
            "side": "stakeholder",
        },
    ],
}


def set_workflow(
    definition: dict[str, Any], pattern: str, *, stakeholder_types: Sequence[str] = ()
) -> dict[str, Any]:
    """Give the app the workflow of ``pattern`` (a key of :data:`WORKFLOW_PATTERNS`).

    ``submit_and_approve`` is the platform's default workflow, so the ``workflow``
    member is removed. ``channel`` also writes one channel sending each record, once
    sent, to the stakeholder organisations of ``stakeholder_types`` (at least one, such
    as ``la_adult_safeguarding``); any other pattern removes ``channels``, whose steps
    it has not got. Refused (by the validator's sentence) when something else uses a
    state or step the new workflow lacks, such as a dashboard widget's ``states``.
    """
    if pattern not in WORKFLOW_PATTERNS:
        raise EditRefused("/workflow", f"there is no workflow pattern '{pattern}'")
    edited = copied(definition)
    edited.pop("channels", None)
    if pattern == "submit_and_approve":
        edited.pop("workflow", None)
    elif pattern == "submit_only":
        edited["workflow"] = copied(SUBMIT_ONLY)
    else:
        types = list(dict.fromkeys(t.strip() for t in stakeholder_types if t.strip()))
        if not types:
            raise EditRefused("/channels", "choose who receives the records sent")
        for name in types:
            if name[0] not in NAME_START or not set(name) <= NAME_CHARS:
                raise EditRefused(
                    "/channels",
                    f"'{name}' is not a stakeholder category: lower-case letters, digits "
                    "and underscores, like la_adult_safeguarding",
                )
        edited["workflow"] = copied(CHANNEL)
        edited["channels"] = [
            {
                "id": "report",
                "title": str(definition.get("title") or "Reports"),
                "stakeholder_types": types,
                "send_on": "state:sent",
            }
        ]
    return checked(definition, edited, "/workflow", None)


def _shape(workflow: Any) -> Any:
    """A workflow without its titles: what decides which pattern it is."""
    if not isinstance(workflow, dict):
        return None
    states: dict[str, Any] = workflow.get("states") or {}
    steps: list[Any] = workflow.get("transitions") or []
    if not isinstance(states, dict) or not isinstance(steps, list):
        return None
    return (
        workflow.get("initial"),
        sorted((n, bool(s.get("final"))) for n, s in states.items() if isinstance(s, dict)),
        sorted(
            repr(sorted((k, v) for k, v in step.items() if k not in ("title", "permission")))
            for step in steps
            if isinstance(step, dict)
        ),
    )


def workflow_pattern_of(definition: dict[str, Any]) -> str:
    """The pattern the app's workflow follows, or ``custom`` when it matches none."""
    workflow = definition.get("workflow")
    channels = definition.get("channels")
    if workflow is None or _shape(workflow) == _shape(DEFAULT_WORKFLOW):
        return "custom" if channels else "submit_and_approve"
    if _shape(workflow) == _shape(SUBMIT_ONLY) and not channels:
        return "submit_only"
    if _shape(workflow) == _shape(CHANNEL) and isinstance(channels, list) and len(channels) == 1:
        return "channel"
    return "custom"


def channel_types_of(definition: dict[str, Any]) -> list[str]:
    """The stakeholder categories the app's channels send to (for the workflow form)."""
    found: list[str] = []
    for channel in definition.get("channels") or []:
        if isinstance(channel, dict):
            found += [t for t in channel.get("stakeholder_types") or [] if t not in found]
    return found
