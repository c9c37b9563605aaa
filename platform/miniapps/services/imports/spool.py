"""Checked rows of an import kept on disk between its passes, so a million-row file is
never a million objects in memory.

A :class:`RowSpool` is a temporary file of pickled tuples (held in memory until it passes
:data:`IN_MEMORY_BYTES`, then on disk, deleted when closed or collected; only this
process writes and reads it). Each is one :class:`SpooledRow`: the row of the file, its
organisation and period, its checked data, (long extracts) where each value came from
and, once known, the ``unique`` keys it holds. Reading it back yields the rows in the
order they were written, as often as needed.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from miniapps.core.imports.base import ImportRow

IN_MEMORY_BYTES = 8 * 1024 * 1024


@dataclass
class SpooledRow:
    """An :class:`ImportRow` whose organisation is known (``org_id``); ``keys``: the
    (index, digest) of each ``unique`` key its data holds, once worked out."""

    row: ImportRow
    org_id: int
    keys: list[tuple[int, str]] | None = None
    answer_keys: list[Any] = field(default_factory=list)  # in memory only

    def fields(self) -> tuple[Any, ...]:
        row = self.row
        return (
            row.row,
            row.ods,
            row.period,
            row.data,
            self.org_id,
            row.source_rows,
            row.origins,
            self.keys,
        )

    @classmethod
    def of(cls, fields: tuple[Any, ...]) -> SpooledRow:
        number, ods, period, data, org_id, source_rows, origins, keys = fields
        return cls(ImportRow(number, ods, period, data, source_rows, origins), org_id, keys)


class RowSpool:
    """Rows written once, then read back (see the module). ``len()`` counts them."""

    def __init__(self) -> None:
        # Closed by close(), or when the spool is collected (a report may outlive it).
        self._file: Any = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=IN_MEMORY_BYTES, mode="w+b"
        )
        self._count = 0

    def add(self, row: SpooledRow) -> None:
        pickle.dump(row.fields(), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[SpooledRow]:
        """The rows in order, read from the start (a new pass each time)."""
        self._file.flush()
        self._file.seek(0)
        for _ in range(self._count):  # one unpickler per row: its memo never grows
            yield SpooledRow.of(pickle.load(self._file))
        self._file.seek(0, 2)  # writing goes on at the end

    def close(self) -> None:
        self._file.close()

    def __del__(self) -> None:  # a report's rows live as long as the report
        self._file.close()
