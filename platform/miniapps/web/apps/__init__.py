from flask import Blueprint

bp = Blueprint("apps", __name__, url_prefix="/apps")

from miniapps.web.apps import dashboard, publish, record_form, records, records_import, returns  # noqa: E402, F401
