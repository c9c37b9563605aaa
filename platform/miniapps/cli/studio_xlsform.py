"""``miniapps apps from-xlsform``: an XLSForm workbook (KoBoToolbox, ODK) as ``DIR/app.json``."""

from __future__ import annotations

import re
from pathlib import Path

import click

from miniapps.cli.output import fail
from miniapps.cli.studio_files import read_input, write_definition
from miniapps.core.studio.xlsform import convert_workbook

MAX_BYTES = 20 * 1024 * 1024  # a form workbook is kilobytes; refuse anything absurd unread


@click.command("from-xlsform")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    help="Directory to write app.json into. Default: ./<form_id>.",
)
@click.option(
    "--lenient", is_flag=True, help="Drop what the engine cannot express, with a warning."
)
@click.option("--force", is_flag=True, help="Replace an existing DIR/app.json.")
def from_xlsform(file: Path, out: Path | None, lenient: bool, force: bool) -> None:
    """Convert the XLSForm FILE (sheets survey, choices, settings) into DIR/app.json.

    Converts text, integer, decimal, date, datetime, select_one, select_multiple, groups
    (sections), repeats, notes (text shown above the next question), required, hint, simple
    constraints and relevant conditions, and settings form_id, form_title and version.
    Anything else is refused, each named as `survey row 12, column relevant: ...` (exit 1,
    nothing written); with --lenient it is dropped and named as a warning. The definition
    written passes `miniapps apps validate`.
    """
    data = read_input(file, MAX_BYTES)
    conversion = convert_workbook(data, lenient=lenient, fallback_id=_id_from(file))
    for warning in conversion.warnings:
        click.echo(f"warning: {warning}", err=True)
    definition = conversion.definition
    if definition is None:
        hint = "" if lenient else " (--lenient drops the features the engine cannot express)"
        count = len(conversion.problems)
        fail(conversion.problems, f"{file} was not converted: {count} problem(s){hint}")
    directory = out if out is not None else Path(definition["id"])
    target = directory / "app.json"
    if directory.exists() and not directory.is_dir():
        fail(summary=f"{directory} is not a directory")
    if target.exists() and not force:
        fail(summary=f"{target} already exists (use --force to replace it)")
    write_definition(target, definition)
    count = len(definition["schema"]["properties"])
    app = f"{definition['id']} v{definition['version']}"
    click.echo(f"wrote {target}: {app}, {count} top-level field(s)")


def _id_from(file: Path) -> str:
    """An app id from the file's name, used when the settings sheet gives no form_id."""
    name = re.sub(r"[^a-z0-9_]+", "_", file.stem.lower()).strip("_")
    return name if re.match(r"^[a-z]", name) else ""
