"""The ``miniapps`` command line: thin commands over the services.

Each command group lives in its own module; :data:`COMMAND_GROUPS` lists them as
``(module, attribute)`` so that registering a new group is one line here.
"""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup

COMMAND_GROUPS: tuple[tuple[str, str], ...] = (
    ("miniapps.cli.database", "db_group"),
    ("miniapps.cli.organisations", "orgs_group"),
    ("miniapps.cli.users", "users_group"),
    ("miniapps.cli.tokens", "tokens_group"),
    ("miniapps.cli.apps", "apps_group"),
    ("miniapps.cli.records", "records_group"),
    ("miniapps.cli.indicators", "indicators_group"),
    ("miniapps.cli.demo", "demo_group"),
    ("miniapps.cli.serve", "serve"),
    ("miniapps.cli.scheduler", "scheduler"),
)


def register_commands(app: Flask) -> None:
    for module_name, attribute in COMMAND_GROUPS:
        command = getattr(importlib.import_module(module_name), attribute)
        app.cli.add_command(command)


def _create_app() -> Flask:
    from miniapps.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """miniapps: low-code mini-apps for NHS primary care."""
