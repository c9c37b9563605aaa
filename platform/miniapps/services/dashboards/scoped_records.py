"""Which records a dashboard aggregates: one app's submitted records within a scope of
organisations and a period range, as SQL conditions.

The scope is a condition on :class:`Organisation`. Pinning it (naming its organisations
by id as well) lets each database find the records through the ``(app_id,
organisation_id, ...)`` index; :meth:`ScopedRecords.record_conditions` gives the same
conditions on the records alone, for the roll-up, which joins the organisations to its
few cells rather than to every record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    FromClause,
    Integer,
    SQLColumnExpression,
    any_,
    bindparam,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from miniapps.models import Organisation, Record

# Scopes of at most this many organisations are also given to the database by id.
PINNED_ORGANISATIONS = 1000
# SQLite: a scope holding at least this share of the records table is read by scanning it.
SCANNED_SHARE = 4  # one record in four
# PostgreSQL: scopes holding this many records per organisation are grouped into cells.
RECORDS_PER_ORGANISATION = 50


def _written(ids: list[int]) -> BindParameter[list[int]]:
    """``ids`` as a bind written into the statement when it runs (``IN (1, 43, ...)``)."""
    return bindparam(None, ids, expanding=True, literal_execute=True)


class ScopedRecords:
    """The submitted records of one app within a scope and period range.

    ``scope`` is a SQL condition on :class:`Organisation`; periods compare as strings
    (inclusive) and must be in the stored periods' format. Records without a period
    count only when neither bound is given.
    """

    def __init__(
        self,
        session: Session,
        app_id: str,
        scope: ColumnElement[bool],
        period_from: str | None = None,
        period_to: str | None = None,
    ) -> None:
        self.session = session
        self.app_id = app_id
        self.dialect = session.get_bind().dialect.name
        self.conditions: list[ColumnElement[bool]] = [
            Record.app_id == app_id,
            Record.status != "draft",
            # A duplicate for a period another record holds never counts twice.
            Record.superseded.is_(False),
            scope,
        ]
        if period_from:
            self.conditions.append(Record.period >= period_from)
        if period_to:
            self.conditions.append(Record.period <= period_to)
        self.scope = scope
        # The pin among the conditions (see pin_organisations): a condition on the records
        # alone that holds exactly where ``scope`` does, or None.
        self.pinned: ColumnElement[bool] | None = None
        self.pinned_ids: list[int] | None = None  # PostgreSQL: the ids it names

    def pin_organisations(self, limit: int = PINNED_ORGANISATIONS) -> None:
        """Also name the scope's organisations by id, when there are at most ``limit``.

        The condition is redundant but lets the database find the records through the
        ``(app_id, organisation_id, ...)`` index: given only the join to a range of paths,
        PostgreSQL estimates a scan of all the app's records as cheaper than an index probe
        per organisation, and an ICB's dashboard then reads every record of the app. On
        PostgreSQL the ids are written into the statement (``IN (1, 43, ...)``), not
        passed as one array: the planner then estimates from the ids themselves how many
        records they hold (given an array it cannot see, it guessed 1,843 of 1,000,000
        and sorted where it should have hashed).
        """
        ids = self.session.scalars(
            select(Organisation.id).where(self.scope).order_by(Organisation.id).limit(limit + 1)
        ).all()
        if len(ids) > limit:
            return
        if self.dialect == "postgresql":
            self.pinned_ids = list(ids)
            self._pin(Record.organisation_id.in_(_written(self.pinned_ids)))
        else:
            self._pin(self._records_of(Record.organisation_id.in_(ids)))

    def pin_subtree(self) -> None:
        """:meth:`pin_organisations` for a scope within one organisation's subtree (at most
        an ICB: a few hundred organisations). On SQLite without a statement of its own: the
        ids are a subquery evaluated once, before reading any record (``IN (SELECT id
        ...)``), answered from the same index."""
        if self.dialect == "postgresql":
            self.pin_organisations()
            return
        ids = select(Organisation.id).where(self.scope).correlate(None)
        self._pin(self._records_of(Record.organisation_id.in_(ids)))

    def _pin(self, pinned: ColumnElement[bool]) -> None:
        self.pinned = pinned
        self.conditions.append(pinned)

    def record_conditions(self) -> list[ColumnElement[bool]]:
        """The conditions as conditions on the records alone, for a statement that reads
        them without joining their organisations (the roll-up, which joins them to its
        few cells instead): the scope as the pin, or as ``organisation_id IN (SELECT id
        ...)``.

        On SQLite, when the scope holds much of the records table (:meth:`_holds_much`),
        the table is scanned instead of read through the index: record by record from the
        index costs about twice a scan's time per record, more than reading the records
        outside the scope too. SQLite has no hint for it; the app and organisation are
        compared as ``app_id || ''`` and ``organisation_id + 0``, which no index answers."""
        rest = [c for c in self.conditions if c is not self.scope and c is not self.pinned]
        organisation: SQLColumnExpression[Any] = Record.organisation_id
        if self.dialect == "sqlite" and self._holds_much():
            rest[0] = Record.app_id.concat("") == self.app_id  # rest[0]: the app's records
            organisation = Record.organisation_id + 0
        elif self.pinned is not None:
            return [*rest, self.pinned]
        ids = select(Organisation.id).where(self.scope).correlate(None)
        return [*rest, organisation.in_(ids)]

    def many_per_organisation(self) -> bool:
        """PostgreSQL: whether the pinned organisations hold at least
        :data:`RECORDS_PER_ORGANISATION` records each on average (True when not pinned:
        a scope too wide to name). One statement, counting from the index and stopping at
        that many. The roll-up groups many records into cells by organisation and period
        first; few it groups by each branch (:mod:`rollup_by_record`)."""
        if self.pinned_ids is None:
            return True
        enough = RECORDS_PER_ORGANISATION * max(len(self.pinned_ids), 1)
        app = Record.app_id == self.app_id
        held = select(Record.id).where(app, Record.organisation_id.in_(_written(self.pinned_ids)))
        found = self.session.scalar(select(func.count()).select_from(held.limit(enough).subquery()))
        return (found or 0) >= enough

    def _holds_much(self) -> bool:
        """SQLite: whether the scope holds at least one in :data:`SCANNED_SHARE` records of
        the table. One statement, counting from the index and stopping at that many."""
        total = select(func.coalesce(func.max(Record.id), 0)).scalar_subquery()
        enough = total // SCANNED_SHARE  # about the table's records: ids are rarely deleted
        ids = select(Organisation.id).where(self.scope).correlate(None)
        app = Record.app_id == self.app_id
        held = select(Record.id).where(app, Record.organisation_id.in_(ids)).limit(enough)
        found = select(func.count()).select_from(held.subquery()).scalar_subquery()
        row = self.session.execute(select(found, enough)).one()
        return bool(row[1]) and row[0] >= row[1]

    def _records_of(self, pinned: ColumnElement[bool]) -> ColumnElement[bool]:
        """The condition ``pinned`` on a record's organisation. On SQLite as ``id IN
        (SELECT id FROM records WHERE app_id = ... AND pinned)``: the ids are read from the
        ``(app_id, organisation_id, ...)`` index alone, then the records in the order of
        their ids, which is the table's: read organisation by organisation, a scope's
        records are scattered over the whole table, one page read each (at a million
        records, most of the statement). PostgreSQL does this itself (a bitmap scan)."""
        if self.dialect == "postgresql":
            return pinned
        # The subquery's own records (not correlated): the outer query's are named alike.
        ids = select(Record.id).where(Record.app_id == self.app_id, pinned).correlate(None)
        return Record.id.in_(ids)

    def id_in(self, column: SQLColumnExpression[Any], ids: Sequence[int]) -> ColumnElement[bool]:
        """``column IN (ids)``. On PostgreSQL one array parameter (``= ANY(...)``), so the
        statement's text does not depend on how many ids there are: SQLAlchemy and psycopg
        then reuse what they made of it instead of expanding hundreds of parameters again
        (about 2 ms of Python for an ICB)."""
        if self.dialect == "postgresql":
            return column == any_(literal(list(ids), ARRAY(Integer)))
        return column.in_(ids)

    def records(self) -> FromClause:
        return Record.__table__.join(
            Organisation.__table__, Record.organisation_id == Organisation.id
        )
