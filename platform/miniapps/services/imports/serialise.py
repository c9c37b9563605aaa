"""One import at a time per app and organisation, so that two confirms of one file cannot
both find "no duplicates" and both write.

An import checks for duplicates (rows already stored) and then writes; two imports of
the same rows running at once would each check before the other wrote. So a writing
import takes a lock before its duplicate check, held until its transaction ends:

- PostgreSQL: a transaction-level advisory lock (``pg_advisory_xact_lock``) per app and
  organisation, taken in organisation order (no deadlock between two imports into
  overlapping organisations). The second import waits; its duplicate check then reads
  what the first committed (READ COMMITTED: each statement sees the latest commits).
- SQLite: the database's write lock, taken by a write that changes nothing. The second
  import waits for the first to commit (the busy timeout), then reads its records.

No table and no migration: the locks end with the transaction, whatever happens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_import(session: Session, app_id: str, org_ids: Iterable[int]) -> None:
    """Wait for, then hold until the transaction ends, the right to import into
    ``app_id`` for each of ``org_ids``."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        for org_id in sorted(set(org_ids)):
            session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": import_key(app_id, org_id)}
            )
    elif dialect == "sqlite":
        # An UPDATE that matches nothing still takes SQLite's write lock.
        session.execute(
            text("UPDATE apps SET id = id WHERE id = :app_id AND 1 = 0"), {"app_id": app_id}
        )


def import_key(app_id: str, org_id: int) -> int:
    """A signed 64-bit advisory-lock key for (app, organisation), stable across processes."""
    digest = hashlib.blake2b(f"miniapps-import:{app_id}:{org_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)
