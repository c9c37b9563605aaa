"""Where webhooks may post: the URL rules checked when one is registered and again before
every delivery (an address can change between the two).

A webhook URL is ``https`` with a host name or a public IP address, no user name or
password, no fragment, at most :data:`MAX_URL_LENGTH` characters. Every address its host
resolves to must be public: private, loopback, link-local, multicast, reserved and
unspecified addresses are refused, so a webhook cannot reach into the platform's own
network. Hosts listed in the ``WEBHOOK_INSECURE_HOSTS`` setting (comma-separated;
local receivers and tests) may use plain ``http`` and any address.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH = 2000
INSECURE_HOSTS_SETTING = "WEBHOOK_INSECURE_HOSTS"
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_-]{1,63}$"
)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses to try; raises OSError when the name does not resolve.
Resolver = Callable[[str, int], list[str]]


class UrlRefused(Exception):
    """The URL breaks a rule; the message says which, in plain words."""


@dataclass(frozen=True)
class WebhookTarget:
    """A URL that passed the rules, with the addresses to connect to (checked, in order)."""

    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def insecure_hosts(config: Mapping[str, Any]) -> frozenset[str]:
    """The hosts allowed over http and at any address, from the setting (a comma-separated
    string, as the environment gives it, or a list)."""
    raw = config.get(INSECURE_HOSTS_SETTING) or ""
    if not isinstance(raw, list | tuple | set | frozenset):
        raw = str(raw).split(",")  # the environment's JSON coercion may give a number
    parts: Iterable[Any] = raw
    return frozenset(_bare_host(str(part)) for part in parts if str(part).strip())


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, as the system resolver gives them (IP literals as they are)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


def check_url(
    url: str, insecure: frozenset[str], resolver: Resolver | None = None
) -> WebhookTarget:
    """The URL as a :class:`WebhookTarget` if it may be posted to now; else
    :class:`UrlRefused`. Resolves the host (unless it is listed as insecure) with
    ``resolver``, by default :func:`resolve`."""
    parts = _split(url)
    host = _bare_host(parts.hostname or "")
    listed = host in insecure
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and listed):
        raise UrlRefused(
            f"The URL must start with https:// (got {scheme or 'no scheme'}): webhooks carry "
            "record data, so they are only sent encrypted."
        )
    port = _port(parts, scheme)
    literal = _ip(host)
    if literal is None and not _HOST_NAME.match(host):
        raise UrlRefused(
            f"{host!r} is not a valid host name (write an international name in its xn-- form)."
        )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if listed:
        return WebhookTarget(scheme, host, port, target, (host,) if literal else ())
    try:
        addresses = [literal.compressed] if literal else (resolver or resolve)(host, port)
    except OSError as exc:
        raise UrlRefused(f"The host {host} could not be resolved ({_reason(exc)}).") from exc
    if not addresses:
        raise UrlRefused(f"The host {host} has no address.")
    for address in addresses:
        refusal = address_refusal(address)
        if refusal is not None:
            shown = host if literal else f"{host} ({address})"
            raise UrlRefused(
                f"The address of {shown} is {refusal}: webhooks are only sent to public "
                "addresses (an administrator can allow a local host)."
            )
    return WebhookTarget(scheme, host, port, target, tuple(addresses))


def connect_addresses(target: WebhookTarget, resolver: Resolver | None = None) -> list[str]:
    """Where to connect: the checked addresses, or for a listed host named by name, its
    addresses now (raises OSError when it does not resolve)."""
    return list(target.addresses) or (resolver or resolve)(target.host, target.port)


def address_refusal(address: str) -> str | None:
    """Why ``address`` may not be posted to (``"private"``, ``"loopback"``, ...), or None
    for a public address."""
    ip: IpAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    checks = (
        ("an unspecified address", ip.is_unspecified),
        ("a loopback address", ip.is_loopback),
        ("a link-local address", ip.is_link_local),
        ("a multicast address", ip.is_multicast),
        ("a private address", ip.is_private),
        ("a reserved address", ip.is_reserved),
    )
    for refusal, applies in checks:
        if applies:
            return refusal
    return None if ip.is_global else "not a public address"


def _split(url: str) -> SplitResult:
    if not url.strip():
        raise UrlRefused("Give the URL the events are posted to.")
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UrlRefused("The URL must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UrlRefused(f"The URL is not valid ({exc}).") from exc
    if not parts.scheme or not parts.netloc:
        raise UrlRefused("Give a full URL such as https://hooks.example.org/miniapps.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UrlRefused("The URL must not contain a user name or password.")
    if parts.fragment or url.endswith("#"):
        raise UrlRefused("The URL must not have a #fragment.")
    if not parts.hostname:
        raise UrlRefused("The URL has no host.")
    return parts


def _port(parts: SplitResult, scheme: str) -> int:
    try:
        port = parts.port
    except ValueError as exc:
        raise UrlRefused("The URL's port must be a number from 1 to 65535.") from exc
    if port == 0:
        raise UrlRefused("The URL's port must be a number from 1 to 65535.")
    return port or (443 if scheme == "https" else 80)


def _bare_host(host: str) -> str:
    """Lower case, without IPv6 brackets or a trailing dot."""
    return host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")


def _ip(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _reason(exc: OSError) -> str:
    return str(exc.args[-1]) if exc.args else type(exc).__name__
