"""Which checked rows of an import are new: not a stored record, not an earlier row, not a
second record for a period held once, not a ``unique`` answer another record holds.

:class:`NewRowFilter` reads the app's stored records of the file's organisations and
periods once, streamed (``yield_per``), keeping a 64-bit digest of each one's
(organisation, period, data) and the holder of each (organisation, period); rows of the
file are remembered the same way, so memory grows by a few dozen bytes per row, not by
its data. ``unique`` keys are looked up one query per batch of rows
(:meth:`NewRowFilter.prefetch_keys`). Messages are those of the one-by-one checks.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Select, TextClause, or_, select, text
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.imports.base import Column, RowProblem
from miniapps.core.imports.columns import column_for
from miniapps.core.imports.long import compare_with_return
from miniapps.core.periods.slots import holds_one_per_period
from miniapps.core.records.unique_keys import AnswerKey, answer_keys
from miniapps.models import Organisation, Record
from miniapps.models.record_key import RecordKey
from miniapps.services.imports.spool import SpooledRow
from miniapps.services.records.unique_keys import clash_issue

KeyOf = tuple[int, int, str]  # (organisation id, key index, key digest)
HoldersQuery = Select[int, int, str, int] | TextClause  # (org id, index, digest, record id)
HOLDERS_BY_PROBE = text(
    """
    SELECT wanted.org_id, wanted.key_index, wanted.key_hash, held.record_id
    FROM unnest(
        CAST(:orgs AS integer[]), CAST(:indexes AS integer[]), CAST(:digests AS varchar[])
    ) AS wanted (org_id, key_index, key_hash)
    CROSS JOIN LATERAL (
        SELECT record_keys.record_id FROM record_keys
        WHERE record_keys.app_id = :app_id
          AND record_keys.organisation_id = wanted.org_id
          AND record_keys.key_index = wanted.key_index
          AND record_keys.key_hash = wanted.key_hash
        LIMIT 1
    ) AS held
    """
)


def content_key(data: Any) -> str:
    """Record data as canonical JSON: key order and ``5`` versus ``5.0`` do not matter."""
    return json.dumps(_normal(data), sort_keys=True, ensure_ascii=False)


def _normal(value: Any, finite: bool = False) -> Any:
    """``value`` with integral floats as integers; ``finite``: TypeError on NaN or an
    infinity (orjson would write them as ``null``)."""
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        if finite and not math.isfinite(value):
            raise TypeError("not finite")
        return value
    if isinstance(value, dict):
        return {k: _normal(v, finite) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v, finite) for v in value]
    return value


def content_digest(org_id: int, period: str | None, data: Any) -> int:
    """64 bits of (organisation, period, canonical data): equal data, equal digest. The
    data is written by orjson with sorted keys (several times faster than
    :func:`content_key`, and only ever compared with digests made here), or by
    :func:`content_key` when orjson would refuse it or write it differently (an integer
    beyond 64 bits, NaN): equal data takes the same way, so the digests still agree."""
    try:
        body = orjson.dumps(_normal(data, finite=True), option=orjson.OPT_SORT_KEYS)
    except TypeError:
        body = content_key(data).encode()
    text = f"{org_id}\x1f{period}\x1f".encode() + body
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


class NewRowFilter:
    """Sorts rows (in file order) into new ones, duplicates and problems; see the module."""

    def __init__(
        self,
        session: Session,
        app_id: str,
        definition: AppDefinition,
        *,
        long_layout: bool,
        columns: list[Column],
        orgs: dict[int, Organisation],
    ) -> None:
        self.session = session
        self.app_id = app_id
        self.definition = definition
        self.long_layout = long_layout
        self.columns = columns
        self.orgs = orgs
        self.one_per_period = holds_one_per_period(definition.period)
        self.stored: dict[int, int] = {}  # content digest → the first record holding it
        self.returned: dict[tuple[int, str | None], tuple[int, Any]] = {}
        self.in_file: dict[int, int] = {}  # content digest → its first new row
        self.period_rows: dict[tuple[int, str | None], int] = {}
        self.key_rows: dict[KeyOf, int] = {}
        self.key_holders: dict[KeyOf, int] = {}

    def load_stored(self, org_ids: set[int], periods: set[str | None]) -> None:
        """Read the stored records of ``org_ids`` and ``periods`` once (streamed)."""
        if not org_ids:
            return
        named = sorted(p for p in periods if p is not None)
        period_filter = [Record.period.in_(named)] if named else []
        if None in periods:
            period_filter.append(Record.period.is_(None))
        query = (
            select(Record.id, Record.organisation_id, Record.period, Record.data, Record.superseded)
            .where(
                Record.app_id == self.app_id,
                Record.organisation_id.in_(sorted(org_ids)),
                or_(*period_filter),
            )
            .order_by(Record.id)
            .execution_options(yield_per=2_000)
        )
        for record_id, org_id, period, data, superseded in self.session.execute(query):
            self.stored.setdefault(content_digest(org_id, period, data), record_id)
            if not superseded:
                kept = data if self.long_layout else None  # only a long extract compares
                self.returned.setdefault((org_id, period), (record_id, kept))

    def prefetch_keys(self, rows: Sequence[SpooledRow]) -> None:
        """Work out the ``unique`` keys of ``rows`` and find, in one query, the stored
        records holding them."""
        unique = self.definition.unique
        if not unique:
            return
        wanted: set[KeyOf] = set()
        for spooled in rows:
            spooled.answer_keys = answer_keys(unique, spooled.row.data)
            spooled.keys = [(key.index, key.digest) for key in spooled.answer_keys]
            wanted.update((spooled.org_id, index, digest) for index, digest in spooled.keys)
        wanted -= self.key_holders.keys()
        if not wanted:
            return
        for org_id, index, digest, record_id in self.session.execute(*self._holders(wanted)):
            if (org_id, index, digest) in wanted:
                self.key_holders[(org_id, index, digest)] = record_id

    def _holders(self, wanted: set[KeyOf]) -> tuple[HoldersQuery, dict[str, Any]]:
        """The query for the records holding ``wanted`` keys: (organisation, index,
        digest, record id) rows.

        A batch must cost the same however many keys the app holds. A row-value ``IN``
        list did not: PostgreSQL tested 1,000 ORs against every key of the app and SQLite
        searched the index by ``app_id`` alone, each batch slower than the last as records
        were stored (the server's share that grew with each file imported). PostgreSQL
        now probes the unique index once per key (a lateral ``LIMIT 1`` the planner cannot
        flatten); SQLite searches it by every column from per-column ``IN`` lists, whose
        cross product may find more than was asked (kept only when wanted)."""
        if self.session.get_bind().dialect.name == "postgresql":
            ordered = sorted(wanted)
            return HOLDERS_BY_PROBE, {
                "app_id": self.app_id,
                "orgs": [org_id for org_id, _, _ in ordered],
                "indexes": [index for _, index, _ in ordered],
                "digests": [digest for _, _, digest in ordered],
            }
        query = select(
            RecordKey.organisation_id, RecordKey.key_index, RecordKey.key_hash, RecordKey.record_id
        ).where(
            RecordKey.app_id == self.app_id,
            RecordKey.organisation_id.in_(sorted({org_id for org_id, _, _ in wanted})),
            RecordKey.key_index.in_(sorted({index for _, index, _ in wanted})),
            RecordKey.key_hash.in_(sorted({digest for _, _, digest in wanted})),
        )
        return query, {}

    def sort(self, spooled: SpooledRow) -> tuple[str, list[RowProblem]]:
        """``("new", [])``, ``("duplicate", [why])`` or ``("problem", [what])``."""
        row, org_id = spooled.row, spooled.org_id
        org = self.orgs[org_id]
        slot = (org_id, row.period)
        digest = content_digest(org_id, row.period, row.data)
        if self.long_layout and slot in self.returned:
            found, is_duplicate = compare_with_return(row, *self.returned[slot])
            return ("duplicate" if is_duplicate else "problem"), [found]
        if digest in self.stored:
            return "duplicate", [
                RowProblem(row.row, None, f"duplicate of record {self.stored[digest]}")
            ]
        if digest in self.in_file:
            return "duplicate", [
                RowProblem(row.row, None, f"duplicate of row {self.in_file[digest]}")
            ]
        if self.one_per_period and slot in self.returned:
            holder = self.returned[slot][0]
            message = f"{org.ods} already has a record for {row.period}: record {holder}"
            return "problem", [RowProblem(row.row, None, message)]
        if self.one_per_period and slot in self.period_rows:
            earlier = self.period_rows[slot]
            message = f"{org.ods} has another record for {row.period} in row {earlier}"
            return "problem", [RowProblem(row.row, None, message)]
        self.in_file[digest] = row.row
        self.period_rows[slot] = row.row
        clashes = self._key_clashes(spooled, org)
        return ("problem", clashes) if clashes else ("new", [])

    def _key_clashes(self, spooled: SpooledRow, org: Organisation) -> list[RowProblem]:
        """A problem per ``unique`` key of the row a stored record or an earlier new row
        holds, at its column (as :func:`unique_keys.file_clashes` words it)."""
        found: list[RowProblem] = []
        row = spooled.row
        for key in spooled.answer_keys:
            of = (spooled.org_id, key.index, key.digest)
            earlier = self.key_rows.setdefault(of, row.row)
            if of in self.key_holders:
                holder = f"record {self.key_holders[of]}"
            elif earlier != row.row:
                holder = f"row {earlier}"
            else:
                continue
            found.append(self._clash_problem(row.row, key, org, holder))
        return found

    def _clash_problem(self, number: int, key: AnswerKey, org: Organisation, holder: str) -> Any:
        issue = clash_issue(self.definition, key, org, holder)
        return RowProblem(number, column_for(issue.pointer, self.columns), issue.message)
