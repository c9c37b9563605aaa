"""``miniapps apps from-spreadsheet``: a spreadsheet of examples → ``DIR/app.json``."""

from __future__ import annotations

from pathlib import Path

import click

from miniapps.cli.output import fail
from miniapps.cli.studio_files import read_input, write_definition
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.studio.column_types import kind_words
from miniapps.core.studio.spreadsheet import (
    MAX_FILE_BYTES,
    SpreadsheetRefused,
    definition_from_spreadsheet,
    id_problem,
)


@click.command("from-spreadsheet")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--id", "app_id", required=True, metavar="ID", help="The new app's id.")
@click.option("--title", metavar="T", help="The app's title. Default: from the file name.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Directory to write app.json to. Default: ./ID",
)
@click.option("--force", is_flag=True, help="Replace DIR/app.json when it exists.")
def from_spreadsheet(
    file: Path, app_id: str, title: str | None, out: Path | None, force: bool
) -> None:
    """Make an app definition from FILE (.xlsx or .csv): row 1 holds the headings, one
    field per column; the rows below are examples, from which each field's type is
    inferred (yes/no, whole number, number, date, a choice, text) and which make a field
    required when every example fills it. Writes DIR/app.json; the examples can then be
    imported with `miniapps records import`. Problems are printed one per line (exit 1).
    """
    if problem := id_problem(app_id):
        fail(summary=problem)
    target = (out if out is not None else Path(app_id)) / "app.json"
    if target.exists() and not force:
        fail(summary=f"{target} exists; choose another --out or add --force to replace it")
    content = read_input(file, MAX_FILE_BYTES)
    try:
        drafted = definition_from_spreadsheet(content, file.name, app_id, title)
    except SpreadsheetRefused as exc:
        fail((f"{file}: {line}" for line in exc.lines), f"{file} was not turned into an app")
    try:
        validate_definition(drafted.definition, source=str(target))
    except DefinitionInvalid as exc:  # a fault of this command, never of the file
        fail(exc.lines(), "the definition made from the spreadsheet is not valid")
    write_definition(target, drafted.definition)
    properties = drafted.definition["schema"]["properties"]
    required = set(drafted.definition["schema"].get("required", []))
    for letter, (name, schema) in zip(drafted.columns, properties.items(), strict=True):
        need = ", required" if name in required else ""
        click.echo(f"column {letter}: {name} ({kind_words(schema)}{need})")
    if drafted.organisation_column:
        letter = drafted.organisation_column
        click.echo(f"column {letter}: each row's organisation when importing (not a field)")
    click.echo(
        f"wrote {target}: {len(properties)} field(s) from {drafted.examples} example row(s); "
        f"check it with `miniapps apps validate {target.parent}`"
    )
