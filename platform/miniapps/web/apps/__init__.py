from flask import Blueprint

bp = Blueprint("apps", __name__, url_prefix="/apps")

from miniapps.web.apps import (  # noqa: E402, F401
    dashboard,
    indicators,
    publish,
    record_comments,
    record_form,
    records,
    records_import,
    returns,
)
