"""Account pages: the signed-in user's own settings."""

from miniapps.web.account import views  # noqa: F401  (registers the routes on bp)
from miniapps.web.account.blueprint import bp

__all__ = ["bp"]
