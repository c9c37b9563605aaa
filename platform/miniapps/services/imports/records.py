"""Import records from a CSV or XLSX file: check everything, then write all or nothing.

:func:`import_records` streams the file through
:func:`miniapps.core.imports.wide.stream_import` (each row converted and put through the
one record check) and checks what needs the database in batches: each row's
organisation exists, the user may write there and the app is published to it (once per
organisation). Rows that pass are kept in a temporary file
(:mod:`miniapps.services.imports.spool`), not in memory. A row whose organisation, period
and data match a stored record of the app (or an earlier row of the file) is a
duplicate: it is reported and skipped, never added twice, so re-running an import is
harmless, even twice at once (:mod:`miniapps.services.imports.serialise`: the lock is
held from the duplicate check to the end of the caller's transaction). Then every check
storing the row would make (:mod:`miniapps.services.imports.checks`). When any problem
is found nothing is written. Otherwise the new rows are written as submitted records in
batches of :data:`WRITE_BATCH` (:mod:`miniapps.services.records.bulk`; on PostgreSQL
each batch is COPYed on a worker thread while the next is prepared,
:mod:`miniapps.services.records.bulk_copy`) inside a savepoint; the caller commits. A
``progress(done, total)`` callback, if given, hears before the first batch and after
each one is in (a background import shows a progress bar). What was found and done is
an :class:`~miniapps.services.imports.report.ImportReport`.

At most :data:`~miniapps.core.imports.base.PROBLEMS_KEPT` problems (and as many
duplicates) are kept; the rest are counted ("and N more problems").
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from itertools import islice
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from miniapps.core.errors import DataInvalid, MiniappsError
from miniapps.core.imports.base import PROBLEMS_KEPT
from miniapps.core.imports.cells import Source
from miniapps.core.imports.columns import column_for
from miniapps.core.imports.wide import ReadLimits, RowProblem, stream_import
from miniapps.models import App, Organisation, User
from miniapps.services.app_retirement import refuse_if_retired
from miniapps.services.definitions import app_definition
from miniapps.services.imports.checks import OrgChecks, WriteChecks
from miniapps.services.imports.duplicates import NewRowFilter, content_key
from miniapps.services.imports.report import CreatedRecords, ImportReport
from miniapps.services.imports.serialise import lock_import
from miniapps.services.imports.spool import RowSpool, SpooledRow
from miniapps.services.indicators.year_sets import year_set_for
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records.bulk import NewRecord, write_submitted
from miniapps.services.records.bulk_copy import CopyPipeline

__all__ = [
    "CHECK_BATCH",
    "WRITE_BATCH",
    "ImportReport",
    "content_key",
    "import_records",
    "write_submitted",
]

CHECK_BATCH = 1_000  # rows whose organisations (or unique keys) are looked up at once
WRITE_BATCH = 2_000  # records written by one statement (and progress reported after)
T = TypeVar("T")


def import_records(
    session: Session,
    access: Access,
    app: App,
    file_bytes: Source,
    filename: str,
    *,
    org: Organisation | str | None = None,
    period: str | None = None,
    dry_run: bool,
    actor: User | None = None,
    progress: Callable[[int, int], None] | None = None,
    limits: ReadLimits | None = None,
) -> ImportReport:
    """Check ``file_bytes`` (bytes, a binary file or a path) for ``app`` and, unless
    ``dry_run`` or anything is wrong, store each new row as a submitted record. ``org``
    and ``period`` apply to rows without them. ``progress(done, total)`` is called before
    the first batch is written and after each one. ``limits`` bound what is read of the
    file (:class:`ReadLimits`: rows, columns ...)."""
    refuse_if_retired(app)
    definition = app_definition(session, app)
    ods = org.ods if isinstance(org, Organisation) else org
    stream = stream_import(
        definition,
        file_bytes,
        filename,
        org=ods,
        period=period,
        year_sets=lambda month: year_set_for(session, app.id, month),
        limits=limits,
    )
    result = stream.result
    report = ImportReport(result, dry_run=dry_run)
    orgs = OrgChecks(session, access, app)
    found: list[RowProblem] = []  # this service's problems, file order kept by the sort
    option = ods.strip().upper() if ods else None
    if option and (problem := orgs.problem(option)):
        found.append(RowProblem(None, None, problem))
    ods_header = next((c.header for c in result.columns if c.target == "ods"), None)
    checked = RowSpool()
    org_ids: set[int] = set()
    periods: set[str | None] = set()
    seen: set[str] = {option} if option else set()
    for chunk in _batches(stream.rows, CHECK_BATCH):
        orgs.look_up(row.ods for row, _ in chunk)
        for row, ok in chunk:
            if not row.ods:
                continue
            first = row.ods not in seen
            seen.add(row.ods)
            problem = orgs.problem(row.ods)
            if problem and (first or row.ods != option):
                if len(found) < PROBLEMS_KEPT:
                    found.append(RowProblem(row.row, ods_header, problem))
                else:
                    report.more_problems += 1
            elif ok and not problem:
                org_id = orgs.found[row.ods].id
                checked.add(SpooledRow(row, org_id))
                org_ids.add(org_id)
                periods.add(row.period)
    result.sort_problems()
    report.more_problems += result.more_problems
    report.add_problems([*result.problems, *found])
    if not dry_run:  # the duplicate check and the write, one import at a time
        lock_import(session, app.id, org_ids)
    writes = WriteChecks(session, app, result.columns)
    report.new_rows = _new_rows(session, app, report, checked, orgs, writes, org_ids, periods)
    checked.close()
    report.problems.sort(key=lambda p: p.row or 0)
    if report.problems or report.more_problems or dry_run:
        return report
    _write(session, access, app, report, writes, actor, filename, progress)
    return report


def _new_rows(
    session: Session,
    app: App,
    report: ImportReport,
    checked: RowSpool,
    orgs: OrgChecks,
    writes: WriteChecks,
    org_ids: set[int],
    periods: set[str | None],
) -> RowSpool:
    """The checked rows that are new and may be stored as they are (see the module)."""
    new_rows = RowSpool()
    rows = NewRowFilter(
        session,
        app.id,
        app_definition(session, app),
        long_layout=report.result.layout == "long",
        columns=report.result.columns,
        orgs=orgs.by_id,
    )
    rows.load_stored(org_ids, periods)
    for chunk in _batches(checked, CHECK_BATCH):
        rows.prefetch_keys(chunk)
        for spooled in chunk:
            kind, found = rows.sort(spooled)
            if kind == "duplicate":
                report.add_duplicate(found[0])
                continue
            if kind == "new":
                data, found = writes.check(spooled.row, orgs.by_id[spooled.org_id])
                if data is not None:
                    if data is not spooled.row.data:  # step values changed it: keys again
                        spooled.row.data, spooled.keys = data, None
                    new_rows.add(spooled)
            report.add_problems(found)
    return new_rows


def _write(
    session: Session,
    access: Access,
    app: App,
    report: ImportReport,
    writes: WriteChecks,
    actor: User | None,
    filename: str,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the new rows in batches in one savepoint: a failure undoes them all and is
    reported at the first row of the batch it happened in."""
    source = Path(filename).name[:255] or None
    written: array[int] = array("q")
    total = len(report.new_rows)
    current = None
    if progress is not None:
        progress(0, total)
    try:
        with session.begin_nested(), _pipeline(session, total) as pipeline:
            reported = 0
            for chunk in _batches(report.new_rows, WRITE_BATCH):
                current = chunk[0].row
                batch = [
                    NewRecord(
                        s.org_id, s.row.period, s.row.data, writes.definition(s.row.period), s.keys
                    )
                    for s in chunk
                ]
                written.extend(
                    write_submitted(session, access, app, batch, actor, source, pipeline)
                )
                # Sending a batch waits for the one before: all but the batch in flight are in.
                done = len(written) - (pipeline.in_flight if pipeline is not None else 0)
                if progress is not None and done > reported:
                    progress(done, total)
                    reported = done
            if pipeline is not None:
                pipeline.wait()
        if progress is not None and len(written) > reported:
            progress(len(written), total)
    except DataInvalid as exc:
        where = current.row if current else None
        report.add_problems(
            RowProblem(where, column_for(issue.pointer, report.result.columns), issue.message)
            for issue in exc.issues
        )
    except (Forbidden, MiniappsError) as exc:  # MiniappsError: e.g. a period locked meanwhile
        report.add_problems([RowProblem(current.row if current else None, None, str(exc))])
    else:
        report.created = CreatedRecords(session, written)


def _pipeline(session: Session, total: int) -> AbstractContextManager[CopyPipeline | None]:
    """PostgreSQL: batches COPYed while the next is prepared (:class:`CopyPipeline`)."""
    if session.get_bind().dialect.name == "postgresql":
        return CopyPipeline(session, total)
    return nullcontext()


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
