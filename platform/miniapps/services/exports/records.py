"""Which records an export holds: those the user may see, through the one permission filter.

:class:`RecordExport` reads them from a server-side cursor (``yield_per``; on PostgreSQL
read ahead on a thread, :mod:`~miniapps.services.exports.read_ahead`), only the columns
an export needs, so that a national export never holds its records at once; it
notes the ids of channel records as they pass, and :meth:`RecordExport.audit` then writes
one read per channel record, in batches. :func:`export_items` (whole ORM records in a
list) stays for small callers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVarTuple

import orjson
from sqlalchemy import Select, Text, cast, exists, select
from sqlalchemy.orm import Session

from miniapps.core.exports.records import ExportItem, ExportRow
from miniapps.core.records.value_safety import load_stored_json
from miniapps.models import App, ChannelItem, Organisation, Record, User
from miniapps.models.organisation import subtree
from miniapps.services.channels.reads import audit_reads
from miniapps.services.exports.read_ahead import read_ahead
from miniapps.services.permissions import Access

# Rows fetched per round trip from the cursor; channel records audited per statement.
YIELD_PER = 1000
AUDIT_BATCH = 500
_Columns = TypeVarTuple("_Columns")
_DATA = ExportRow._fields.index("data")


def _data(text: str) -> Any:
    """Stored JSON text as Python; what orjson refuses (``NaN``, a lone surrogate, stored
    before the record check refused them) is read and scrubbed as the ORM would."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        value = load_stored_json(text)
    return value


def _filtered(
    query: Select[*_Columns],
    access: Access,
    app: App,
    within: Organisation | None,
    period: str | None,
    status: str | None,
) -> Select[*_Columns]:
    query = (
        query.join(Organisation, Record.organisation_id == Organisation.id)
        .outerjoin(User, Record.created_by_id == User.id)
        .where(Record.app_id == app.id, access.record_clause(app))
    )
    if within is not None:
        query = query.where(subtree(within.path))
    if period:
        query = query.where(Record.period == period)
    if status:
        query = query.where(Record.status == status)
    return query.order_by(Record.id)


class RecordExport:
    """The records of one export, read afresh by each call of :meth:`items`."""

    def __init__(
        self,
        session: Session,
        access: Access,
        app: App,
        *,
        within: Organisation | None = None,
        period: str | None = None,
        status: str | None = None,
        yield_per: int = YIELD_PER,
    ) -> None:
        self.session, self.access, self.yield_per = session, access, yield_per
        has_items = exists().where(ChannelItem.record_id == Record.id).label("has_items")
        # The data as text, parsed here by orjson (a third of json.loads's time for wide
        # records); on PostgreSQL the server writes the jsonb out as text.
        columns = select(
            *(getattr(Record, name) for name in ExportRow._fields[:_DATA]),
            cast(Record.data, Text),
            *(getattr(Record, name) for name in ExportRow._fields[_DATA + 1 :]),
            Organisation.ods,
            Organisation.name,
            User.name,
            has_items,
        )
        self.statement = _filtered(columns, access, app, within, period, status)
        self.channel_record_ids: set[int] = set()

    def items(self) -> Iterator[ExportItem]:
        """``(record, ODS, organisation name, submitter name)`` for every record the user
        may see, oldest first, streamed ``yield_per`` rows at a time."""
        width = len(ExportRow._fields)
        result = self.session.execute(
            self.statement.execution_options(yield_per=self.yield_per, stream_results=True)
        )
        # PostgreSQL's batches are read ahead while these are written (read_ahead.py);
        # SQLite's cursor works in this process, so there is nothing to overlap.
        if self.session.get_bind().dialect.name == "postgresql":
            rows: Iterator[Any] = read_ahead(result, self.yield_per)
        else:
            rows = iter(result)
        try:
            for row in rows:
                if row[-1]:
                    self.channel_record_ids.add(row[0])
                record = ExportRow._make((*row[:_DATA], _data(row[_DATA]), *row[_DATA + 1 : width]))
                yield record, row[width], row[width + 1], row[width + 2]
        finally:
            result.close()

    def audit(self, session: Session | None = None) -> int:
        """Write one read (via "export") per channel record read, in ``session`` (the
        primary's, when the records were read on a replica; default: the one they were
        read with); the caller commits."""
        writer = session if session is not None else self.session
        ids = sorted(self.channel_record_ids)
        audited = 0
        for start in range(0, len(ids), AUDIT_BATCH):
            batch = ids[start : start + AUDIT_BATCH]
            records = writer.scalars(select(Record).where(Record.id.in_(batch))).all()
            audited += audit_reads(writer, self.access, records, "export")
        return audited


def export_items(
    session: Session,
    access: Access,
    app: App,
    *,
    within: Organisation | None = None,
    period: str | None = None,
    status: str | None = None,
) -> list[ExportItem]:
    """``(record, ODS, organisation name, submitter name)`` for every record of ``app`` the
    user may see, oldest first; ``within`` keeps that organisation and those beneath it."""
    query = select(Record, Organisation.ods, Organisation.name, User.name)
    rows = session.execute(_filtered(query, access, app, within, period, status))
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def audit_exported(session: Session, access: Access, items: list[ExportItem]) -> int:
    """Write one read (via "export") per channel record among ``items``; the caller commits."""
    records = [record for record, *_ in items if isinstance(record, Record)]
    return audit_reads(session, access, records, "export")
