"""``miniapps records``: import records from CSV/XLSX and export them as CSV, XLSX or JSON;
clear away uploaded files no record holds (``prune-files``).

The command line acts as the platform itself (:class:`SystemAccess`): it may
import into and export from every organisation.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import sys
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import click
from flask import current_app
from flask.cli import AppGroup

from miniapps.cli.output import fail
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.exports.layout import MAIN, plan_layout, repeat_sections
from miniapps.core.exports.record_files import (
    csv_file_names,
    write_csv_files,
    write_json,
    write_xlsx_file,
)
from miniapps.core.imports.xlsx import ReadLimits
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.models.base import utcnow
from miniapps.services.definitions import app_definition
from miniapps.services.exports.records import RecordExport
from miniapps.services.imports.records import import_records
from miniapps.services.organisations import UnknownOrganisation, by_ods
from miniapps.services.permissions import SystemAccess
from miniapps.services.records.attachment_orphans import prune_orphans

records_group = AppGroup("records", help="Records: import from CSV/XLSX, export.")


@records_group.command("import")
@click.argument("app_id", metavar="APP")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "ods", metavar="ODS", help="Organisation for rows without an ods column.")
@click.option("--period", metavar="P", help="Period for rows without a period column (2025-04).")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    help="Rows read at most (default: IMPORT_CLI_MAX_ROWS, 5,000,000).",
)
def import_command(
    app_id: str,
    file: Path,
    ods: str | None,
    period: str | None,
    dry_run: bool,
    max_rows: int | None,
) -> None:
    """Import FILE (CSV UTF-8 or XLSX) into APP as submitted records, all or nothing.

    Columns are named by field key or title. Every problem is printed as
    `row N, column C: message` and nothing is written (exit 1). Rows already
    stored for the same organisation, period and content are listed as duplicates
    and skipped, so running the same import twice adds nothing the second time.
    The file is read as a stream and written in batches, in one transaction: each
    batch prints `written N of M rows` to standard error; stopped part-way, the
    import leaves nothing behind.

    For an app with indicator_source, a clinical-system extract with the columns
    ods,indicator,numerator,denominator (optionally exclusions,list_size,period) has
    one row per practice and indicator and becomes one return per practice and month
    (`--period 2025-06`); a practice's existing return for the month is never changed.
    """
    session = db.session
    app = _app_or_fail(app_id)
    # A bulk load makes millions of short-lived objects that reference counting frees:
    # the cycle collector runs rarely, and never over the app's own long-lived objects.
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        report = import_records(
            session,
            SystemAccess(),
            app,
            file,
            file.name,
            org=ods,
            period=period,
            dry_run=dry_run,
            progress=_print_progress,
            limits=_cli_limits(max_rows),
        )
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    if not report.ok:
        session.rollback()
        count = len(report.problems) + report.more_problems
        fail(report.lines, f"nothing imported: {count} problem(s) in {file.name}")
    for line in report.lines:
        click.echo(line)
    for warning in report.result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    click.echo(report.summary)


def _cli_limits(max_rows: int | None) -> ReadLimits:
    """The web's limits (columns, unpacked size), with the command line's rows and cells."""
    config = current_app.config
    web = ReadLimits.from_mapping(config)
    return replace(
        web,
        max_rows=max_rows or int(config.get("IMPORT_CLI_MAX_ROWS") or web.max_rows),
        max_cells=int(config.get("IMPORT_CLI_MAX_CELLS") or web.max_cells),
    )


def _print_progress(done: int, total: int) -> None:
    """``written 5,000 of 100,000 rows`` on standard error after each batch."""
    if done:
        click.echo(f"written {done:,} of {total:,} rows", err=True)


@records_group.command("export")
@click.argument("app_id", metavar="APP")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), required=True, help="File type."
)
@click.option("--org", "ods", metavar="ODS", help="Only this organisation and those beneath it.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output, for csv and json).",
)
def export_command(app_id: str, fmt: str, ods: str | None, out: Path | None) -> None:
    """Export every record of APP with app version, ODS code, period, status and submitter.

    Repeating sections are written completely: as extra sheets in xlsx, inline in
    json, and for csv as one more file per section beside --out
    (`--out training.csv` also writes `training.courses.csv`).
    """
    session = db.session
    app = _app_or_fail(app_id)
    within = _org_or_fail(ods) if ods else None
    definition = app_definition(session, app)
    sections = [s.key for s in repeat_sections(definition)]
    if out is None and (fmt == "xlsx" or (fmt == "csv" and sections)):
        reason = (
            "an xlsx workbook" if fmt == "xlsx" else f"repeating sections ({', '.join(sections)})"
        )
        raise click.UsageError(f"{app.id} export has {reason}: give --out FILE")
    records = RecordExport(session, SystemAccess(), app, within=within)
    if fmt == "json":
        count = _write_json(records, out)
    elif fmt == "xlsx":
        assert out is not None
        with out.open("w+b") as book:
            count = write_xlsx_file(definition, records.items, book)
    else:
        count = _write_csv(definition, records, out)
    if records.audit():  # once written: each channel record exported counts as read
        session.commit()
    if out is not None:
        click.echo(f"exported {count} records to {out}", err=True)


def _stdout() -> BinaryIO:
    sys.stdout.flush()
    return sys.stdout.buffer


def _write_json(records: RecordExport, out: Path | None) -> int:
    """JSON straight to ``out`` or standard output, record by record."""
    if out is None:
        return write_json(records.items(), _stdout())
    with out.open("wb") as stream:
        return write_json(records.items(), stream)


def _write_csv(definition: AppDefinition, records: RecordExport, out: Path | None) -> int:
    """CSV straight into ``out`` and the section files beside it; to standard output (no
    sections) through a temporary file, as a member the definition lacks means writing again."""
    names = plan_layout(definition).names
    if out is None:
        with tempfile.TemporaryFile() as spool:
            count = write_csv_files(definition, records.items, {MAIN: spool})
            spool.seek(0)
            shutil.copyfileobj(spool, _stdout(), 1 << 20)
        return count
    paths = csv_file_names(str(out), names)
    with contextlib.ExitStack() as stack:
        files = {name: stack.enter_context(Path(paths[name]).open("w+b")) for name in names}
        return write_csv_files(definition, records.items, files)


def _app_or_fail(app_id: str) -> App:
    app = db.session.get(App, app_id)
    if app is None or app.latest_version == 0:
        fail(summary=f"no published app is called {app_id!r}")
    return app


def _org_or_fail(ods: str) -> Organisation:
    try:
        return by_ods(db.session, ods)
    except UnknownOrganisation as exc:
        fail(summary=str(exc))


@records_group.command("prune-files")
@click.option(
    "--older-than-hours",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    help="Leave alone what is younger than this (forms being filled in now).",
)
def prune_files_command(older_than_hours: int) -> None:
    """Delete attachments no record holds (no record's answers, history or document
    version cites them), stored files no attachment names, and uploads left unfinished
    in UPLOADS_DIR/incoming/ by a process that stopped; only those older than
    --older-than-hours. Safe to run daily (cron)."""
    report = prune_orphans(
        db.session,
        current_app.config["UPLOADS_DIR"],
        utcnow(),
        grace=timedelta(hours=older_than_hours),
    )
    db.session.commit()
    click.echo(report.summary)
