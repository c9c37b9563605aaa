"""The live stream (``/inbox/stream``): server-sent events over a database poll, read
chunk by chunk through the test client with a short stream lifetime."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from miniapps.models import User
from miniapps.web.inbox.stream import StreamTiming, events
from werkzeug.test import TestResponse

from tests.fixtures_channels import PASSWORD

EVENT = re.compile(r"^id: (?P<id>\S+)\nevent: (?P<kind>\w+)\ndata: (?P=id)\n\n$")


@pytest.fixture
def quick_stream(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "INBOX_POLL_SECONDS", 0.01)
    monkeypatch.setitem(app.config, "INBOX_STREAM_SECONDS", 2)


def signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code
    return client


def open_stream(client: FlaskClient, **headers: str) -> tuple[TestResponse, Iterator[bytes]]:
    response = client.get("/inbox/stream", headers=headers, buffered=False)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response, response.iter_encoded()


def next_event(chunks: Iterator[bytes]) -> tuple[str, str]:
    """The next ``(kind, marker)`` event, skipping heartbeats."""
    for chunk in chunks:
        text = chunk.decode()
        if text.startswith(":"):
            continue
        found = EVENT.match(text)
        assert found, text
        return found["kind"], found["id"]
    raise AssertionError("the stream ended")


def test_the_stream_sends_a_change_after_a_new_item(
    app, quick_stream, send_concern, stakeholder_users
) -> None:
    client = signed_in(app, stakeholder_users["LAADULT"])
    response, chunks = open_stream(client)
    try:
        assert response.mimetype == "text/event-stream"
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["X-Accel-Buffering"] == "no"
        assert next(chunks) == b"retry: 1000\n\n"
        kind, first = next_event(chunks)
        assert kind == "ready"
        send_concern("adult")
        kind, moved = next_event(chunks)
        assert kind == "change" and moved != first
        assert moved.endswith("-1")  # one item now
    finally:
        response.close()


def test_a_change_for_someone_else_moves_nothing_and_the_stream_ends(
    app, quick_stream, send_concern, stakeholder_users
) -> None:
    client = signed_in(app, stakeholder_users["LAKIDS"])
    response, chunks = open_stream(client)
    next(chunks)
    assert next_event(chunks)[0] == "ready"
    send_concern("adult")  # to the adult team, not the children's
    rest = b"".join(chunks).decode()  # runs until INBOX_STREAM_SECONDS
    assert "event:" not in rest
    response.close()


def test_a_reconnect_with_an_old_marker_hears_the_change_at_once(
    app, quick_stream, send_concern, stakeholder_users
) -> None:
    client = signed_in(app, stakeholder_users["LAADULT"])
    response, chunks = open_stream(client)
    next(chunks)
    _, before = next_event(chunks)
    response.close()
    send_concern("adult")  # while no stream is open
    response, chunks = open_stream(client, **{"Last-Event-ID": before})
    next(chunks)
    kind, after = next_event(chunks)
    assert kind == "change" and after != before
    response.close()
    # The page's own marker, given as ?since=, works the same for the first connection.
    page = client.get("/inbox").get_data(as_text=True)
    since = re.search(r'data-stream-url="/inbox/stream\?since=([^"]+)"', page)
    assert since is not None and since[1] == after


def test_events_heartbeat_when_quiet_and_end_in_time() -> None:
    now = [0.0]
    polls = []

    def read() -> str:
        polls.append(now[0])
        return "m1"

    def sleep(seconds: float) -> None:
        now[0] += seconds

    timing = StreamTiming(seconds=40, poll=1, heartbeat=15)
    out = list(events(read, "m1", timing, clock=lambda: now[0], sleep=sleep))
    assert out[0] == "retry: 1000\n\n"
    assert out[1] == "id: m1\nevent: ready\ndata: m1\n\n"
    assert out[2:] == [": heartbeat\n\n", ": heartbeat\n\n"]  # at 15 s and 30 s
    assert polls[-1] == 40 and len(polls) == 41  # one poll a second, then it ends


def test_events_end_when_the_user_loses_access() -> None:
    answers = iter(["m1", None])
    out = list(events(lambda: next(answers), None, StreamTiming(poll=0), sleep=lambda _: None))
    assert out == [
        "retry: 1000\n\n",
        "id: m1\nevent: ready\ndata: m1\n\n",
        "event: end\ndata: end\n\n",
    ]
