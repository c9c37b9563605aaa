"""The ``auth`` blueprint; its routes are in :mod:`miniapps.web.auth.views`."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")
