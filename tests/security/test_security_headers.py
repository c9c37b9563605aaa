"""Issue 15, fault 13: security headers on every response.

Before the fix no response carried any of them."""

from __future__ import annotations

import io
import re

from flask import Flask, send_file
from flask.testing import FlaskClient
from miniapps.models import Record, User
from miniapps.web.security_headers import add_security_headers
from werkzeug.test import TestResponse

from tests.conftest import PASSWORD

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def _directives(response: TestResponse) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def _assert_common(response: TestResponse) -> dict[str, str]:
    """The headers every response carries; its CSP directives."""
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # plain http: no HSTS
    directives = _directives(response)
    assert directives["frame-ancestors"] == "'none'"
    assert "base-uri" in directives
    return directives


def _assert_page_policy(response: TestResponse) -> str:
    """A page's policy: scripts from here or with this response's nonce; the nonce."""
    directives = _assert_common(response)
    script_src = directives["script-src"].split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    nonces = [source for source in script_src if source.startswith("'nonce-")]
    assert len(nonces) == 1 and set(script_src) == {"'self'", nonces[0]}
    assert directives["object-src"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["style-src"]
    assert response.headers["Cache-Control"] == "no-store"
    return nonces[0].removeprefix("'nonce-").removesuffix("'")


def test_a_page_allows_only_its_own_and_nonced_scripts(client: FlaskClient) -> None:
    first, second = client.get("/auth/login"), client.get("/auth/login")
    assert first.status_code == 200 and first.mimetype == "text/html"
    nonce = _assert_page_policy(first)
    assert nonce != _assert_page_policy(second)  # fresh for every response
    # Every inline script (not a JSON data block, not a file) carries this nonce,
    # including the NHS.UK template's own js-enabled snippet.
    inline = [
        attributes
        for attributes in SCRIPT_TAG.findall(first.get_data(as_text=True))
        if "src=" not in attributes and "application/json" not in attributes
    ]
    assert len(inline) == 2
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline), inline


def test_a_signed_in_page_with_records_is_not_stored(
    client: FlaskClient, login, users: dict[str, User], submitted: Record
) -> None:
    login(users["practice_manager"])
    page = client.get(f"/apps/{submitted.app_id}/records/{submitted.id}")
    assert page.status_code == 200
    _assert_page_policy(page)


def test_an_api_answer_with_records_is_locked_down_and_not_stored(
    client: FlaskClient, token, users: dict[str, User], submitted: Record
) -> None:
    answer = client.get(
        f"/api/v1/apps/{submitted.app_id}/records", headers=token(users["practice_manager"])
    )
    assert answer.status_code == 200 and answer.is_json
    assert answer.json and "9.5" in answer.get_data(as_text=True)
    directives = _assert_common(answer)
    assert directives["default-src"] == "'none'"
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_static_file_keeps_its_caching(client: FlaskClient) -> None:
    answer = client.get("/static/js/conditions.mjs")
    assert answer.status_code == 200
    directives = _assert_common(answer)
    assert directives["default-src"] == "'none'"
    assert "no-store" not in answer.headers.get("Cache-Control", "")
    answer.close()


def test_an_error_page_and_a_redirect_carry_them_too(client: FlaskClient) -> None:
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    _assert_page_policy(missing)
    api_missing = client.get("/api/v1/no-such-thing")
    assert api_missing.status_code in (401, 404) and api_missing.is_json
    assert _assert_common(api_missing)["default-src"] == "'none'"
    redirect = client.get("/")  # not signed in: to the sign-in page
    assert redirect.status_code == 302
    _assert_common(redirect)
    assert redirect.headers["Cache-Control"] == "no-store"
    signed_in = client.post(
        "/auth/login", data={"email": "nobody@example.nhs.uk", "password": PASSWORD}
    )
    assert signed_in.status_code in (400, 429)
    _assert_page_policy(signed_in)


def test_hsts_only_over_tls(client: FlaskClient) -> None:
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


def test_a_download_is_never_active_content(app: Flask) -> None:
    """An uploaded HTML, SVG or script file goes out as an opaque download in a sandbox:
    not runnable under the page policy's 'self'."""
    for content_type in ("text/html", "image/svg+xml", "text/javascript", "text/css"):
        with app.test_request_context("/apps/x/attachments/y"):
            response = send_file(
                io.BytesIO(b"<script>alert(1)</script>"),
                mimetype=content_type,
                as_attachment=True,
                download_name="evil.html",
            )
            response = add_security_headers(response)
        assert response.mimetype == "application/octet-stream", content_type
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        policy = response.headers["Content-Security-Policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy
        assert response.headers["Cache-Control"] == "no-store"
        response.close()
    with app.test_request_context("/apps/x/attachments/y"):
        pdf = add_security_headers(
            send_file(
                io.BytesIO(b"%PDF"),
                mimetype="application/pdf",
                as_attachment=True,
                download_name="a.pdf",
            )
        )
    assert pdf.mimetype == "application/pdf"
    pdf.close()


def test_forwarded_headers_are_believed_only_behind_configured_proxies(app: Flask) -> None:
    """Behind a TLS-terminating proxy the scheme (HSTS, and the client address the sign-in
    throttle keys on) comes from its headers, but only when the proxy is configured."""
    from miniapps import create_app

    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    trusting = create_app({**app.config, "PROXY_HOPS": 1})
    response = trusting.test_client().get("/auth/login", headers=forwarded)
    assert "Strict-Transport-Security" in response.headers
    plain = app.test_client().get("/auth/login", headers=forwarded)
    assert "Strict-Transport-Security" not in plain.headers
