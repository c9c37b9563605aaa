"""Web layer: thin blueprints over the services."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from miniapps.web import errors, session_user
    from miniapps.web.account import bp as account_bp
    from miniapps.web.admin import bp as admin_bp
    from miniapps.web.api import bp as api_bp
    from miniapps.web.apps import bp as apps_bp
    from miniapps.web.auth import bp as auth_bp
    from miniapps.web.home import bp as home_bp
    from miniapps.web.inbox import bp as inbox_bp
    from miniapps.web.invitations import bp as invitations_bp
    from miniapps.web.studio import bp as studio_bp

    session_user.init_app(app)
    errors.init_app(app)
    for blueprint in (
        auth_bp,
        home_bp,
        apps_bp,
        api_bp,
        account_bp,
        admin_bp,
        invitations_bp,
        inbox_bp,
        studio_bp,
    ):
        app.register_blueprint(blueprint)
