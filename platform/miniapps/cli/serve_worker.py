"""A gthread worker that no slow or idle client can hold.

Gunicorn's gthread worker gives a connection to a thread as soon as its first byte is
readable; the thread then blocks reading the rest of the request with no deadline, so
workers x threads sockets that send half a request line and wait freeze the server.

:class:`BufferedThreadWorker` reads each request's head (and a small body) without
blocking, in the worker's own poller, and hands the connection to a thread only once
they are in, pre-seeding the parser with the bytes read. A head must arrive within
:data:`HEAD_TIMEOUT_SECONDS` and :data:`HEAD_MAX_BYTES`; a body of up to
:data:`BODY_BUFFER_BYTES` within :data:`BODY_BUFFER_SECONDS` (else 408 or 431 and the
connection is closed). The rest of a larger body is read by the thread under a
minimum-rate deadline (as Apache's mod_reqtimeout does), and a client that stops
reading a response for :data:`SEND_TIMEOUT_SECONDS` is cut off, so no thread waits
on a client for long. A buffering proxy in front (docs/security.md) is still the
production set-up; this is the backstop.

Only plain HTTP/1.x is buffered this way; a TLS or HTTP/2 configuration (which
``miniapps serve`` never sets) falls back to gthread's behaviour.
"""

from __future__ import annotations

import contextlib
import re
import selectors
import socket
import time
from dataclasses import dataclass, field
from functools import partial

from gunicorn.http import RequestParser
from gunicorn.http.message import Request
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker
from werkzeug.exceptions import RequestTimeout

HEAD_TIMEOUT_SECONDS = 10.0
HEAD_MAX_BYTES = 64 * 1024
BODY_BUFFER_BYTES = 256 * 1024
BODY_BUFFER_SECONDS = 30.0
BODY_IDLE_SECONDS = 15.0
BODY_MIN_BYTES_PER_SECOND = 1024
SEND_TIMEOUT_SECONDS = 30.0
EXPIRY_SCAN_SECONDS = 0.25

_HEAD_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"[0-9]{1,12}")
_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Connection: close\r\nContent-Length: 0\r\n\r\n"
)


class BodyReadTimeout(RequestTimeout):
    """A request body stalled or trickled in too slowly while the application read it:
    Flask answers 408. (Not an OSError: werkzeug would turn that into a vague 400.)"""


class PacedSocketUnreader(SocketUnreader):
    """Socket reads with a deadline: no byte for BODY_IDLE_SECONDS, or fewer than
    BODY_MIN_BYTES_PER_SECOND on average after that grace, ends the request."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock)
        self.answering = False
        self.begin()

    def begin(self) -> None:
        """Restart the clock: called as each request is handed to a thread."""
        self.started = time.monotonic()
        self.received = 0

    def _expired(self) -> Exception:
        # Outside the application (gunicorn draining an unread body), a TimeoutError
        # makes gunicorn close the connection rather than reuse it.
        return BodyReadTimeout() if self.answering else TimeoutError("request body too slow")

    def chunk(self, size_hint: int | None = None) -> bytes:
        deadline = self.started + BODY_IDLE_SECONDS + self.received / BODY_MIN_BYTES_PER_SECOND
        wait = min(BODY_IDLE_SECONDS, deadline - time.monotonic())
        if wait <= 0:
            raise self._expired()
        previous = self.sock.gettimeout()
        # A caller's shorter bound (gunicorn's keep-alive body drain) still applies.
        self.sock.settimeout(min(wait, previous) if previous else wait)
        try:
            data = self.sock.recv(max(self.mxchunk, min(size_hint or 0, BODY_BUFFER_BYTES)))
        except TimeoutError:
            raise self._expired() from None
        finally:
            self.sock.settimeout(previous)
        self.received += len(data)
        return data


@dataclass
class _Preread:
    """A connection whose request is being read by the poller, not yet by a thread."""

    deadline: float
    data: bytearray = field(default_factory=bytearray)
    head_end: int | None = None  # index just past the blank line ending the head
    wanted: int = 0  # bytes to hold before a thread takes over (head + buffered body)


class BufferedThreadWorker(ThreadWorker):
    """gthread, with each request head and small body read in the poller first."""

    def init_process(self) -> None:
        cfg = self.cfg
        self.prereads: dict[TConn, _Preread] = {}
        self.next_expiry_scan = 0.0
        self.buffering = (
            not cfg.is_ssl
            and getattr(cfg, "protocol", "http") == "http"
            and "h2" not in getattr(cfg, "http_protocols", "h1")
        )
        if not self.buffering:
            self.log.warning("TLS or HTTP/2 configured: request heads are read by threads")
        super().init_process()

    def enqueue_req(self, conn: TConn) -> None:
        if not self.buffering or conn.is_http2:
            super().enqueue_req(conn)
            return
        # Keep-alive and pipelined requests come back here too, with read-ahead bytes.
        parser = conn.parser
        ahead = parser.unreader.take_buffered() if isinstance(parser, RequestParser) else b""
        state = _Preread(time.monotonic() + HEAD_TIMEOUT_SECONDS)
        conn.sock.setblocking(False)
        self.prereads[conn] = state
        if self._take(conn, state, ahead):
            return
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
        self._on_readable(conn, conn.sock)

    def _on_readable(self, conn: TConn, _sock: socket.socket) -> None:
        state = self.prereads.get(conn)
        if state is None:
            return
        room = max(state.wanted, HEAD_MAX_BYTES + 1) - len(state.data)
        try:
            data = conn.sock.recv(max(room, 1))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn)
            return
        if not data:
            self._drop(conn)  # the client went away
            return
        self._take(conn, state, data)

    def _take(self, conn: TConn, state: _Preread, data: bytes) -> bool:
        """Add ``data``; hand the connection on (or refuse it) once enough is in.
        Whether the poller is done with it."""
        searched = max(0, len(state.data) - len(_HEAD_END) + 1)
        state.data += data
        if state.head_end is None:
            if state.data.startswith((b"\r", b"\n")):
                # Empty lines before a request line are ignored (RFC 9112 section 2.2).
                state.data = bytearray(state.data.lstrip(b"\r\n"))
                searched = 0
            # Only the new bytes (and three before them) are scanned: a head sent a byte
            # at a time costs linear time, not quadratic.
            found = state.data.find(_HEAD_END, searched)
            if found < 0:
                if len(state.data) > HEAD_MAX_BYTES:
                    self._drop(conn, _HEAD_TOO_LARGE)
                    return True
                return False
            state.head_end = found + len(_HEAD_END)
            state.wanted = state.head_end + _body_to_buffer(bytes(state.data[: state.head_end]))
            state.deadline = time.monotonic() + BODY_BUFFER_SECONDS
        if len(state.data) < state.wanted:
            return False
        self._hand_off(conn, state)
        return True

    def _hand_off(self, conn: TConn, state: _Preread) -> None:
        self._forget(conn)
        parser = conn.parser
        if not isinstance(parser, RequestParser):  # a new connection (plain HTTP/1.x only)
            parser = conn.parser = RequestParser(self.cfg, conn.sock, conn.client)
            parser.unreader = PacedSocketUnreader(conn.sock)
        parser.unreader.unread(bytes(state.data))
        conn.data_ready = True  # gthread's own wait for a first byte is not needed
        super().enqueue_req(conn)

    def _forget(self, conn: TConn) -> None:
        if self.prereads.pop(conn, None) is not None:
            # Not registered when handed on straight from read-ahead.
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)

    def _drop(self, conn: TConn, answer: bytes = b"") -> None:
        self._forget(conn)
        if answer:
            with contextlib.suppress(OSError):
                conn.sock.send(answer)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        if now < self.next_expiry_scan:  # called after every poller wake-up: scan less
            return
        self.next_expiry_scan = now + EXPIRY_SCAN_SECONDS
        for conn, state in list(self.prereads.items()):
            if state.deadline <= now:
                # Silence for a connection that never started a request.
                self._drop(conn, _REQUEST_TIMEOUT if state.data else b"")

    def handle_request(self, req: Request, conn: TConn) -> bool:
        unreader = conn.parser.unreader if isinstance(conn.parser, RequestParser) else None
        paced = unreader if isinstance(unreader, PacedSocketUnreader) else None
        if paced is not None:
            paced.begin()
            paced.answering = True
        # Writes too: a client that stops reading the answer frees its thread.
        conn.sock.settimeout(SEND_TIMEOUT_SECONDS)
        try:
            return super().handle_request(req, conn)
        finally:
            if paced is not None:
                paced.answering = False


def _body_to_buffer(head: bytes) -> int:
    """How much of the body to read before a thread takes over: the declared length up
    to BODY_BUFFER_BYTES. Nothing when the head is unusual (chunked, Expect, repeated or
    odd lengths): gunicorn's parser, which decides what the request is, then reads it
    under the thread's deadlines. This only sizes a read-ahead; it never interprets."""
    lengths: list[bytes] = []
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name in (b"transfer-encoding", b"expect"):
            return 0
        if name == b"content-length":
            lengths.append(value.strip())
    if len(lengths) != 1 or not _CONTENT_LENGTH.fullmatch(lengths[0]):
        return 0
    return min(int(lengths[0]), BODY_BUFFER_BYTES)
