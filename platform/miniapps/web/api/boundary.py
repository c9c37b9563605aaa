"""The API's request boundary: nothing uncommitted, and no caller, outlives a request.

Each API request commits once when it succeeds (in the view); here, whatever it left
uncommitted is rolled back and the session closed. The application-context teardown in
:mod:`miniapps.db` does the same when a request has its own app context; this also
covers an app context that outlives requests (tests, scripts), so a failed request's
open transaction, stale objects or token user never leak into the next one.
"""

from __future__ import annotations

from flask import g

from miniapps.web.api import bp

REQUEST_GLOBALS = ("api_user", "access", "_login_user", "authenticated_by_token")


@bp.teardown_request
def end_request(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)  # the session miniapps.db opened for this request
    if session is not None:
        session.close()  # rolls back anything not committed
    for name in REQUEST_GLOBALS:
        g.pop(name, None)
