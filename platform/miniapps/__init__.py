"""miniapps: JSON-Schema app definitions turned into forms, workflows and dashboards."""

from miniapps.app import create_app

__all__ = ["create_app"]
