"""The ``home`` blueprint; its routes are in :mod:`miniapps.web.home.views`."""

from flask import Blueprint

bp = Blueprint("home", __name__)
