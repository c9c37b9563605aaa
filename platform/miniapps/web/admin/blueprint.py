"""The ``admin`` blueprint; its routes are in the area modules of :mod:`miniapps.web.admin`."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
