"""miniapps: JSON-Schema app definitions turned into forms, workflows and dashboards.

``miniapps.create_app`` is the application factory (:mod:`miniapps.app`). It is looked up
on first use so that importing the pure core (``miniapps.core``) never loads Flask.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from miniapps.app import create_app

        return create_app
    raise AttributeError(f"module 'miniapps' has no attribute {name!r}")
