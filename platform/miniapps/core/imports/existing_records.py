"""A long extract's record against the return already stored for its practice and month.

An import never overwrites or doubles a return: :func:`compare_with_return` makes a
record whose figures are all in the stored return a duplicate (skipped), and any other a
problem on the first cell that differs. :func:`origin` finds the cell a value came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from miniapps.core.forms.field_base import MISSING
from miniapps.core.imports.base import ImportRow, RowProblem
from miniapps.core.imports.cells import cell_text
from miniapps.core.imports.columns import column_name
from miniapps.core.pointers import pointer_join


def origin(row: ImportRow, pointer: str) -> tuple[int, str | None]:
    """The (row, column) of the file a pointer of ``row``'s data came from."""
    best = ""
    for known in row.origins:
        if (pointer == known or pointer.startswith(known + "/")) and len(known) > len(best):
            best = known
    if best:
        return row.origins[best]
    return row.row, column_name(pointer) if pointer else None


def compare_with_return(row: ImportRow, record_id: int, stored: Any) -> tuple[RowProblem, bool]:
    """How a long-layout ``row`` relates to the record ``record_id`` (data ``stored``)
    already kept for its organisation and period: ``(duplicate, True)`` when every value
    the file gives is already there (extra values in the record, such as plans, do not
    matter), else ``(problem, False)`` naming the first cell that differs. An import never
    overwrites a return."""
    differences = list(_differences(row.data, stored, ""))
    rows = _rows_text(row.source_rows)
    if not differences:
        message = f"duplicate of record {record_id} ({row.ods} {row.period}, {rows})"
        return RowProblem(row.row, None, message), True
    pointer, _, theirs = differences[0]
    number, column = origin(row, pointer)
    there = "empty" if theirs is MISSING else cell_text(theirs)
    more = len(differences) - 1
    others = f" (and {more} other value{'s' if more != 1 else ''})" if more else ""
    message = (
        f"{row.ods} already has a return for {row.period} (record {record_id}) where this is "
        f"{there}{others}; an import never changes a return: edit record {record_id}, or "
        f"take {row.ods}'s rows out of the file"
    )
    return RowProblem(number, column, message), False


def _differences(mine: Any, theirs: Any, pointer: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(mine, dict):
        for key, value in mine.items():
            other = theirs.get(key, MISSING) if isinstance(theirs, dict) else MISSING
            yield from _differences(value, other, pointer_join(pointer, key))
    elif theirs is MISSING or not same_value(mine, theirs):
        yield pointer, mine, theirs


def same_value(a: Any, b: Any) -> bool:
    """Equal as stored values: ``5`` and ``5.0`` are the same, ``True`` and ``1`` are not."""
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return not isinstance(a, bool) and not isinstance(b, bool) and a == b
    return bool(a == b)


def _rows_text(rows: list[int]) -> str:
    if len(rows) == 1:
        return f"row {rows[0]}"
    if rows == list(range(rows[0], rows[-1] + 1)):
        return f"rows {rows[0]}-{rows[-1]}"
    return "rows " + ", ".join(str(r) for r in rows)
