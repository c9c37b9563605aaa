"""The command groups of the ``miniapps`` command line, registered on ``app.cli``.

Each group lives in its own module; :data:`COMMAND_GROUPS` lists them as
``(module, attribute)`` so that registering a new group is one line here. The app
factory calls :func:`register_commands`; the entry point (:data:`miniapps.cli.main`)
builds the app, so this module imports neither.
"""

from __future__ import annotations

import importlib

from flask import Flask

COMMAND_GROUPS: tuple[tuple[str, str], ...] = (
    ("miniapps.cli.database", "db_group"),
    ("miniapps.cli.organisations", "orgs_group"),
    ("miniapps.cli.users", "users_group"),
    ("miniapps.cli.tokens", "tokens_group"),
    ("miniapps.cli.apps", "apps_group"),
    ("miniapps.cli.records", "records_group"),
    ("miniapps.cli.indicators", "indicators_group"),
    ("miniapps.cli.frameworks", "frameworks_group"),
    ("miniapps.cli.evidence", "evidence_group"),
    ("miniapps.cli.demo", "demo_group"),
    ("miniapps.cli.serve", "serve"),
    ("miniapps.cli.scheduler", "scheduler"),
    ("miniapps.cli.mail", "mail_group"),
    ("miniapps.cli.calendar", "calendar_group"),
    ("miniapps.cli.backup", "backup"),
    ("miniapps.cli.backup", "restore"),
)


def register_commands(app: Flask) -> None:
    """Add every group of :data:`COMMAND_GROUPS` to ``app.cli``."""
    for module_name, attribute in COMMAND_GROUPS:
        command = getattr(importlib.import_module(module_name), attribute)
        app.cli.add_command(command)
