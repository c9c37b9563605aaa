"""Workflow engine: a record's status is a state of the app's declared state machine.

Apps without a ``workflow`` member get :data:`DEFAULT_WORKFLOW`: a draft is
submitted by whoever may write; an approver approves it or returns it for changes.

Separation of duties: a transition that needs the ``approve`` permission is not for the
record's author (whoever submitted it or last changed its data) unless it says
``"self_approval": true`` (:attr:`Transition.separates_duties`).

A transition may need fields filled in first: its own ``requires_fields`` and those of
the state it enters (``states.<name>.requires_fields``), so "an outcome before closing"
holds however the record reaches ``closed``. :func:`missing_field_issues` lists what is
still empty, each at the field's own pointer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from miniapps.core.bounded_cache import SealedCache
from miniapps.core.definitions.schema_fields import find_field
from miniapps.core.errors import Issue
from miniapps.core.forms.condition_language import matches
from miniapps.core.forms.conditions import compile_rules, evaluate
from miniapps.core.pointers import pointer_join, pointer_parts

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

# "No record data given": every transition counts, whatever its ``when``.
NO_DATA: Any = object()

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
    requires_fields: tuple[str, ...] = ()  # field pointers that must hold a value first
    self_approval: bool = False  # whoever submitted or changed the data may take it too
    side: str = "provider"  # channel apps: "stakeholder" steps belong to the receiving side
    when: Any = None  # a condition on the record's data; None: every record
    fields: tuple[str, ...] = ()  # fields the person taking the step fills in with it

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
            requires_fields=tuple(raw.get("requires_fields") or ()),
            self_approval=bool(raw.get("self_approval")),
            side=raw.get("side", "provider"),
            when=raw.get("when"),
            fields=tuple(raw.get("fields") or ()),
        )

    def applies_to(self, data: Any) -> bool:
        """Whether this step is possible for a record holding ``data`` (its ``when``)."""
        return self.when is None or matches(self.when, data)

    @property
    def separates_duties(self) -> bool:
        """An approval (``permission`` "approve") that the record's own author may not take:
        whoever submitted it or last changed its data, unless ``self_approval`` says so."""
        return self.permission == "approve" and not self.self_approval


class Workflow:
    def __init__(self, declared: dict[str, Any] | None) -> None:
        spec = declared or DEFAULT_WORKFLOW
        self.initial: str = spec["initial"]
        self.states: dict[str, dict[str, Any]] = spec["states"]
        self.transitions = list(_transitions(spec))

    def title(self, state: str) -> str:
        return str(self.states.get(state, {}).get("title") or state.replace("_", " ").capitalize())

    def from_state(self, state: str, data: Any = NO_DATA) -> list[Transition]:
        """Steps out of ``state``; given the record's ``data``, only those whose ``when``
        holds for it."""
        return [
            t
            for t in self.transitions
            if state in t.sources and (data is NO_DATA or t.applies_to(data))
        ]

    def find(self, state: str, action: str, data: Any = NO_DATA) -> Transition | None:
        return next((t for t in self.from_state(state, data) if t.action == action), None)

    def is_editable(self, state: str) -> bool:
        """A state's ``editable`` flag; by default only the initial state (and "draft")."""
        declared = self.states.get(state, {}).get("editable")
        if declared is not None:
            return bool(declared)
        return state == self.initial or state in EDITABLE_BY_DEFAULT

    def is_final(self, state: str) -> bool:
        return bool(self.states.get(state, {}).get("final"))

    def step_events(self, transition: Transition, old_status: str) -> list[str]:
        """What one step raises, for notifications and channels: ``action:<a>``,
        ``state:<s>``, and ``submitted`` when it is the submission."""
        events = [f"action:{transition.action}", f"state:{transition.target}"]
        if self.is_submission(transition, old_status):
            events.append("submitted")
        return events

    def is_submission(self, transition: Transition, old_status: str) -> bool:
        submit = self.submit_action()
        return (
            submit is not None and transition.action == submit.action and old_status == self.initial
        )

    def required_fields(self, transition: Transition) -> tuple[str, ...]:
        """Field pointers that must hold a value to take ``transition``: its own
        ``requires_fields``, then those of the state it enters, each once."""
        on_entry = self.states.get(transition.target, {}).get("requires_fields") or ()
        return tuple(dict.fromkeys((*transition.requires_fields, *on_entry)))

    def submit_action(self, data: Any = NO_DATA) -> Transition | None:
        """The first transition out of the initial state (for a record holding ``data``):
        what "Submit" means for this app."""
        options = self.from_state(self.initial, data)
        return options[0] if options else None


def has_value(value: Any) -> bool:
    """Filled in: not absent, not blank text, not an empty list or object (0 and false are
    answers)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return True


def empty_fields(data: Any, pointers: tuple[str, ...] | list[str]) -> list[str]:
    """The concrete pointers of the fields among ``pointers`` that hold no value in
    ``data``. A ``-`` (or an index) stands for every item of a repeating section:
    ``/actions/-/owner`` gives ``/actions/1/owner`` when the second item has no owner;
    an empty section has no items to fill in."""
    found: list[str] = []
    for pointer in pointers:
        found.extend(_empty_at(data, pointer_parts(pointer), ""))
    return list(dict.fromkeys(found))


def _empty_at(value: Any, tokens: list[str], base: str) -> Iterator[str]:
    if not tokens:
        if not has_value(value):
            yield base
        return
    head, rest = tokens[0], tokens[1:]
    if head == "-" or head.isdigit():
        for i, item in enumerate(value if isinstance(value, list) else []):
            yield from _empty_at(item, rest, pointer_join(base, i))
        return
    # A missing parent object leaves the fields beneath it empty (and a missing
    # repeating section has no items).
    child = value.get(head) if isinstance(value, dict) else None
    yield from _empty_at(child, rest, pointer_join(base, head))


# The transitions of sealed declarations (stored versions' workflows), by identity.
_TRANSITIONS: SealedCache[tuple[Transition, ...]] = SealedCache(256)
_DEFAULT_TRANSITIONS = tuple(Transition.from_json(t) for t in DEFAULT_WORKFLOW["transitions"])


def _transitions(spec: dict[str, Any]) -> tuple[Transition, ...]:
    """``spec``'s transitions, read once per stored version (a request builds its app's
    workflow several times: to check, to step, to answer, to email)."""
    if spec is DEFAULT_WORKFLOW:
        return _DEFAULT_TRANSITIONS
    found = _TRANSITIONS.get((spec,))
    if found is None:
        found = tuple(Transition.from_json(t) for t in spec["transitions"])
        _TRANSITIONS.put((spec,), found)
    return found


def missing_field_issues(
    workflow: Workflow,
    transition: Transition,
    schema: dict[str, Any],
    ui: dict[str, Any] | None,
    data: Any,
) -> list[Issue]:
    """One :class:`Issue` per field ``transition`` needs that is still empty in ``data``,
    at the field's own pointer (``/outcome``) and naming it by its title. A field the
    app's conditions hide for this data is not asked for: it could not be filled in."""
    required = workflow.required_fields(transition)
    if not required:
        return []
    hidden = evaluate(compile_rules(schema, ui), data).hidden
    issues: list[Issue] = []
    for pointer in empty_fields(data, required):
        if any(pointer == h or pointer.startswith(h + "/") for h in hidden):
            continue
        issues.append(
            Issue(
                pointer,
                f"Fill in {_label(schema, pointer)} to {transition.title.lower()}",
                "required_for_transition",
            )
        )
    return issues


def _label(schema: dict[str, Any], pointer: str) -> str:
    """A field's title, with the item number inside a repeating section."""
    field = find_field(schema, pointer)
    title = field.title if field is not None else pointer
    items = [int(t) + 1 for t in pointer_parts(pointer) if t.isdigit()]
    return f"{title!r} (item {items[-1]})" if items else repr(title)
