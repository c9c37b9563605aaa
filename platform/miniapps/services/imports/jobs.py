"""Imports in two steps: a checked upload is kept, and confirming it runs the import in a
background thread of the web process, all or nothing.

The thread opens its own database session from the ``new_session`` factory it is given
(the job boundary: it commits once, after every row is written, or rolls everything
back). It reports progress into ``<token>.progress.json``
(:mod:`miniapps.services.imports.store`) while its transaction is still open. If the
process stops mid-way the transaction is never committed, and the progress page says the
import stopped. Nothing here knows about requests: the caller passes the user, the
imports folder and the session factory.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.imports.xlsx import ReadLimits
from miniapps.models import App, Organisation, User
from miniapps.services.app_retirement import retired_message
from miniapps.services.imports.records import ImportReport, import_records
from miniapps.services.imports.store import TOKEN_PATTERN, ImportFolder, ImportProgress
from miniapps.services.permissions import Access

log = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]
TOKEN = re.compile(f"^{TOKEN_PATTERN}$")

# At most this often (seconds) is progress written while rows are stored.
PROGRESS_EVERY = 0.2
UNEXPECTED = (
    "The import stopped because of an error on our side (for example the database was busy), "
    "so nothing was imported. Upload the file again to retry."
)
EXPIRED = "This import has expired. Upload the file again."


class ImportExpired(LookupError):
    """Nothing is kept under that token any more (or it never was)."""


class NotYourImport(PermissionError):
    """The kept upload belongs to another user or another app."""


def check_upload(
    session: Session,
    access: Access,
    app: App,
    content: bytes,
    filename: str,
    *,
    org: Organisation | str | None,
    period: str | None,
    user: User,
    folder: ImportFolder,
    limits: ReadLimits | None = None,
) -> tuple[ImportReport, str | None]:
    """Check an upload without writing (a dry run) and, when it would import rows, keep it
    under a new token for :func:`confirm_import`: (the report, the token or None). The
    import runs later within the same ``limits`` (kept in its note)."""
    limits = limits or ReadLimits()
    report = import_records(
        session,
        access,
        app,
        content,
        filename,
        org=org,
        period=period,
        dry_run=True,
        actor=user,
        limits=limits,
    )
    if not (report.ok and report.new_rows):
        return report, None
    note = {
        "user_id": user.id,
        "app_id": app.id,
        "filename": Path(filename).name,
        "org": org.ods if isinstance(org, Organisation) else org,
        "period": period,
        "rows": report.result.row_count,
        "limits": asdict(limits),
    }
    return report, folder.keep(content, note)


def confirm_import(
    new_session: SessionFactory, folder: ImportFolder, token: str, *, user_id: int, app_id: str
) -> None:
    """Start the import of the upload kept under ``token``, once: confirming again while it
    runs (or after) changes nothing. Raises :class:`ImportExpired` when the upload is no
    longer kept and :class:`NotYourImport` when it is another user's or app's."""
    note = folder.note(token) if TOKEN.match(token) else None
    if note is None:
        raise ImportExpired(EXPIRED)
    if note.get("user_id") != user_id or note.get("app_id") != app_id:
        raise NotYourImport("This import belongs to someone else.")
    if folder.progress(token) is not None:  # confirmed twice: the import is already running
        return
    if folder.content(token) is None:
        raise ImportExpired(EXPIRED)
    first = ImportProgress("checking", note["filename"], rows=note.get("rows", 0))
    if folder.claim(token, first):
        start_import(new_session, folder, token)


def own_import(
    folder: ImportFolder, token: str, *, user_id: int, app_id: str
) -> tuple[dict[str, Any], ImportProgress] | None:
    """The note and progress of ``token``'s import, if that user started it for that app."""
    if not TOKEN.match(token):
        return None
    note = folder.note(token)
    if note is None or note.get("user_id") != user_id or note.get("app_id") != app_id:
        return None
    progress = folder.progress(token)
    return (note, progress) if progress is not None else None


class ProgressWriter:
    """The ``progress(done, total)`` callback of an import: saves a snapshot now and then."""

    def __init__(self, folder: ImportFolder, token: str, progress: ImportProgress) -> None:
        self.folder = folder
        self.token = token
        self.progress = progress
        self._saved_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - self._saved_at >= PROGRESS_EVERY:
            self.save(state="importing", done=done, total=total)
            self._saved_at = now

    def save(self, **changes: object) -> None:
        self.progress = self.progress.update(**changes)
        self.folder.save_progress(self.token, self.progress)


def start_import(new_session: SessionFactory, folder: ImportFolder, token: str) -> threading.Thread:
    """Run the kept upload ``token`` in a new thread (its progress file is already claimed).

    A daemon thread: stopping the server stops the import, uncommitted, so nothing is
    half-written; the progress page then reports that it stopped.
    """
    thread = threading.Thread(
        target=run_import,
        args=(new_session, folder, token),
        name=f"import-{token[:8]}",
        daemon=True,
    )
    thread.start()
    return thread


def run_import(new_session: SessionFactory, folder: ImportFolder, token: str) -> None:
    """Check and write the kept upload ``token`` for the user who uploaded it, then commit."""
    note = folder.note(token) or {}
    first = folder.progress(token) or ImportProgress("checking", note.get("filename", ""))
    writer = ProgressWriter(folder, token, first)
    session = new_session()
    try:
        report, problems = _import(session, note, folder.content(token), writer)
        if report is not None and not problems:
            session.commit()
            writer.save(
                state="done",
                created=len(report.created),
                total=len(report.new_rows),
                done=len(report.created),
            )
        else:
            session.rollback()
            writer.save(state="failed", problems=problems)
    except Exception:  # the job boundary: whatever happened, report it, write nothing
        session.rollback()
        log.exception("import %s failed", token)
        writer.save(state="failed", problems=[UNEXPECTED])
    finally:
        session.close()
        folder.drop_upload(token)


def _import(
    session: Session,
    note: dict[str, Any],
    content: bytes | None,
    writer: ProgressWriter,
) -> tuple[ImportReport | None, list[str]]:
    user = session.get(User, note.get("user_id"))
    app = session.get(App, note.get("app_id"))
    if content is None or user is None or app is None:
        return None, [EXPIRED]
    if app.status == "retired":
        return None, [f"The import could not run: {retired_message(app)}."]
    if not user.active or app.status != "published":
        return None, ["The import could not run: the account or the app is no longer active."]
    report = import_records(
        session,
        Access(user),
        app,
        content,
        str(note.get("filename", "")),
        org=note.get("org"),
        period=note.get("period"),
        dry_run=False,
        actor=user,
        progress=writer,
        limits=ReadLimits(**note["limits"]) if note.get("limits") else None,
    )
    writer.progress = replace(writer.progress, duplicates=[str(d) for d in report.duplicates])
    return report, [str(problem) for problem in report.problems]
