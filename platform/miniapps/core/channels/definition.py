"""A definition's ``channels`` entries as values: when one sends a record, to whom, and
which workflow steps stop its clocks.

A channel *fires* on one occurrence (a step's events: ``action:<a>``, ``state:<s>``,
maybe ``submitted``; or ``created``) when ``send_on`` is among them and ``when`` (the
``show_if`` condition language) matches the record's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from miniapps.core.forms.condition_language import matches
from miniapps.core.workflow import Transition, Workflow

STAKEHOLDER, PROVIDER = "stakeholder", "provider"


@dataclass(frozen=True)
class Sla:
    acknowledge_working_days: int | None = None
    acknowledge_hours: float | None = None
    urgent_when: Any = None  # a condition; None: acknowledge_hours (if any) always applies
    decide_working_days: int | None = None
    acknowledged_by: tuple[str, ...] | None = None  # None: the first stakeholder-side action
    decided_by: tuple[str, ...] | None = None  # None: reaching a final state
    escalate_to: tuple[str, ...] = ()
    escalate_after_hours: float = 0.0

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> Sla:
        raw = raw or {}
        acknowledged_by = raw.get("acknowledged_by")
        decided_by = raw.get("decided_by")
        return cls(
            acknowledge_working_days=raw.get("acknowledge_working_days"),
            acknowledge_hours=raw.get("acknowledge_hours"),
            urgent_when=raw.get("urgent_when"),
            decide_working_days=raw.get("decide_working_days"),
            acknowledged_by=tuple(acknowledged_by) if acknowledged_by is not None else None,
            decided_by=tuple(decided_by) if decided_by is not None else None,
            escalate_to=tuple(raw.get("escalate_to") or ()),
            escalate_after_hours=float(raw.get("escalate_after_hours") or 0),
        )

    def urgent(self, data: Any) -> bool:
        """Whether the acknowledge clock counts hours for ``data``."""
        if self.acknowledge_hours is None:
            return False
        return self.urgent_when is None or matches(self.urgent_when, data)

    def acknowledges(self, transition: Transition, acknowledged_before: bool) -> bool:
        """Whether taking ``transition`` stops the acknowledge clock."""
        if self.acknowledged_by is not None:
            return transition.action in self.acknowledged_by
        return transition.side == STAKEHOLDER and not acknowledged_before

    def decides(self, transition: Transition, workflow: Workflow) -> bool:
        """Whether taking ``transition`` stops the decide clock."""
        if self.decided_by is not None:
            return transition.action in self.decided_by
        return workflow.is_final(transition.target)


@dataclass(frozen=True)
class Channel:
    id: str
    title: str
    send_on: str
    stakeholder_types: tuple[str, ...] = ()
    stakeholder_orgs: tuple[str, ...] = ()
    when: Any = None
    sla: Sla = Sla()
    category_field: str | None = None
    description: str = ""

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Channel:
        return cls(
            id=raw["id"],
            title=raw["title"],
            send_on=raw["send_on"],
            stakeholder_types=tuple(raw.get("stakeholder_types") or ()),
            stakeholder_orgs=tuple(raw.get("stakeholder_orgs") or ()),
            when=raw.get("when"),
            sla=Sla.from_json(raw.get("sla")),
            category_field=raw.get("category_field"),
            description=raw.get("description") or "",
        )

    def fires(self, events: Sequence[str], data: Any) -> bool:
        """Whether this channel sends a record whose step raised ``events``."""
        if self.send_on not in events:
            return False
        return self.when is None or matches(self.when, data)


def channels_of(raw: Sequence[dict[str, Any]] | None) -> list[Channel]:
    return [Channel.from_json(entry) for entry in raw or ()]


def channel_titles(raw: Sequence[dict[str, Any]] | None) -> dict[str, str]:
    return {channel.id: channel.title for channel in channels_of(raw)}
