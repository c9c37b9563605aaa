"""What every admin view needs: a signed-in caller allowed in the area, paging, the base URL."""

from __future__ import annotations

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from miniapps.extensions import login_manager
from miniapps.services.admin.scope import AdminScope, admin_scope, may_use_admin
from miniapps.web.admin.blueprint import bp
from miniapps.web.session_user import current_access


@bp.before_request
def require_admin_area() -> ResponseReturnValue | None:
    """Sign-in first, then the one scope check: anyone else gets 403 on every admin page."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    admin_scope(current_access())
    return None


def scope() -> AdminScope:
    return admin_scope(current_access())


def page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def page_size() -> int:
    return int(current_app.config["PAGE_SIZE"])


def base_url() -> str:
    return str(current_app.config["BASE_URL"])


def pages(total: int) -> int:
    return max((total + page_size() - 1) // page_size(), 1)


@bp.app_context_processor
def admin_link() -> dict[str, object]:
    """``can_admin``: whether the header shows the Admin link."""
    if not current_user.is_authenticated or request.blueprint == "api":
        return {}
    return {"can_admin": may_use_admin(current_access())}
