"""``miniapps indicators``: load and list indicator year sets."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from miniapps.cli.output import fail, table
from miniapps.core.definitions.loading import read_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.db import db
from miniapps.services.indicators.year_set_loading import UnknownApp, load_year_set
from miniapps.services.indicators.year_sets import loaded_sets

indicators_group = AppGroup("indicators", help="Indicator year sets: load, list.")
DEFAULT_APP = "iif_tracker"


@indicators_group.command("load")
@click.argument("file", type=click.Path(path_type=str))
@click.option("--app", "app_id", default=DEFAULT_APP, show_default=True, help="The app.")
def load(file: str, app_id: str) -> None:
    """Check the year set in FILE and make it the one in force for its year.

    Loading the same content again changes nothing; a changed file becomes the year's
    next version (the earlier ones are kept) and is audited. Errors are
    `<file>:<json-pointer>: <message>` lines (exit 1); nothing is stored then.
    """
    try:
        raw, source = read_definition(file)
        outcome = load_year_set(db.session, app_id, raw, source=source, actor=None)
    except DefinitionInvalid as exc:
        fail(exc.lines(), summary=f"{len(exc.issues)} problem(s) found; nothing was loaded")
    except UnknownApp as exc:
        fail(summary=f"{exc}; publish it first with miniapps apps publish")
    db.session.commit()
    year_set, row = outcome.year_set, outcome.row
    tag = " (illustrative)" if year_set.is_illustrative() else ""
    if not outcome.created:
        click.echo(f"unchanged {app_id} {year_set.year} v{row.version}{tag}")
        return
    codes = ", ".join(year_set.codes)
    click.echo(f"loaded {app_id} {year_set.year} v{row.version}{tag}: {codes}")


@indicators_group.command("list")
@click.option("--app", "app_id", default=None, help="Only this app.")
def list_sets(app_id: str | None) -> None:
    """The year sets in force: app, year, version, indicators, illustrative or not."""
    rows = [
        (
            row.app_id,
            row.year,
            f"v{row.version}",
            len(row.content.get("indicators", [])),
            "illustrative" if row.illustrative else "verified",
            row.loaded_at.strftime("%Y-%m-%d %H:%M"),
        )
        for row in loaded_sets(db.session, app_id)
    ]
    if not rows:
        click.echo("no indicator year sets loaded")
        return
    for line in table(("app", "year", "version", "indicators", "status", "loaded"), rows):
        click.echo(line)
