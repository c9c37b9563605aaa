"""The ``miniapps`` command line: thin commands over the services.

:data:`main` is the entry point; it builds the app, whose factory registers the
command groups listed in :mod:`miniapps.cli.commands`.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    from miniapps.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """miniapps: low-code mini-apps for NHS primary care."""
