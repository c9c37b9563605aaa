"""Account pages: the signed-in user's own settings, password and API tokens."""

from miniapps.web.account import security, views  # noqa: F401  (register the routes on bp)
from miniapps.web.account.blueprint import bp

__all__ = ["bp"]
