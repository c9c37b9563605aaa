"""``miniapps apps``: validate, publish and list app definitions."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from miniapps.cli.output import fail, table
from miniapps.cli.studio_spreadsheet import from_spreadsheet
from miniapps.cli.studio_xlsform import from_xlsform
from miniapps.core.definitions.loading import check_bundle, load_bundle
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid, IncompatibleChange
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.services import apps as app_service
from miniapps.services.organisations import UnknownOrganisation, by_ods

apps_group = AppGroup("apps", help="App definitions: validate, publish, list.")


@apps_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
def validate(paths: tuple[str, ...]) -> None:
    """Check each PATH (an app directory, a bundle directory or a JSON file); print
    `ok <id> v<version>` for each definition, or its errors.

    A bundle directory (app.json plus definitions/*.json) is checked whole. Errors are
    `<file>:<json-pointer>: <message>`, one per line. Every PATH is checked before the
    command exits (1 when any is invalid).
    """
    problems = 0
    for path in paths:
        for result in check_bundle(path):
            if isinstance(result, DefinitionInvalid):
                problems += len(result.issues)
                for line in result.lines():
                    click.echo(line)
            else:
                click.echo(f"ok {result.label}")
    if problems:
        fail(summary=f"{problems} problem(s) found")


@apps_group.command("publish")
@click.argument("path", type=click.Path(path_type=str))
@click.option(
    "--to",
    "to",
    metavar="ODS,...",
    help="Organisations to publish to (and everything beneath them). Default: all.",
)
@click.option(
    "--from",
    "targeted_from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date (YYYY-MM-DD) from which new targets owe returns. Default: today.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="End the targets not named by --to (they are kept in the history).",
)
def publish(path: str, to: str | None, targeted_from: datetime | None, replace: bool) -> None:
    """Validate the app at PATH and publish it as a new version.

    A bundle directory (app.json plus definitions/*.json) publishes every definition, or
    none when any is invalid or refused. A change that would make stored records invalid
    is refused (exit 1); so is a framework or statement that is not loaded.
    """
    session = db.session
    definitions = _load_or_fail(path)
    targets = _targets_or_fail(to)
    done: list[app_service.Published] = []
    for definition in definitions:
        try:
            done.append(
                app_service.publish(
                    session,
                    definition,
                    targets,
                    actor=None,
                    targeted_from=targeted_from.date() if targeted_from else None,
                    replace_targets=replace,
                )
            )
        except (IncompatibleChange, DefinitionInvalid) as exc:
            session.rollback()
            source = definition.source or path
            why = (
                "it would lose or invalidate stored data"
                if isinstance(exc, IncompatibleChange)
                else "it names what is not loaded"
            )
            also = " (nor anything else of the bundle)" if len(definitions) > 1 else ""
            fail(
                (f"{source}:{issue.pointer}: {issue.message}" for issue in exc.issues),
                f"{definition.label} was not published{also}: {why}",
            )
    session.commit()
    for published in done:
        ods = ", ".join(sorted(t.organisation.ods for t in published.app.targets))
        verb = "published" if published.created else "unchanged"
        app_id, version = published.app.id, published.version.version
        click.echo(f"{verb} {app_id} v{version} to {ods or 'nobody yet'}")
    if not targets:
        click.echo("no organisations exist yet: import them, then publish again", err=True)


@apps_group.command("list")
def list_apps() -> None:
    """Every app: id, title, latest version and status."""
    apps = list(db.session.scalars(select(App).order_by(App.id)))
    if not apps:
        click.echo("no apps yet: publish one with `miniapps apps publish PATH`")
        return
    rows = [(a.id, a.title, f"v{a.latest_version}", a.status) for a in apps]
    for line in table(("ID", "TITLE", "VERSION", "STATUS"), rows):
        click.echo(line)


def _load_or_fail(path: str) -> list[AppDefinition]:
    try:
        return load_bundle(path)
    except DefinitionInvalid as exc:
        fail(exc.lines(), f"{path} is not a valid app definition")


def _targets_or_fail(to: str | None) -> list[Organisation]:
    """The organisations named by ``--to``; without it the tops of every tree (so: all)."""
    if to is None:
        query = select(Organisation).where(Organisation.parent_id.is_(None), Organisation.active)
        return list(db.session.scalars(query.order_by(Organisation.ods)))
    codes = [code.strip() for code in to.split(",") if code.strip()]
    if not codes:
        fail(summary="--to needs at least one ODS code")
    targets, unknown = [], []
    for code in codes:
        try:
            targets.append(by_ods(db.session, code))
        except UnknownOrganisation:
            unknown.append(code)
    if unknown:
        fail(summary=f"unknown ODS code(s): {', '.join(unknown)}")
    return targets


apps_group.add_command(from_spreadsheet)
apps_group.add_command(from_xlsform)
