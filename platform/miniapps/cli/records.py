"""``miniapps records``: import records from CSV/XLSX and export them as CSV, XLSX or JSON;
clear away uploaded files no record holds (``prune-files``).

The command line acts as the platform itself (:class:`SystemAccess`): it may
import into and export from every organisation.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from miniapps.cli.output import fail
from miniapps.core.exports import records as record_export
from miniapps.core.imports.xlsx import ReadLimits
from miniapps.db import db
from miniapps.models import App, Organisation
from miniapps.models.base import utcnow
from miniapps.services.definitions import app_definition
from miniapps.services.exports.records import audit_exported, export_items
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
def import_command(
    app_id: str, file: Path, ods: str | None, period: str | None, dry_run: bool
) -> None:
    """Import FILE (CSV UTF-8 or XLSX) into APP as submitted records, all or nothing.

    Columns are named by field key or title. Every problem is printed as
    `row N, column C: message` and nothing is written (exit 1). Rows already
    stored for the same organisation, period and content are listed as duplicates
    and skipped, so running the same import twice adds nothing the second time.

    For an app with indicator_source, a clinical-system extract with the columns
    ods,indicator,numerator,denominator (optionally exclusions,list_size,period) has
    one row per practice and indicator and becomes one return per practice and month
    (`--period 2025-06`); a practice's existing return for the month is never changed.
    """
    session = db.session
    app = _app_or_fail(app_id)
    report = import_records(
        session,
        SystemAccess(),
        app,
        file.read_bytes(),
        file.name,
        org=ods,
        period=period,
        dry_run=dry_run,
        limits=ReadLimits.from_mapping(current_app.config),
    )
    if not report.ok:
        session.rollback()
        fail(report.lines, f"nothing imported: {len(report.problems)} problem(s) in {file.name}")
    for line in report.lines:
        click.echo(line)
    for warning in report.result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    click.echo(report.summary)


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
    sections = [s.key for s in record_export.repeat_sections(definition)]
    if out is None and (fmt == "xlsx" or (fmt == "csv" and sections)):
        reason = (
            "an xlsx workbook" if fmt == "xlsx" else f"repeating sections ({', '.join(sections)})"
        )
        raise click.UsageError(f"{app.id} export has {reason}: give --out FILE")
    access = SystemAccess()
    items = export_items(session, access, app, within=within)
    audited = audit_exported(session, access, items)
    if fmt == "json":
        _write_text(record_export.to_json(definition, items), out)
    elif fmt == "xlsx":
        assert out is not None
        out.write_bytes(record_export.to_xlsx(definition, items))
    else:
        files = record_export.to_csv(definition, items)
        if out is None:
            _write_text(files[record_export.MAIN], None)
        else:
            names = record_export.csv_file_names(str(out), files)
            for name, text in files.items():
                Path(names[name]).write_text(text, encoding="utf-8", newline="")
    if audited:  # once written: each channel record exported counts as read
        session.commit()
    if out is not None:
        click.echo(f"exported {len(items)} records to {out}", err=True)


def _write_text(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8", newline="")


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
