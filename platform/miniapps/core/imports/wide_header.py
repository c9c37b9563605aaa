"""The header row of a wide import file: which question (or organisation, period) each
column fills, and what the header alone shows is wrong.

:class:`WideLayout` maps the header onto an :class:`ImportResult` once, before any row is
read (:mod:`miniapps.core.imports.wide` then reads the rows against it): columns are named
by a field's key or title (any case) or a path, ``ods`` and ``period`` columns stand in
for the ``org`` and ``period`` options, columns exports write for information are
ignored with a warning, and unknown or clashing columns and required questions no column
fills are problems at row 1.
"""

from __future__ import annotations

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.core.imports.base import (
    ODS_HEADERS,
    PERIOD_HEADERS,
    Column,
    ImportResult,
    RowProblem,
    check_org_source,
    option_period,
)
from miniapps.core.imports.columns import column_name, missing_required, overlaps, resolve_header

# Written by exports for information; never imported (imported records are new and submitted).
EXPORT_ONLY = frozenset(
    {"id", "record_id", "app_version", "organisation", "status", "submitted_by"}
    | {"created_at", "updated_at", "submitted_at"}
)


class WideLayout:
    """What the header row of a wide file says: its columns (mapped onto ``result`` at
    once, with the header's problems), the period for every row, the required fields no
    column fills."""

    def __init__(
        self,
        result: ImportResult,
        definition: AppDefinition,
        headers: list[str],
        org: str | None,
        period: str | None,
    ) -> None:
        fields = list(iter_fields(definition.schema))
        map_columns(result, headers, fields, definition)
        self.frequency = str(definition.period.get("frequency", "none"))
        self.period = option_period(result, period, self.frequency)
        check_org_source(result, org)
        self.by_pointer = {f.pointer: f for f in fields}
        self.missing = missing_required(definition.schema, result.columns)
        if self.missing:
            names = ", ".join(column_name(p) for p in sorted(self.missing))
            result.problems.append(RowProblem(1, None, f"required column(s) missing: {names}"))


def map_columns(
    result: ImportResult, headers: list[str], fields: list[Field], definition: AppDefinition
) -> None:
    """Append a :class:`Column` per header to ``result.columns``, with the header's
    problems (unknown or clashing columns) and warnings (columns exports write)."""
    unknown: list[str] = []
    ignored: list[str] = []
    taken: dict[str, str] = {}
    for number, header in enumerate(headers):
        if not header:
            result.columns.append(Column(number, header, None))
            continue
        folded = header.strip().casefold()
        resolved = resolve_header(header, fields)
        if resolved is not None:
            target, found = resolved
            title = found.title
        elif folded in ODS_HEADERS:
            target, title = "ods", "Organisation (ODS code)"
        elif folded in PERIOD_HEADERS and definition.is_periodic:
            target, title = "period", "Period"
        elif folded in EXPORT_ONLY or folded == "period":
            ignored.append(header)
            target, title = None, ""
        else:
            unknown.append(header)
            target, title = None, ""
        clash = next((h for t, h in taken.items() if target and overlaps(t, target)), None)
        if clash is not None:
            result.problems.append(
                RowProblem(1, header, f"this column and column {clash} fill the same question")
            )
            target = None
        elif target:
            taken[target] = header
        result.columns.append(Column(number, header, target, title))
    if unknown:
        known = ", ".join(column_name(f.pointer) for f in fields if f.parent == "")
        result.problems.append(
            RowProblem(
                1,
                None,
                f"unknown column(s) {', '.join(unknown)}: name each column by a question's "
                f"key or title ({known})",
            )
        )
    if ignored:
        result.warnings.append(f"columns not imported (exports write them): {', '.join(ignored)}")
