"""Import records from a CSV or XLSX file: check everything, then write all or nothing.

:func:`import_records` reads the file with :func:`miniapps.core.imports.wide.read_import`,
then checks what needs the database: each row's organisation exists, the user may
write there and the app is published to it. A row whose organisation, period and
data match a stored record of the app (or an earlier row of the file) is a
duplicate: it is reported and skipped, never added twice, so re-running an import
is harmless, even twice at once (:mod:`miniapps.services.imports.serialise`). When any
other problem is found nothing is written. Otherwise every new row becomes a submitted
record through :func:`services.records.create_record` inside a savepoint; the caller
commits. A ``progress(done, total)`` callback, if given,
hears about each written row (a background import shows it as a progress bar).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, MiniappsError
from miniapps.core.imports.columns import column_for
from miniapps.core.imports.long import compare_with_return
from miniapps.core.imports.wide import ImportResult, ImportRow, ReadLimits, RowProblem, read_import
from miniapps.core.periods.slots import holds_one_per_period
from miniapps.models import App, Organisation, Record, User
from miniapps.services.app_retirement import refuse_if_retired
from miniapps.services.definitions import app_definition
from miniapps.services.imports.serialise import lock_import
from miniapps.services.indicators.year_sets import year_set_for
from miniapps.services.permissions import WRITE, Access, Forbidden, is_targeted
from miniapps.services.records.lifecycle import create_record
from miniapps.services.records.unique_keys import KeyedRow, file_clashes


@dataclass
class ImportReport:
    """What an import found and did. ``created`` stays 0 on a dry run or any problem."""

    result: ImportResult
    problems: list[RowProblem] = field(default_factory=list)
    duplicates: list[RowProblem] = field(default_factory=list)
    new_rows: list[ImportRow] = field(default_factory=list)
    created: list[Record] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        """No problems (duplicates alone are not problems: they are skipped)."""
        return not self.problems

    @property
    def lines(self) -> list[str]:
        """``row N, column C: message`` for every problem, then every duplicate."""
        return [str(p) for p in (*self.problems, *self.duplicates)]

    @property
    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        count = len(self.new_rows) if self.dry_run else len(self.created)
        noun = "record" if count == 1 else "records"
        return f"{verb} {count} {noun} ({len(self.duplicates)} duplicates skipped)"


def import_records(
    session: Session,
    access: Access,
    app: App,
    file_bytes: bytes,
    filename: str,
    *,
    org: Organisation | str | None = None,
    period: str | None = None,
    dry_run: bool,
    actor: User | None = None,
    progress: Callable[[int, int], None] | None = None,
    limits: ReadLimits | None = None,
) -> ImportReport:
    """Check ``file_bytes`` for ``app`` and, unless ``dry_run`` or anything is wrong, store
    each new row as a submitted record. ``org`` and ``period`` apply to rows without them.
    ``progress(done, total)`` is called before the first row is written and after each one.
    ``limits`` bound what is read of the file (:class:`ReadLimits`: rows, columns ...)."""
    refuse_if_retired(app)
    definition = app_definition(session, app)
    ods = org.ods if isinstance(org, Organisation) else org
    result = read_import(
        definition,
        file_bytes,
        filename,
        org=ods,
        period=period,
        year_sets=lambda month: year_set_for(session, app.id, month),
        limits=limits,
    )
    report = ImportReport(result, list(result.problems), dry_run=dry_run)
    orgs = _organisations(session, {r.ods for r in result.rows if r.ods} | {ods or ""})
    ods_header = next((c.header for c in result.columns if c.target == "ods"), None)
    checked: dict[str, str | None] = {}
    option = ods.strip().upper() if ods else None
    if option:
        checked[option] = _org_problem(session, access, app, orgs.get(option), option)
        if checked[option]:
            report.problems.append(RowProblem(None, None, checked[option] or ""))
    rows_ok: list[tuple[ImportRow, Organisation]] = []
    bad_rows = {p.row for p in report.problems if p.row is not None}
    for row in result.rows:
        if not row.ods:
            continue
        if row.ods not in checked:
            checked[row.ods] = _org_problem(session, access, app, orgs.get(row.ods), row.ods)
            problem = checked[row.ods]
        else:
            problem = checked[row.ods] if row.ods != option else None
        if problem:
            report.problems.append(RowProblem(row.row, ods_header, problem))
        elif row.row not in bad_rows and row.ods in orgs and not checked[row.ods]:
            rows_ok.append((row, orgs[row.ods]))
    if not dry_run:  # the duplicate check and the write, one import at a time
        lock_import(session, app.id, {org.id for _, org in rows_ok})
    _split_duplicates(session, app, rows_ok, report)
    _refuse_key_clashes(session, app, definition, orgs, report)
    report.problems.sort(key=lambda p: p.row or 0)
    if report.problems or dry_run:
        return report
    _write(session, access, app, report, actor, progress)
    return report


def _refuse_key_clashes(
    session: Session,
    app: App,
    definition: AppDefinition,
    orgs: dict[str, Organisation],
    report: ImportReport,
) -> None:
    """New rows whose ``unique`` answers a stored record, or an earlier row of the file,
    already holds (one fridge log per fridge and day) are problems, at their column."""
    rows = [KeyedRow(r.row, orgs[r.ods], r.data) for r in report.new_rows if r.ods in orgs]
    clashes = file_clashes(session, app.id, definition, rows)
    for row, issue in clashes:
        column = column_for(issue.pointer, report.result.columns)
        report.problems.append(RowProblem(row, column, issue.message))
    refused = {row for row, _ in clashes}
    report.new_rows = [r for r in report.new_rows if r.row not in refused]


def _organisations(session: Session, codes: set[str]) -> dict[str, Organisation]:
    codes = {c.strip().upper() for c in codes if c and c.strip()}
    found = session.scalars(select(Organisation).where(Organisation.ods.in_(codes)))
    return {o.ods: o for o in found}


def _org_problem(
    session: Session, access: Access, app: App, org: Organisation | None, ods: str
) -> str | None:
    if org is None or not org.active:
        return f"no organisation has the ODS code {ods}"
    if not access.can(WRITE, org, app):
        return f"you may not add records for {org.name} ({org.ods})"
    if not is_targeted(session, app.id, org):
        return f"{app.title} is not published to {org.name} ({org.ods})"
    return None


def _split_duplicates(
    session: Session,
    app: App,
    rows: list[tuple[ImportRow, Organisation]],
    report: ImportReport,
) -> None:
    """Sort checked rows into new ones and duplicates (of a stored record or an earlier row).
    A long extract's record (one return per organisation and period) that meets a stored
    return of that organisation and period is a duplicate when the return already holds
    its figures, else a problem: an import never overwrites or doubles a return."""
    org_ids = {org.id for _, org in rows}
    stored: dict[tuple[int, str | None, str], int] = {}
    returned: dict[tuple[int, str | None], tuple[int, Any]] = {}
    if org_ids:
        query = select(
            Record.id, Record.organisation_id, Record.period, Record.data, Record.superseded
        ).where(Record.app_id == app.id, Record.organisation_id.in_(org_ids))
        for record_id, org_id, record_period, data, superseded in session.execute(
            query.order_by(Record.id)
        ):
            stored.setdefault((org_id, record_period, content_key(data)), record_id)
            if not superseded:
                returned.setdefault((org_id, record_period), (record_id, data))
    in_file: dict[tuple[int, str | None, str], int] = {}
    one_per_period = holds_one_per_period(app_definition(session, app).period)
    period_rows: dict[tuple[int, str | None], int] = {}  # a new row per (org, period)
    for row, org in rows:
        key = (org.id, row.period, content_key(row.data))
        if report.result.layout == "long" and (org.id, row.period) in returned:
            found, is_duplicate = compare_with_return(row, *returned[(org.id, row.period)])
            (report.duplicates if is_duplicate else report.problems).append(found)
        elif key in stored:
            report.duplicates.append(
                RowProblem(row.row, None, f"duplicate of record {stored[key]}")
            )
        elif key in in_file:
            report.duplicates.append(RowProblem(row.row, None, f"duplicate of row {in_file[key]}"))
        elif one_per_period and (org.id, row.period) in returned:
            holder = returned[(org.id, row.period)][0]
            message = f"{org.ods} already has a record for {row.period}: record {holder}"
            report.problems.append(RowProblem(row.row, None, message))
        elif one_per_period and (org.id, row.period) in period_rows:
            earlier = period_rows[(org.id, row.period)]
            message = f"{org.ods} has another record for {row.period} in row {earlier}"
            report.problems.append(RowProblem(row.row, None, message))
        else:
            in_file[key] = row.row
            period_rows[(org.id, row.period)] = row.row
            report.new_rows.append(row)


def content_key(data: Any) -> str:
    """Record data as canonical JSON: key order and ``5`` versus ``5.0`` do not matter."""

    def normal(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, dict):
            return {k: normal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [normal(v) for v in value]
        return value

    return json.dumps(normal(data), sort_keys=True, ensure_ascii=False)


def _write(
    session: Session,
    access: Access,
    app: App,
    report: ImportReport,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Create every new row in one savepoint: a failure undoes them all and is reported."""
    orgs = _organisations(session, {r.ods or "" for r in report.new_rows})
    created: list[Record] = []
    current = report.new_rows[0] if report.new_rows else None
    total = len(report.new_rows)
    if progress is not None:
        progress(0, total)
    try:
        with session.begin_nested():
            for row in report.new_rows:
                current = row
                created.append(
                    create_record(
                        session,
                        access,
                        app,
                        orgs[row.ods or ""],
                        row.data,
                        period=row.period,
                        submit=True,
                        actor=actor,
                    )
                )
                if progress is not None:
                    progress(len(created), total)
    except DataInvalid as exc:
        where = current.row if current else None
        report.problems += [
            RowProblem(where, column_for(issue.pointer, report.result.columns), issue.message)
            for issue in exc.issues
        ]
    except (Forbidden, MiniappsError) as exc:  # MiniappsError: e.g. the row's period is locked
        report.problems.append(RowProblem(current.row if current else None, None, str(exc)))
    else:
        report.created = created
