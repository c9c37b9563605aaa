"""The imports folder: uploads kept between preview and confirmation, and import progress.

For each upload, ``IMPORTS_DIR`` holds, under one random token:

- ``<token>.upload``: the file's bytes (deleted when its import has run);
- ``<token>.json``: the server's note of whose it is (user, app, file name, organisation,
  period), so the page only ever carries the token;
- ``<token>.progress.json``: the state of its background import (checking, importing,
  done, failed). Progress lives in a file, not the database: on SQLite the import's
  transaction holds the write lock until it commits, so nothing else could record
  progress there meanwhile, and any web worker (gunicorn runs several) can read a file.
  Each write replaces the file atomically (``os.replace``), so readers never see half of one.

Everything is deleted a day after it was last written.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

TOKEN_PATTERN = r"[A-Za-z0-9_-]{20,64}"
KEEP_SECONDS = 24 * 3600
RUNNING = ("checking", "importing")
STOPPED = (
    "The import stopped before it finished (the server was restarted), so nothing was "
    "imported. Upload the file again: rows that were imported are skipped."
)


@dataclass(frozen=True)
class ImportProgress:
    """One snapshot of a background import, as kept in ``<token>.progress.json``.

    ``state`` is ``checking`` (the file is read and checked again), ``importing`` (``done``
    of ``total`` new rows written, not yet committed), ``done`` (committed: ``created``
    records) or ``failed`` (nothing written; ``problems`` says why, one line each).
    """

    state: str
    filename: str
    rows: int = 0
    done: int = 0
    total: int = 0
    created: int = 0
    duplicates: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    updated_at: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.state not in RUNNING

    @property
    def percent(self) -> int | None:
        """Whole per cent written; None while checking (the bar is indeterminate)."""
        if self.state == "done":
            return 100
        if self.state != "importing":
            return None
        return self.done * 100 // self.total if self.total else 100

    @property
    def text(self) -> str:
        """What the bar shows, in words (the bar never speaks by colour or length alone)."""
        if self.state == "checking":
            rows = f"{self.rows:,} rows" if self.rows else "the file"
            return f"Checking {rows} before saving"
        if self.state == "importing":
            return f"Imported {self.done:,} of {self.total:,} rows"
        if self.state == "done":
            return f"Imported {self.created:,} of {self.total:,} rows"
        return "Nothing was imported"

    def as_json(self) -> dict[str, Any]:
        """What the progress endpoint answers (no server details such as the pid)."""
        return {
            "state": self.state,
            "finished": self.finished,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "text": self.text,
        }

    def abandoned(self) -> bool:
        """Still marked running, but the process that ran it on this host has gone."""
        if self.finished or self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's process
            return False
        return False

    def update(self, **changes: Any) -> ImportProgress:
        return replace(self, updated_at=time.time(), **changes)


class ImportFolder:
    """Uploads, notes and progress files under one folder (``IMPORTS_DIR``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def keep(self, content: bytes, note: dict[str, Any]) -> str:
        """Store an upload and its note under a new random token."""
        self.tidy()
        token = secrets.token_urlsafe(24)
        (self.path / f"{token}.upload").write_bytes(content)
        self.write_note(token, note)
        return token

    def write_note(self, token: str, note: dict[str, Any]) -> None:
        self._write_atomically(self.path / f"{token}.json", note)

    def note(self, token: str) -> dict[str, Any] | None:
        return self._read(self.path / f"{token}.json")

    def content(self, token: str) -> bytes | None:
        try:
            return (self.path / f"{token}.upload").read_bytes()
        except OSError:
            return None

    def drop_upload(self, token: str) -> None:
        (self.path / f"{token}.upload").unlink(missing_ok=True)

    def claim(self, token: str, first: ImportProgress) -> bool:
        """Write the first progress of ``token``'s import unless it already has one.

        Exactly one of two simultaneous confirmations gets True (``os.link`` fails on an
        existing name), so an import never starts twice.
        """
        temporary = self._temporary(self._progress_path(token))
        temporary.write_text(json.dumps(asdict(first)))
        try:
            os.link(temporary, self._progress_path(token))
        except FileExistsError:
            return False
        finally:
            temporary.unlink(missing_ok=True)
        return True

    def save_progress(self, token: str, progress: ImportProgress) -> None:
        self._write_atomically(self._progress_path(token), asdict(progress))

    def progress(self, token: str) -> ImportProgress | None:
        """The last snapshot, with an abandoned import (its process died) marked failed."""
        raw = self._read(self._progress_path(token))
        if raw is None:
            return None
        try:
            progress = ImportProgress(**raw)
        except TypeError:
            return None
        if progress.abandoned():
            progress = progress.update(state="failed", problems=[STOPPED])
            self.save_progress(token, progress)
            self.drop_upload(token)
        return progress

    def tidy(self) -> None:
        """Delete whatever was last written more than :data:`KEEP_SECONDS` ago."""
        limit = time.time() - KEEP_SECONDS
        for old in self.path.iterdir():
            try:
                if old.stat().st_mtime < limit:
                    old.unlink(missing_ok=True)
            except FileNotFoundError:  # another worker tidied it first
                continue

    def _progress_path(self, token: str) -> Path:
        return self.path / f"{token}.progress.json"

    def _temporary(self, final: Path) -> Path:
        return final.with_name(f"{final.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")

    def _write_atomically(self, final: Path, value: dict[str, Any]) -> None:
        temporary = self._temporary(final)
        temporary.write_text(json.dumps(value))
        os.replace(temporary, final)

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            value = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None
