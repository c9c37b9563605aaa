"""The ``apps`` blueprint (``/apps``); the modules of :mod:`miniapps.web.apps` add its routes."""

from flask import Blueprint

bp = Blueprint("apps", __name__, url_prefix="/apps")
