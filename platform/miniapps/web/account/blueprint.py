"""The ``account`` blueprint; its routes are in :mod:`miniapps.web.account.views`."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")
