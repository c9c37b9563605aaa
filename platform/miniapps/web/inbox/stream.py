"""The inbox's live stream: server-sent events over a cheap database poll.

Each poll opens its own short session (and so its own short transaction), reads the
user's change marker (:func:`latest_change`) and closes it: a stream holds no connection
and no transaction between polls, and any worker of any process can serve it, since the
database is the only thing they share. A stream ends after ``seconds`` (the browser's
``EventSource`` reconnects after ``retry``), so it never holds a worker thread for long;
the marker travels as the event id, and a reconnecting browser sends it back as
``Last-Event-ID``, so nothing that changed in between is missed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask

from miniapps.db import db
from miniapps.services.channels.inbox import latest_change, sees_items
from miniapps.services.permissions import Access
from miniapps.services.users import active_user

RETRY_MS = 1000


@dataclass(frozen=True)
class StreamTiming:
    seconds: float = 55.0  # how long one stream lasts
    poll: float = 0.5  # between database polls
    heartbeat: float = 15.0  # a comment line keeps proxies from closing a quiet stream

    @classmethod
    def from_config(cls, config: dict[str, object]) -> StreamTiming:
        def number(key: str, default: float) -> float:
            value = config.get(key, default)
            return float(value) if isinstance(value, int | float | str) else default

        return cls(
            seconds=number("INBOX_STREAM_SECONDS", cls.seconds),
            poll=number("INBOX_POLL_SECONDS", cls.poll),
            heartbeat=number("INBOX_HEARTBEAT_SECONDS", cls.heartbeat),
        )


def marker(change: tuple[datetime | None, int]) -> str:
    """An opaque marker that moves whenever an item arrives or changes: the last change
    (UTC, to the microsecond) and the number of items."""
    changed, count = change
    if changed is None:
        return f"0-{count}"
    if changed.tzinfo is not None:
        changed = changed.astimezone(UTC)
    return f"{changed:%Y%m%dT%H%M%S%f}-{count}"


def user_marker(app: Flask, user_id: int) -> str | None:
    """The marker of everything ``user_id`` may see now, read in a session of its own;
    None when the user has gone (deactivated) or sees no items any more."""
    with app.app_context():
        session = db.new_session(app, writes=False)  # a read: never waits for writers
        try:
            user = active_user(session, user_id)
            if user is None:
                return None
            access = Access(user)
            if not sees_items(access):
                return None
            return marker(latest_change(session, access))
        finally:
            session.close()  # ends the transaction; the connection goes back to the pool


def events(
    read_marker: Callable[[], str | None],
    since: str | None,
    timing: StreamTiming,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """The event stream: ``retry``, then a first event (``change`` when the marker has
    moved since ``since``, else ``ready``), then ``change`` each time it moves, a comment
    heartbeat when quiet, until ``timing.seconds`` have passed."""
    yield f"retry: {RETRY_MS}\n\n"
    start = clock()
    quiet_since = start
    last = since
    first = True
    while True:
        current = read_marker()
        if current is None:
            yield "event: end\ndata: end\n\n"
            return
        now = clock()
        if current != last or first:
            kind = "change" if last is not None and current != last else "ready"
            yield f"id: {current}\nevent: {kind}\ndata: {current}\n\n"
            last, first, quiet_since = current, False, now
        elif now - quiet_since >= timing.heartbeat:
            yield ": heartbeat\n\n"
            quiet_since = now
        if now - start >= timing.seconds:
            return
        sleep(timing.poll)
