"""Workflow engine: a record's status is a state of the app's declared state machine.

Apps without a ``workflow`` member get :data:`DEFAULT_WORKFLOW`: a draft is
submitted by whoever may write; an approver approves it or returns it for changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_WORKFLOW: dict[str, Any] = {
    "initial": "draft",
    "states": {
        "draft": {"title": "Draft"},
        "submitted": {"title": "Submitted"},
        "approved": {"title": "Approved", "final": True},
    },
    "transitions": [
        {
            "action": "submit",
            "title": "Submit",
            "from": ["draft"],
            "to": "submitted",
            "permission": "write",
        },
        {
            "action": "approve",
            "title": "Approve",
            "from": ["submitted"],
            "to": "approved",
            "permission": "approve",
        },
        {
            "action": "return",
            "title": "Return for changes",
            "from": ["submitted"],
            "to": "draft",
            "permission": "approve",
            "comment_required": True,
        },
    ],
}

# Workflow states from which the record's data may still be edited.
EDITABLE_BY_DEFAULT = frozenset({"draft"})


@dataclass(frozen=True)
class Transition:
    action: str
    title: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...] | None  # None: anyone with ``permission`` on the record
    permission: str
    comment_required: bool
    notify: tuple[str, ...] | None = None  # roles (or "submitter") to email; None: defaults

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Transition:
        roles = raw.get("roles")
        return cls(
            action=raw["action"],
            title=raw.get("title") or raw["action"].replace("_", " ").capitalize(),
            sources=tuple(raw.get("from") or ()),
            target=raw["to"],
            roles=tuple(roles) if roles is not None else None,
            permission=raw.get("permission", "write"),
            comment_required=bool(raw.get("comment_required")),
            notify=tuple(raw["notify"]) if raw.get("notify") is not None else None,
        )


class Workflow:
    def __init__(self, declared: dict[str, Any] | None) -> None:
        spec = declared or DEFAULT_WORKFLOW
        self.initial: str = spec["initial"]
        self.states: dict[str, dict[str, Any]] = spec["states"]
        self.transitions = [Transition.from_json(t) for t in spec["transitions"]]

    def title(self, state: str) -> str:
        return str(self.states.get(state, {}).get("title") or state.replace("_", " ").capitalize())

    def from_state(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def find(self, state: str, action: str) -> Transition | None:
        return next((t for t in self.from_state(state) if t.action == action), None)

    def is_editable(self, state: str) -> bool:
        return state == self.initial or state in EDITABLE_BY_DEFAULT

    def submit_action(self) -> Transition | None:
        """The first transition out of the initial state: what "Submit" means for this app."""
        options = self.from_state(self.initial)
        return options[0] if options else None
