"""``/admin``: the areas of the admin area."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from miniapps.web.admin.blueprint import bp
from miniapps.web.admin.common import scope


@bp.route("/")
def index() -> ResponseReturnValue:
    return render_template("admin/index.html", scope=scope())
