"""Signing in and out."""

from miniapps.web.auth import views  # noqa: F401  (registers the routes on bp)
from miniapps.web.auth.blueprint import bp

__all__ = ["bp"]
