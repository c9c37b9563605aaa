"""Channel inbox pages; routes in :mod:`views` (inbox, stream) and :mod:`analytics`."""

from miniapps.web.inbox import analytics, views  # noqa: F401  (registers the routes on bp)
from miniapps.web.inbox.blueprint import bp

__all__ = ["bp"]
