"""Clinical-system extracts: one row per organisation and indicator, one record per month.

An app with ``indicator_source`` (:mod:`miniapps.core.indicators.source`) keeps each
month's return as one record ``{"list_size": .., "indicators": {code: {...}}}``.
Clinical systems export the same figures *long*::

    ods,indicator,numerator,denominator,exclusions,list_size
    A81001,CAN-04,30,41,2,9800
    A81001,HI-03,18,25,,9800

The columns are named after the member (by key or title, any case): ``indicator`` holds
the code, ``numerator``, ``denominator`` and ``exclusions`` the members of each code's
object, ``list_size`` the field ``indicator_source.list_size`` names; ``ods`` and
``period`` work as in the wide layout. A file is read this way when the app has
``indicator_source`` and the file has an ``indicator`` column; no other declaration is
needed.

Rows are grouped by (organisation, period) into one :class:`ImportRow` each and checked
against the definition expanded to that period's year set, so each problem is reported
on the row and column it came from: a code that is not an indicator of that year, the
same organisation and indicator twice, a numerator above its denominator, a negative or
fractional count, list sizes that differ between one practice's rows.
:func:`compare_with_return` (:mod:`miniapps.core.imports.existing_records`) tells the import
service how a record relates to a return already stored for that organisation and month:
a duplicate when every figure of the file is already there, else a problem (a return is
never overwritten). Column roles: :mod:`miniapps.core.imports.long_columns`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import iter_fields
from miniapps.core.forms.field_base import MISSING
from miniapps.core.imports.base import (
    SAMPLE_ROWS,
    ImportResult,
    ImportRow,
    RowProblem,
    check_org_source,
    option_period,
    period_problem,
    period_text,
    unnamed_cells,
)
from miniapps.core.imports.cells import CellProblem, cell_text, convert_cell
from miniapps.core.imports.existing_records import compare_with_return, origin, same_value
from miniapps.core.imports.long_columns import (
    COUNT_ROLES,
    INDICATOR_HEADERS,
    column_roles,
    map_long_columns,
    missing_long_columns,
)
from miniapps.core.indicators.source import IndicatorSource, expand_definition
from miniapps.core.indicators.year_sets import YearSet, financial_year
from miniapps.core.pointers import pointer_join, pointer_parts, set_at, value_at
from miniapps.core.records.check import check_record

__all__ = ["compare_with_return", "is_long_layout", "origin", "read_long"]

YearSets = Callable[[str], YearSet | None]


def is_long_layout(definition: AppDefinition, headers: list[str]) -> bool:
    """True when ``definition`` takes its indicators from year sets and the file has an
    ``indicator`` column: one row per organisation and indicator."""
    folded = {h.strip().casefold() for h in headers}
    return definition.indicator_source is not None and bool(folded & INDICATOR_HEADERS)


class _Year:
    """One period's year set and the definition expanded to it (or why there is none)."""

    def __init__(self, definition: AppDefinition, period: str, year_sets: YearSets) -> None:
        self.problem: str | None = None
        self.year_set: YearSet | None = None
        try:
            label = financial_year(period)
        except ValueError:
            self.problem = "indicators follow the financial year: choose a month like 2025-06"
            return
        self.year_set = year_sets(period)
        if self.year_set is None:
            self.problem = (
                f"no indicators are loaded for {label}: load that year's set first "
                "(miniapps indicators load FILE)"
            )
            return
        self.definition = AppDefinition(
            expand_definition(definition.raw, self.year_set), definition.source
        )
        self.fields = {f.pointer: f for f in iter_fields(self.definition.schema)}
        self.codes = {code.casefold(): code for code in self.year_set.codes}


def read_long(
    definition: AppDefinition,
    table: list[tuple[int, list[Any]]],
    *,
    org: str | None,
    period: str | None,
    year_sets: YearSets,
) -> ImportResult:
    """Read a long extract (``table``: header row, then data rows) into one record per
    organisation and period, checked against each period's indicators (``year_sets``)."""
    source = IndicatorSource.of(definition)
    assert source is not None, "is_long_layout checks indicator_source"
    result = ImportResult(layout="long")
    roles = column_roles(definition, source)
    map_long_columns(result, [cell_text(c) for c in table[0][1]], roles, definition)
    missing = missing_long_columns(result, roles, definition, source)
    frequency = str(definition.period.get("frequency", "none"))
    period = option_period(result, period, frequency)
    check_org_source(result, org)
    headers = {c.target: c.header for c in result.columns if c.target}
    years: dict[str, _Year] = {}
    seen: dict[tuple[str, str | None, str], int] = {}
    groups: dict[tuple[str, str | None], ImportRow] = {}
    bad: set[tuple[int, str]] = set()  # (row, column) of cells already reported
    for number, cells in table[1:]:
        if not any(cell_text(c) for c in cells):
            continue
        if len(result.sample) < SAMPLE_ROWS:
            result.sample.append((number, [cell_text(c) for c in cells]))
        unnamed_cells(result, number, cells)
        values = {
            c.target: cells[c.number]
            for c in result.columns
            if c.target and c.number < len(cells) and cell_text(cells[c.number])
        }
        where = _where(result, number, values, headers, org, period, frequency)
        if where is None:
            continue
        ods, row_period = where
        year = years.get(row_period) if row_period else None
        if row_period and year is None:
            year = years[row_period] = _Year(definition, row_period, year_sets)
            if year.problem:
                column = headers.get("period") if "period" in values else None
                at = number if column else None
                prefix = "" if column else f"period {row_period}: "
                result.problems.append(RowProblem(at, column, prefix + year.problem))
        if year is None or year.problem:
            continue
        code = _code(result, number, values, headers, year)
        if code is None:
            continue
        key = (ods, row_period, code)
        if key in seen:
            when = f" for {row_period}" if "period" in headers else ""
            message = f"duplicate row: {ods} {code}{when} is also in row {seen[key]}"
            result.problems.append(RowProblem(number, headers["indicator"], message))
            continue
        seen[key] = number
        group = groups.get((ods, row_period))
        if group is None:
            group = groups[(ods, row_period)] = ImportRow(number, ods, row_period, {})
        group.source_rows.append(number)
        group.origins[pointer_join(source.field, code)] = (number, headers["indicator"])
        for role in COUNT_ROLES:
            if role in headers:
                member = getattr(source, role)
                pointer = source.pointer(code, member)
                group.origins[pointer] = (number, headers[role])
                _put_cell(result, group, pointer, values.get(role), year, bad)
        if "list_size" in headers and source.list_size:
            cell = (values.get("list_size"), headers["list_size"])
            _list_size(result, group, source.list_size, cell, year, bad)
    for group in groups.values():
        _check_group(result, group, years[group.period or ""], source, missing, bad)
    result.rows = list(groups.values())
    if not result.rows and not result.problems:
        result.problems.append(RowProblem(None, None, "the file has no rows below the header"))
    if result.rows:
        count = sum(len(g.source_rows) for g in result.rows)
        result.warnings.append(
            f"{count} rows make {len(result.rows)} returns, one per organisation and period"
        )
    result.sort_problems()
    return result


def _where(
    result: ImportResult,
    number: int,
    values: dict[str, Any],
    headers: dict[str, str],
    org: str | None,
    period: str | None,
    frequency: str,
) -> tuple[str, str | None] | None:
    """A row's (ODS code, period), or None when either is missing or wrong (reported)."""
    ods = cell_text(values["ods"]).upper() if "ods" in values else (org or "").strip().upper()
    if not ods:
        if "ods" in headers:
            message = "enter the organisation's ODS code"
            result.problems.append(RowProblem(number, headers["ods"], message))
        return None
    if "period" in values:
        text = period_text(values["period"], frequency)
        if problem := period_problem(text, frequency):
            result.problems.append(RowProblem(number, headers["period"], problem))
            return None
        return ods, text
    if period is None and "period" in headers:
        result.problems.append(RowProblem(number, headers["period"], "enter the period"))
        return None
    if period is not None and period_problem(period, frequency):
        return None  # the chosen period is wrong: reported once, without a row
    return ods, period


def _code(
    result: ImportResult, number: int, values: dict[str, Any], headers: dict[str, str], year: _Year
) -> str | None:
    """The row's indicator code as the year set spells it, or None (reported)."""
    text = cell_text(values.get("indicator"))
    column = headers["indicator"]
    if not text:
        result.problems.append(RowProblem(number, column, "enter the indicator code"))
        return None
    code = year.codes.get(text.casefold())
    if code is None:
        assert year.year_set is not None
        codes = ", ".join(year.year_set.codes)
        message = f"{text} is not an indicator of {year.year_set.year} ({codes})"
        result.problems.append(RowProblem(number, column, message))
    return code


def _put_cell(
    result: ImportResult,
    group: ImportRow,
    pointer: str,
    value: Any,
    year: _Year,
    bad: set[tuple[int, str]],
) -> None:
    """Convert one cell (None: blank) for the field at ``pointer`` into the group's data;
    a cell that cannot be read is reported and remembered in ``bad``."""
    if value is None:
        return
    number, header = group.origins[pointer]
    try:
        converted = convert_cell(year.fields[pointer], value)
    except CellProblem as exc:
        result.problems.append(RowProblem(number, header, str(exc)))
        bad.add((number, header))
        return
    if converted is not MISSING:
        set_at(group.data, pointer, converted)


def _list_size(
    result: ImportResult,
    group: ImportRow,
    pointer: str,
    cell: tuple[Any, str],
    year: _Year,
    bad: set[tuple[int, str]],
) -> None:
    """One list size per organisation and period: the first row giving it sets it, a
    later row giving another is a problem; a row may leave it blank."""
    (value, header), number = cell, group.source_rows[-1]
    earlier = value_at(group.data, pointer, MISSING)
    if value is None or earlier is MISSING:
        if value is not None or pointer not in group.origins:
            group.origins[pointer] = (number, header)
        _put_cell(result, group, pointer, value, year, bad)
        return
    try:
        converted = convert_cell(year.fields[pointer], value)
    except CellProblem as exc:
        result.problems.append(RowProblem(number, header, str(exc)))
        return
    if not same_value(converted, earlier):
        message = (
            f"{group.ods}'s list size is {cell_text(earlier)} in row {group.origins[pointer][0]}: "
            "give one list size for each practice"
        )
        result.problems.append(RowProblem(number, header, message))


def _check_group(
    result: ImportResult,
    group: ImportRow,
    year: _Year,
    source: IndicatorSource,
    missing: set[str],
    bad: set[tuple[int, str]],
) -> None:
    """Validate one record like a submitted form; each issue goes to the cell it came from."""
    definition = year.definition
    check = check_record(definition, group.data, submit=True)
    group.data = check.data
    for issue in check.issues:
        last = pointer_parts(issue.pointer)[-1:] or [""]
        if issue.code == "required" and (issue.pointer in missing or last[0] in missing):
            continue  # the whole column is missing: reported once, at row 1
        number, column = origin(group, issue.pointer)
        if (number, column or "") in bad:
            continue
        result.problems.append(RowProblem(number, column, issue.message))
