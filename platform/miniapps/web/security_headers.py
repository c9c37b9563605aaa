"""Security headers on every response: CSP with a per-request nonce, no framing, no
sniffing, no cross-site referrers, HSTS over TLS, and nothing with records cached.

Pages may run only the scripts served from here and inline scripts carrying this
request's nonce (``{{ csp_nonce }}`` in templates; the NHS.UK page template reads it as
``cspNonce``). ``<script type="application/json">`` data blocks never run, so need none.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

# Style attributes stay allowed (style-src-attr): an email's HTML part, previewed in a
# sandboxed srcdoc frame on the admin pages, inherits this policy and styles itself with
# them. Style elements and sheets come from here only; attributes cannot run script.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "style-src-attr 'unsafe-inline'; img-src 'self'; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Anything that is not a page (JSON, CSV, files, static assets): nothing may run in it
# if a browser opens it as a document.
RESOURCE_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# Downloads open, if at all, in a sandbox (no script, no same origin).
DOWNLOAD_POLICY = RESOURCE_POLICY + "; sandbox"
# Types a browser could run or render as active content: a download never carries one.
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "text/ecmascript",
        "application/x-javascript",
        "text/css",
    }
)
HSTS = "max-age=31536000"


def csp_nonce() -> str:
    """This request's script nonce: random, made once per request."""
    nonce: str | None = g.get("csp_nonce")
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        g.csp_nonce = nonce
    return nonce


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"csp_nonce": csp_nonce(), "cspNonce": csp_nonce()})
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    download = headers.get("Content-Disposition", "").lower().startswith("attachment")
    if download:
        if response.mimetype in ACTIVE_TYPES:
            response.mimetype = "application/octet-stream"
        policy = DOWNLOAD_POLICY
    elif response.mimetype == "text/html":
        policy = PAGE_POLICY.format(nonce=csp_nonce())
    else:
        policy = RESOURCE_POLICY
    headers["Content-Security-Policy"] = policy
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # A view may be stricter (an invitation link sends no referrer at all).
    headers.setdefault("Referrer-Policy", "same-origin")
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if not _static_file(response) and "no-store" not in headers.get("Cache-Control", ""):
        # Pages, API answers, exports and files carry records: never kept by a browser
        # or a proxy. Static assets keep their own caching.
        headers["Cache-Control"] = "no-store"
    return response


def _static_file(response: Response) -> bool:
    return request.endpoint == "static" and response.status_code in (200, 206, 304)
