"""``/apps/<app_id>/compliance/pack?org=ODS``: download a practice's inspection pack.

The pack is built into an unnamed temporary file (never in memory) and sent as a
download; the file is gone once the response is closed. Who may: :func:`may_build_pack` (the
practice's managers, its PCN's, ICB viewers above it, platform admins); anyone else, a
practice of another PCN or an organisation that is not a practice, gets a 404.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime

from flask import abort, current_app, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services.compliance.assessment import UnknownFramework
from miniapps.services.compliance.pack import build_pack, may_build_pack
from miniapps.services.compliance.pack_index import LONDON
from miniapps.services.definitions import app_definition
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.web.apps.blueprint import bp
from miniapps.web.apps.records import load_app
from miniapps.web.session_user import current_access, current_org

NOT_YOURS = "There is no inspection pack of this organisation that you can download."


@bp.route("/<app_id>/compliance/pack")
@login_required
def compliance_pack(app_id: str) -> ResponseReturnValue:
    app = load_app(app_id)
    compliance = app_definition(db.session, app).compliance
    if not compliance:
        abort(404, f"{app.title} has no compliance view, so no inspection pack.")
    org = _org(request.args.get("org", "").strip())
    if not may_build_pack(current_access(), org, app):
        abort(404, NOT_YOURS)
    now = datetime.now(UTC)
    # An unnamed temporary file: gone from the disk when closed, which the response does
    # once sent (or the exception below, when building fails).
    out = tempfile.TemporaryFile(prefix="inspection-pack-", suffix=".zip")  # noqa: SIM115
    try:
        build_pack(
            db.session,
            org,
            compliance["framework"],
            out,
            now=now,
            app_id=app.id,
            actor=current_user,
            uploads_dir=current_app.config["UPLOADS_DIR"],
        )
        size = out.tell()
        out.seek(0)
    except UnknownFramework as exc:
        out.close()
        abort(404, str(exc))
    except BaseException:
        out.close()
        raise
    db.session.commit()  # the pack's audit entry
    response = send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"inspection-pack-{org.ods}-{now.astimezone(LONDON):%Y-%m-%d}.zip",
        max_age=0,
        etag=False,
    )
    response.content_length = size
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global("may_download_pack")
def may_download_pack(app: App, org: Organisation) -> bool:
    """Whether the compliance page offers ``org``'s pack to the signed-in user."""
    return may_build_pack(current_access(), org, app)


def _org(ods: str) -> Organisation:
    if not ods:
        acting_for = current_org()
        if acting_for is None:
            abort(404, NOT_YOURS)
        return acting_for
    try:
        return by_ods(db.session, ods)
    except UnknownOrganisation:
        abort(404, f"No organisation has the ODS code {ods!r}.")
