"""Bearer-token authentication for every ``/api/v1`` route (except the OpenAPI document).

The API looks only at ``Authorization: Bearer <token>``: a browser session cookie is not
enough, so a page a user has open cannot be used to drive the API on their behalf.
"""

from __future__ import annotations

from typing import cast

from flask import Response, g, jsonify, request

from miniapps.db import db
from miniapps.models import User
from miniapps.services.permissions import Access
from miniapps.services.users.tokens import TokenCheck, token_user
from miniapps.web.api.blueprint import bp
from miniapps.web.session_user import db_units

# Endpoints anyone may fetch without a token.
PUBLIC_ENDPOINTS = frozenset({"api.openapi_document"})


def unauthorized(message: str, token_given: bool) -> Response:
    response = jsonify({"error": "unauthorized", "message": message})
    response.status_code = 401
    # RFC 6750 §3: say which scheme to use, and that a token given was not accepted.
    challenge = 'Bearer realm="miniapps"'
    if token_given:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer …`` header (scheme case-insensitive)."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@bp.before_request
def require_token() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = bearer_token()
    if token is None:
        return unauthorized(
            "Send an API token in the header 'Authorization: Bearer <token>'.", token_given=False
        )
    # One statement on the request's session: the token, its user and their memberships.
    user, check = token_user(db.session, db_units(), token)
    if user is None:
        return unauthorized(_refusal(check), token_given=True)
    _act_as(user)
    return None


def _refusal(check: TokenCheck) -> str:
    """Why a token is refused: its holder may know (they have the secret)."""
    if check.problem == "expired" and check.expires_at is not None:
        return (
            f"This API token expired on {check.expires_at:%Y-%m-%d %H:%M} UTC. "
            "Ask for a new one (`miniapps tokens create`)."
        )
    if check.problem == "revoked":
        return "This API token has been revoked. Ask for a new one (`miniapps tokens create`)."
    return "This API token is not valid."


def _act_as(user: User) -> None:
    """Make the token's user the request's user, whatever session cookie came along."""
    g.api_user = user
    g.authenticated_by_token = True
    g.access = Access(user)
    # Flask-Login keeps the request's user here; set it so current_user is this user too.
    g._login_user = user


def api_user() -> User:
    return cast(User, g.api_user)


def api_access() -> Access:
    return cast(Access, g.access)
