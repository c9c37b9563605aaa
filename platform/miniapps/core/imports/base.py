"""What every import layout shares: problems, columns, rows, the result, and periods.

Both the wide layout (:mod:`miniapps.core.imports.wide`, one row per record) and the
long layout of indicator extracts (:mod:`miniapps.core.imports.long`, one row per
organisation and indicator) produce an :class:`ImportResult` of :class:`ImportRow`
records and :class:`RowProblem` messages printed as ``row N, column C: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl.utils import get_column_letter

from miniapps.core.imports.cells import cell_text
from miniapps.core.periods.keys import PERIOD_SHAPES, period_of

ODS_HEADERS = frozenset({"ods", "ods code", "org", "organisation ods"})
PERIOD_HEADERS = frozenset({"period"})
SAMPLE_ROWS = 10
PROBLEMS_KEPT = 1_000  # problems an import keeps in memory; the rest are counted


@dataclass(frozen=True)
class RowProblem:
    """One problem in the file: ``row`` is the spreadsheet's row number (header: 1)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Column:
    """One column of the file: ``target`` is a field pointer, ``ods``, ``period``, a role
    of the long layout (``indicator``, ``numerator`` ...) or None (not imported)."""

    number: int
    header: str
    target: str | None
    title: str = ""


@dataclass
class ImportRow:
    """One record to store. ``row`` is its (first) row in the file; a long-layout record
    also lists every row it was made of and, for each value, the (row, column) it came
    from (``origins``: pointer → (row, header)) so later checks can name the cell."""

    row: int
    ods: str | None
    period: str | None
    data: dict[str, Any]
    source_rows: list[int] = field(default_factory=list)
    origins: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass
class ImportResult:
    columns: list[Column] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sample: list[tuple[int, list[str]]] = field(default_factory=list)
    layout: str = "wide"  # or "long": one row per organisation and indicator
    row_count: int = 0  # rows read below the header (a streamed read keeps no ``rows``)
    more_problems: int = 0  # problems found beyond the first PROBLEMS_KEPT, not kept
    stopped: bool = False  # the read stopped part-way: ``problems`` holds why, alone

    @property
    def ok(self) -> bool:
        return not self.problems

    def keep_problems_bounded(self, kept: int | None = None) -> None:
        """Keep the first ``kept`` problems (file order), count the rest: a file of a
        million bad rows reports the first thousand and "and N more problems"."""
        kept = PROBLEMS_KEPT if kept is None else kept
        if len(self.problems) > kept:
            self.more_problems += len(self.problems) - kept
            del self.problems[kept:]

    def stop(self, problem: RowProblem) -> None:
        """The read stopped part-way: ``problem`` is all that is reported (the file is
        beyond the import's limits, or unreadable), as if nothing had been read."""
        self.problems[:] = [problem]
        self.columns.clear()
        self.sample.clear()
        self.rows.clear()
        self.more_problems = 0
        self.stopped = True

    def sort_problems(self) -> None:
        """Problems in file order: by row, then by column position."""
        order = {c.header: c.number for c in reversed(self.columns)}
        self.problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", len(order))))


def period_problem(period: str, frequency: str) -> str | None:
    """Why ``period`` does not fit an app of this ``frequency``, or None."""
    if frequency == "none":
        return "this app has no periods; leave the period out"
    pattern, example = PERIOD_SHAPES.get(frequency, PERIOD_SHAPES["monthly"])
    if not pattern.match(period.strip().upper()):
        return f"enter a {frequency} period like {example}"
    return None


def option_period(result: ImportResult, period: str | None, frequency: str) -> str | None:
    """The period chosen for the whole file (checked), or None; reports a periodic app's
    file that has neither a period column nor a chosen period."""
    if not period:
        has_column = any(c.target == "period" for c in result.columns)
        if frequency != "none" and not has_column:
            example = PERIOD_SHAPES.get(frequency, (None, "2025-04"))[1]
            result.problems.append(
                RowProblem(1, None, f"add a period column or choose the period (like {example})")
            )
        return None
    problem = period_problem(period, frequency)
    if problem:
        result.problems.append(RowProblem(None, None, f"period {period}: {problem}"))
    return period.strip().upper()


def check_org_source(result: ImportResult, org: str | None) -> None:
    """Reports a file with neither an ods column nor a chosen organisation."""
    if not org and not any(c.target == "ods" for c in result.columns):
        result.problems.append(
            RowProblem(1, None, "add an ods column or choose the organisation to import for")
        )


def period_text(value: Any, frequency: str) -> str:
    """A period cell as text; a date typed into Excel becomes the period containing it."""
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return period_of(day, frequency) or day.isoformat()
    return cell_text(value).upper()


def unnamed_cells(result: ImportResult, number: int, cells: list[Any]) -> None:
    """Reports values in columns that row 1 does not name (they would be lost)."""
    for index, value in enumerate(cells):
        unnamed = index >= len(result.columns) or not result.columns[index].header
        if unnamed and cell_text(value):
            message = "this value is in a column with no name in row 1"
            result.problems.append(RowProblem(number, get_column_letter(index + 1), message))
