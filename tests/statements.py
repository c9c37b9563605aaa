"""Statements the database is sent while a block runs (``before_cursor_execute``), for tests
that pin what something costs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

SAVEPOINTS = ("SAVEPOINT", "RELEASE")  # a test's own transaction, nested in the fixture's


@contextmanager
def recorded_statements(
    target: Engine | Connection | Session,
    *,
    only: tuple[str, ...] = (),
    skip: tuple[str, ...] = (),
) -> Iterator[list[str]]:
    """The statements run through ``target`` inside the block, in order.

    An engine: every connection of it. A connection: that one only (a session bound to one
    connection in the tests answers ``get_bind()`` with it). A session: its bind's engine, so
    every connection of it; pass ``session.get_bind()`` or ``session.connection()`` to listen
    more narrowly.

    ``only``: keep just those whose first keyword is one of these (in capitals: ``"SELECT"``).
    ``skip``: leave out those starting with one of these (:data:`SAVEPOINTS`: the test's own
    transaction).
    """
    source = target.get_bind().engine if isinstance(target, Session) else target
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if skip and statement.startswith(skip):
            return
        if only and first_keyword(statement) not in only:
            return
        seen.append(statement)

    event.listen(source, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(source, "before_cursor_execute", note)


def first_keyword(statement: str) -> str:
    """The statement's first word, in capitals (``""`` for a blank one)."""
    words = statement.split(maxsplit=1)
    return words[0].upper() if words else ""
