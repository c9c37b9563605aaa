"""The ``invitations`` blueprint; its routes are in :mod:`miniapps.web.invitations.views`."""

from flask import Blueprint

bp = Blueprint("invitations", __name__, url_prefix="/invitations")
