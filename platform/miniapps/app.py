"""The application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from miniapps.config import instance_path, load_config
from miniapps.core.forms.render import render_sections
from miniapps.db import db
from miniapps.extensions import csrf, login_manager


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path(), instance_relative_config=True)
    load_config(app, test_config)
    _trust_proxies(app)
    _configure_jinja(app)
    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)

    from miniapps.web import (
        converters,
        parameter_guards,
        register_blueprints,
        security_headers,
        session_cookie,
    )

    session_cookie.init_app(app)  # the signed session cookie's serializer, made once
    converters.init_app(app)  # before any route: bounded <int:...> and type=int parameters
    parameter_guards.init_app(app)  # no NUL reaches the database (PostgreSQL refuses it)
    register_blueprints(app)
    security_headers.init_app(app)  # CSP with a nonce, nosniff, no-store, ...

    from miniapps.cli.commands import register_commands

    register_commands(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind ``PROXY_HOPS`` trusted proxies (nginx, a load balancer), the client address
    (the sign-in throttle's key) and the scheme (HSTS, Secure cookies) come from their
    ``X-Forwarded-For`` / ``X-Forwarded-Proto``; with none (the default) they are ignored."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _configure_jinja(app: Flask) -> None:
    app.jinja_options = {
        **app.jinja_options,
        "undefined": ChainableUndefined,
        # Flask autoescapes only *.html; the NHS.UK macros live in *.jinja files.
        "autoescape": True,
        "loader": ChoiceLoader(
            [
                FileSystemLoader(app.root_path + "/templates"),
                PackageLoader("nhsuk_frontend_jinja"),
            ]
        ),
    }
    # forms/macros.html lays a bound form out through the core's renderer.
    app.add_template_global(render_sections, "form_sections")
