"""Confirmed imports run in a background thread of the web process, all or nothing.

The thread has its own app context and database session (the job boundary: it commits
once, after every row is written, or rolls everything back). It reports progress into
``<token>.progress.json`` (:mod:`miniapps.services.imports.store`) while its transaction
is still open. If the process stops mid-way the transaction is never committed, and the
progress page says the import stopped.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from miniapps.db import db
from miniapps.models import App, User
from miniapps.services.imports.records import ImportReport, import_records
from miniapps.services.imports.store import ImportFolder, ImportProgress
from miniapps.services.permissions import Access

# At most this often (seconds) is progress written while rows are stored.
PROGRESS_EVERY = 0.2
UNEXPECTED = (
    "The import stopped because of an error on our side (for example the database was busy), "
    "so nothing was imported. Upload the file again to retry."
)


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


def start_import(flask_app: Flask, folder: ImportFolder, token: str) -> threading.Thread:
    """Run the kept upload ``token`` in a new thread (its progress file is already claimed).

    A daemon thread: stopping the server stops the import, uncommitted, so nothing is
    half-written; the progress page then reports that it stopped.
    """
    thread = threading.Thread(
        target=run_import, args=(flask_app, folder, token), name=f"import-{token[:8]}", daemon=True
    )
    thread.start()
    return thread


def run_import(flask_app: Flask, folder: ImportFolder, token: str) -> None:
    """Check and write the kept upload ``token`` for the user who uploaded it, then commit."""
    note = folder.note(token) or {}
    first = folder.progress(token) or ImportProgress("checking", note.get("filename", ""))
    writer = ProgressWriter(folder, token, first)
    with flask_app.app_context():
        session = db.new_session(flask_app)
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
            flask_app.logger.exception("import %s failed", token)
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
        return None, ["This import has expired. Upload the file again."]
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
    )
    writer.progress = replace(writer.progress, duplicates=[str(d) for d in report.duplicates])
    return report, [str(problem) for problem in report.problems]
