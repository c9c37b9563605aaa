"""What an email about a record says of the occurrence besides the record itself: the
kind of event and, for a workflow step, the step in the past tense and who commented.
Pure: no database (the record's own part is :func:`~.events.record_context`)."""

from __future__ import annotations

from typing import Any

from miniapps.core.records.history import done_title
from miniapps.core.workflow import Transition
from miniapps.models import User


def event_context(event: str, **values: Any) -> dict[str, Any]:
    """What ``email/record_event`` needs besides :func:`~.events.record_context`: the kind
    of event (``created``, ``status``, ``commented``, ``overdue``) and empty defaults."""
    kind = event.partition(":")[0]
    kind = "status" if kind in ("action", "state", "submitted") else kind
    return {
        "kind": kind,
        "status_title": None,
        "actor_name": None,
        "due": None,
        "step_done": None,
        "commented_by": None,
        **values,
    }


def step_context(transition: Transition, actor: User | None, commented: bool) -> dict[str, Any]:
    """What an email about a workflow step says of it: the step in the past tense
    ("returned for changes") and, when the step came with a comment, who wrote it. Never
    the comment itself: it stays behind sign-in."""
    return {
        "step_done": done_title(transition.title).lower(),
        "commented_by": actor.name if commented and actor is not None else None,
    }
