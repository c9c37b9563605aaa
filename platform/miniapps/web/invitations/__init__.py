"""One-time links from an invitation or a password reset: choose a password, then sign in."""

from miniapps.web.invitations import views  # noqa: F401  (registers the routes on bp)
from miniapps.web.invitations.blueprint import bp

__all__ = ["bp"]
