"""The webhook URL rules, the signature and the backoff schedule, without a database."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from miniapps.services.channels.webhook_delivery import retry_delay, signature
from miniapps.services.channels.webhook_policy import (
    UrlRefused,
    address_refusal,
    check_url,
    connect_addresses,
    insecure_hosts,
)


def test_insecure_hosts_come_from_a_comma_separated_setting_or_a_list() -> None:
    assert insecure_hosts({}) == frozenset()
    assert insecure_hosts({"WEBHOOK_INSECURE_HOSTS": ""}) == frozenset()
    setting = {"WEBHOOK_INSECURE_HOSTS": " 127.0.0.1, LocalHost ,,"}
    assert insecure_hosts(setting) == {"127.0.0.1", "localhost"}
    assert insecure_hosts({"WEBHOOK_INSECURE_HOSTS": 7}) == {"7"}
    assert insecure_hosts({"WEBHOOK_INSECURE_HOSTS": ["[::1]", "hooks.test."]}) == {
        "::1",
        "hooks.test",
    }


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("93.184.215.14", None),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None),
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("fd00::1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),
        ("239.255.255.250", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("::ffff:192.168.1.1", "a private address"),
        ("240.0.0.1", "a private address"),  # reserved, and listed as private too
        ("100.64.0.1", "not a public address"),
    ],
)
def test_address_refusals(address: str, refusal: str | None) -> None:
    assert address_refusal(address) == refusal


def test_every_address_of_a_host_must_be_public() -> None:
    def resolver(host: str, port: int) -> list[str]:
        assert port == 8443
        return {"ok.example": ["93.184.215.14"], "mixed.example": ["93.184.215.14", "10.9.9.9"]}[
            host
        ]

    target = check_url("https://OK.example:8443/in?x=1", frozenset(), resolver)
    assert (target.scheme, target.host, target.port) == ("https", "ok.example", 8443)
    assert (target.target, target.addresses) == ("/in?x=1", ("93.184.215.14",))
    with pytest.raises(UrlRefused, match=r"mixed\.example \(10\.9\.9\.9\) is a private"):
        check_url("https://mixed.example:8443/", frozenset(), resolver)


def test_a_listed_host_is_resolved_when_posting_not_checked() -> None:
    target = check_url("http://receiver.local/in", frozenset({"receiver.local"}))
    assert (target.port, target.addresses) == (80, ())
    assert connect_addresses(target, lambda host, port: ["10.1.1.1"]) == ["10.1.1.1"]
    literal = check_url("http://127.0.0.1:9/", frozenset({"127.0.0.1"}))
    assert connect_addresses(literal, lambda host, port: []) == ["127.0.0.1"]


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "https://",
        "https:///path",
        "https://bad_host!/",
        "https://a..b/",
        "https://é.fr/",
    ],
)
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(UrlRefused):
        check_url(url, frozenset(), lambda host, port: ["93.184.215.14"])


def test_the_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = '{"event":"item.sent","note":"café"}'.encode()
    expected = hmac.new(b"k" * 16, body, hashlib.sha256).hexdigest()
    assert signature("k" * 16, body) == f"sha256={expected}"


def test_the_backoff_grows_fourfold_up_to_eight_hours() -> None:
    waits = [retry_delay(n) // timedelta(minutes=1) for n in range(1, 9)]
    assert waits == [1, 4, 16, 64, 256, 480, 480, 480]
    # Eight attempts (seven waits) span about a day.
    assert timedelta(minutes=sum(waits[:7])) == timedelta(hours=21, minutes=41)
