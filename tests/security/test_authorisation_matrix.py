"""The authorisation matrix: every route of the app x every role x another ICB's objects.

Routes come from the URL map (a new route is covered without anyone remembering; one
whose URL variable the fillers cannot fill fails here until it gets an entry). Each role
of the test ICB (and anonymous) opens every route with the victims' ids, by every method
the route has, and:

- nothing answers 500;
- no response (body or headers) carries the victims' marker or their score (a value, a
  file, an export row or a sum that included their records);
- no email is queued that carries the marker or goes to a victim because of an attacker;
- a URL naming the victims' object is answered exactly as one naming an object that does
  not exist (never 403 where that is 404: one may not learn that it exists);
- anonymous gets the sign-in redirect (pages) or 401 (API), bar the few public routes.

The platform admin's role spans the platform: for them only "no 500" holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.models import OutboxMessage
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.security.conftest import Seeded, client_for
from tests.security.matrix_routes import (
    CREDENTIAL_ENDPOINTS,
    PUBLIC,
    Route,
    app_routes,
    contexts,
    foreign_url,
    missing_url,
    names_an_object,
    unfilled,
)
from tests.security.matrix_world import ATTACKERS, MARKER, SCORE

ROUTES = app_routes()
ROLES = (*ATTACKERS, "anonymous")
# What shows a victim's data, as text found in a body or header. The score is looked for
# as a number standing alone: random tokens (a CSP nonce, a CSRF token) may hold its digits.
LEAKS = tuple(
    re.compile(pattern)
    for pattern in (
        re.escape(MARKER),
        re.escape(MARKER.lower()),
        *(rf"(?<![\w+/-]){re.escape(number)}(?![\w+/-])" for number in (str(SCORE), f"{SCORE:,}")),
    )
)
# A form that tries to reach into the victims' organisation wherever a field names one.
FORM = {
    "action": "approve",
    "body": "Looks fine",
    "comment": "Looks fine",
    "note": "A note",
    "score": "1",
    "organisation": "A00099",
    "ods": "A00099",
    "period": "2026-01",
    "email": "new.person@example.nhs.uk",
    "name": "New Person",
    "role": "practice_staff",
    "confirm": "yes",
}
JSON = {"data": {"note": "A note"}, "organisation": "A00099", "action": "approve", "body": "x"}
# Known faults other helpers are fixing, by (endpoint, role or "*"): the reason. Their
# findings make the test xfail (naming the fault); remove the entry once it is fixed.
KNOWN: dict[tuple[str, str], str] = {
    # e.g. ("apps.attachment", "icb_viewer"): "fault 4, fixed by the files helper: ...",
}


@dataclass
class Findings:
    endpoint: str
    items: list[str] = field(default_factory=list)
    known: dict[str, list[str]] = field(default_factory=dict)  # reason -> findings

    def add(self, role: str, method: str, url: str, what: str) -> None:
        line = f"{role:16} {method:6} {url}: {what}"
        reason = KNOWN.get((self.endpoint, role)) or KNOWN.get((self.endpoint, "*"))
        if reason:
            self.known.setdefault(reason, []).append(line)
        else:
            self.items.append(line)


def test_the_matrix_covers_every_route_and_role() -> None:
    # The count goes in the report; at least the routes known when the matrix was written.
    assert len(ROUTES) >= 90 and len(ROLES) == 7
    print(f"matrix: {len(ROUTES)} routes x {len(ROLES)} roles = {len(ROUTES) * len(ROLES)}")


def test_a_random_token_holding_the_scores_digits_is_no_leak() -> None:
    def shown(text: str) -> bool:
        return any(leak.search(text) for leak in LEAKS)

    assert not shown(f'<script nonce="2bF{SCORE}kE0kZvHv3iNcrsSNw">')
    assert not shown(f"csrf=Ab{SCORE}_x; n={SCORE}7")
    assert shown(f"<td>{SCORE}</td>") and shown(f'"score": {SCORE},') and shown(f"{SCORE:,} points")
    assert shown(f"{MARKER} draft")


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_route_keeps_other_organisations_out(route: Route, isolated: Seeded) -> None:
    missing = unfilled(route)
    assert not missing, (
        f"{route.rule} has URL variables {missing} the matrix cannot fill: add a victim's "
        "object to FILLERS and MISSING in tests/security/matrix_routes.py"
    )
    findings = Findings(route.endpoint)
    for role in ROLES:
        client = client_for(isolated, role)
        for context in contexts(isolated.world, route):
            url = foreign_url(route, isolated.world, context)
            for method in route.methods:
                answer = _try(isolated, findings, client, role, method, url, route)
                if answer is None or role == "platform_admin":
                    continue
                if role == "anonymous":
                    _signed_out(findings, route, method, url, answer)
                    continue
                if route.endpoint in CREDENTIAL_ENDPOINTS:
                    continue
                if names_an_object(route, context, isolated.world):
                    unknown = missing_url(route, isolated.world, context)
                    other = _try(isolated, findings, client, role, method, unknown, route)
                    if other is not None:
                        _indistinguishable(findings, role, method, url, answer, other)
    assert not findings.items, "\n" + "\n".join(findings.items)
    if findings.known:
        pytest.xfail("; ".join(findings.known))


def _try(
    seeded: Seeded,
    findings: Findings,
    client: FlaskClient,
    role: str,
    method: str,
    url: str,
    route: Route,
) -> TestResponse | None:
    """Send one request; note a 500, a leak, or an email it queued that it should not."""
    before = _last_message(seeded)
    kwargs: dict[str, Any] = {}
    if route.is_api:
        if role != "anonymous":
            kwargs["headers"] = {"Authorization": f"Bearer {seeded.tokens[role]}"}
        if method in ("POST", "PATCH"):
            kwargs["json"] = JSON
    elif method == "POST":
        kwargs["data"] = FORM
    stream = route.endpoint == "inbox.stream"
    try:
        answer = client.open(url, method=method, buffered=not stream, **kwargs)
    except Exception as exc:  # the app let an exception out: a 500 in production
        findings.add(role, method, url, f"raised {type(exc).__name__}: {exc}")
        return None
    body = _body(answer, stream)
    if answer.status_code >= 500:
        findings.add(role, method, url, f"{answer.status_code}: {body[:300]}")
        return None
    if role != "platform_admin" and route.endpoint not in CREDENTIAL_ENDPOINTS:
        headers = "\n".join(f"{k}: {v}" for k, v in answer.headers.items())
        for leak in LEAKS:
            found = leak.search(body) or leak.search(headers)
            if found is not None:
                text = found.string
                at = found.start()
                findings.add(
                    role,
                    method,
                    url,
                    f"shows {found.group()!r}: …{text[max(at - 80, 0) : at + 40]}…",
                )
        for message in _messages_since(seeded, before):
            text = f"{message.subject}\n{message.body_text}\n{message.body_html or ''}"
            if MARKER in text or message.to_address in seeded.world.victim_emails:
                findings.add(role, method, url, f"queued an email to {message.to_address}")
    return answer


def _body(answer: TestResponse, stream: bool) -> str:
    try:
        if stream:
            chunk = next(iter(answer.response), b"")
            return chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else str(chunk)
        return answer.get_data().decode("utf-8", "replace")
    finally:
        answer.close()


def _signed_out(findings: Findings, route: Route, method: str, url: str, answer: Any) -> None:
    if route.endpoint in PUBLIC:
        return
    if route.is_api or route.endpoint == "inbox.stream":
        if answer.status_code != 401:
            findings.add("anonymous", method, url, f"{answer.status_code}, not 401")
        return
    location = answer.headers.get("Location", "")
    if answer.status_code not in (302, 303) or "/auth/login" not in location:
        findings.add("anonymous", method, url, f"{answer.status_code} {location!r}, not sign-in")


def _indistinguishable(
    findings: Findings, role: str, method: str, url: str, foreign: Any, unknown: Any
) -> None:
    if foreign.status_code == 403 and unknown.status_code == 404:
        findings.add(role, method, url, "403 where an unknown object is 404: reveals it exists")
    elif foreign.status_code != unknown.status_code:
        findings.add(
            role,
            method,
            url,
            f"{foreign.status_code}, but {unknown.status_code} for an unknown object",
        )


def _last_message(seeded: Seeded) -> int:
    with seeded.session() as session:
        return int(session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0))) or 0)


def _messages_since(seeded: Seeded, last: int) -> list[OutboxMessage]:
    with seeded.session() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.id > last)))
