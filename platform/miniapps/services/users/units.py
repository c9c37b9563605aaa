"""Short units of work: sign-in and token checks read and write in transactions of their
own, never inside the request's, so a read-only request writes nothing and a write is
over in milliseconds (SQLite lets one writer at a time)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

# A callable that opens a session for one block and closes it at the end.
Unit = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Units:
    """Where the short steps run: ``read`` (a session that never takes SQLite's write
    lock, closed at the end), ``write`` (commits at the end, or rolls back) and
    ``bookkeeping`` (a write that gives up at once rather than wait behind a long writer
    such as an import; :func:`best_effort`): :func:`miniapps.web.session_user.db_units`
    in the app."""

    read: Unit
    write: Unit
    bookkeeping: Unit | None = None


log = logging.getLogger(__name__)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes, which are UTC here."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@contextmanager
def best_effort(units: Units, what: str) -> Iterator[Session]:
    """A unit whose failure is logged and forgotten: bookkeeping (last seen, last used)
    that must never fail the request it was noticed in."""
    try:
        with (units.bookkeeping or units.write)() as session:
            yield session
    except SQLAlchemyError:
        log.warning("could not record %s; will try again later", what, exc_info=True)


def within(session: Session) -> Units:
    """Units that all run in ``session`` and only flush: for a caller (or a test) that
    commits or rolls back itself."""

    @contextmanager
    def unit() -> Iterator[Session]:
        yield session
        session.flush()

    return Units(read=unit, write=unit)


def untouched(session: Session) -> bool:
    """Whether ``session`` has neither a transaction nor changes waiting to be flushed:
    then a transaction that only reads can be committed without keeping anything else."""
    return not session.in_transaction() and not (session.new or session.dirty or session.deleted)
