"""The ``inbox`` blueprint: a stakeholder's channel items (a provider's "Sent"), their
live stream and the channel dashboard."""

from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
