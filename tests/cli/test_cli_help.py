"""``--help`` on every command and group: catches import errors and broken declarations."""

from __future__ import annotations

import importlib

import click
import pytest
from click.testing import CliRunner
from miniapps.cli import main
from miniapps.cli.commands import COMMAND_GROUPS


def _paths(command: click.Command, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    paths = [prefix]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            paths += _paths(sub, (*prefix, name))
    return paths


def _all_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for module, attribute in COMMAND_GROUPS:
        command = getattr(importlib.import_module(module), attribute)
        paths += _paths(command, (command.name,))
    return paths


EXPECTED = {
    ("orgs", "import"),
    ("orgs", "list"),
    ("users", "create"),
    ("tokens", "create"),
    ("apps", "validate"),
    ("apps", "publish"),
    ("apps", "list"),
    ("demo", "load"),
    ("serve",),
    ("db", "upgrade"),
}


def test_every_contract_command_is_registered(app) -> None:
    registered = set(_paths(app.cli, ())) - {()}
    assert set(_all_paths()) <= registered
    assert registered >= EXPECTED


@pytest.mark.parametrize("path", _all_paths(), ids=" ".join)
def test_help_exits_0(runner, path: tuple[str, ...]) -> None:
    result = runner.invoke(args=[*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_entry_point_help_lists_the_groups(monkeypatch, tmp_path) -> None:
    # The installed `miniapps` script builds its own app: keep it away from the repo's instance/.
    monkeypatch.setenv("MINIAPPS_SECRET_KEY", "test-secret")
    monkeypatch.setenv("MINIAPPS_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for group in ("apps", "db", "demo", "orgs", "serve", "tokens", "users"):
        assert f"  {group} " in result.output
