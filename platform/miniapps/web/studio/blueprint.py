"""The ``studio`` blueprint (``/studio``); the modules of :mod:`miniapps.web.studio` add
its routes."""

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")
