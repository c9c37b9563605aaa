"""The home page."""

from miniapps.web.home import views  # noqa: F401  (registers the routes on bp)
from miniapps.web.home.blueprint import bp

__all__ = ["bp"]
