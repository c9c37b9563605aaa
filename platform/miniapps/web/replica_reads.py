"""The session read-only views (dashboards, exports) read with.

With a read replica configured (``REPLICA_DATABASE_URL``) they read there, through
:meth:`miniapps.db.Database.read_session` (read-only, closed at the end of the block),
so that a national dashboard or export never loads the primary. The request's own
session still does everything else: the sign-in and token checks, the permission
checks, and the audits those reads write, all on the primary. Without a replica they
read with the request's own session: a second connection to the same database would
only cost a checkout and a ``BEGIN``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from miniapps.db import db


@contextmanager
def read_only_work() -> Iterator[Session]:
    """A session for the read-only part of a view: the replica's when there is one (load
    what you need inside the block), else the request's."""
    if db.replica_engine() is None:
        yield db.session
        return
    with db.read_session() as session:
        yield session
