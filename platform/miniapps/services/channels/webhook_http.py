"""One webhook POST with the standard library: the URL checked against the rules now,
the connection made to the checked addresses only (no second lookup a DNS change could
turn towards a private address), certificates verified for the URL's host name, no
redirects followed, every socket operation bounded by a timeout."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from functools import cache

from miniapps.services.channels.webhook_policy import (
    Resolver,
    UrlRefused,
    check_url,
    connect_addresses,
)

MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class Posted:
    """How one POST went: ``status`` is the HTTP status when there was an answer."""

    status: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedConnection(http.client.HTTPConnection):
    """Plain HTTP to one of ``addresses`` (tried in order); ``Host`` names the URL's host."""

    def __init__(self, host: str, port: int, addresses: tuple[str, ...], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        failure: OSError | None = None
        for address in self._addresses:
            try:
                self.sock = socket.create_connection((address, self.port), self.timeout)
                return
            except OSError as exc:
                failure = exc
        raise failure or OSError("no address to connect to")


class _PinnedTlsConnection(_PinnedConnection):
    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        super().connect()
        self.sock = _tls_context().wrap_socket(self.sock, server_hostname=self.host)


@cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def post_json(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    insecure: frozenset[str],
    timeout: float,
    resolver: Resolver | None = None,
) -> Posted:
    """POST ``body`` to ``url``; never raises for the receiver's or the network's faults."""
    started = time.monotonic()

    def done(status: int | None, error: str | None) -> Posted:
        elapsed = int((time.monotonic() - started) * 1000)
        return Posted(status, error[:MAX_ERROR_LENGTH] if error else None, elapsed)

    try:
        target = check_url(url, insecure, resolver)
        addresses = tuple(connect_addresses(target, resolver))
    except UrlRefused as exc:
        return done(None, f"refused: {exc}")
    except OSError as exc:
        return done(None, f"the host could not be resolved: {exc}")
    kind = _PinnedTlsConnection if target.scheme == "https" else _PinnedConnection
    connection = kind(target.host, target.port, addresses, timeout)
    try:
        connection.request("POST", target.target, body=body, headers=headers)
        # Only the status matters: the answer's body is never read.
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        return done(None, _described(exc))
    finally:
        connection.close()
    return done(status, None if 200 <= status < 300 else f"HTTP {status}")


def _described(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return f"{type(exc).__name__}: {exc}"
