"""Flask's signed session cookie, with its signing serializer made once per set of keys.

Flask builds a new ``URLSafeTimedSerializer`` (and its signer settings) each time it
opens or saves a session: twice on every signed-in page and once on every API call, even
one without a cookie. The serializer holds nothing but its settings, so one per secret
key (and fallbacks) serves every request; a changed key makes a new one. A session left
empty and unchanged (every API call) is saved as Flask saves it, without first working
out the cookie's seven settings it then does not use.
"""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer

Keys = tuple[object, tuple[object, ...]]


class SigningOnceSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        super().__init__()
        self._serializers: dict[Keys, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys: Keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        try:
            return self._serializers[keys]
        except KeyError:
            made = super().get_signing_serializer(app)
            self._serializers = {keys: made}  # only the current keys' serializer is kept
            return made

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:  # no cookie to set or to delete
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SigningOnceSessionInterface()
