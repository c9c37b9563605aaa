"""Columns of a long indicator extract (see :mod:`miniapps.core.imports.long`).

Each column has a *role*: ``ods``, ``period``, ``indicator`` (the code), ``numerator``,
``denominator``, ``exclusions`` (members of each code's object) and ``list_size`` (the
field ``indicator_source.list_size`` names). A role's column is named by the member's
key or title, in any case: the definition's ``indicator_source`` is the whole mapping.
"""

from __future__ import annotations

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.imports.base import (
    ODS_HEADERS,
    PERIOD_HEADERS,
    Column,
    ImportResult,
    RowProblem,
)
from miniapps.core.indicators.source import IndicatorSource, row_schema
from miniapps.core.pointers import pointer_parts

INDICATOR_HEADERS = frozenset({"indicator", "indicator code"})
COUNT_ROLES = ("numerator", "denominator", "exclusions")
Roles = dict[str, tuple[set[str], str]]


def column_roles(definition: AppDefinition, source: IndicatorSource) -> Roles:
    """Each column role of the long layout: (headers naming it, folded; its title)."""
    members = row_schema(definition.raw, source).get("properties", {})
    roles: Roles = {
        "indicator": (set(INDICATOR_HEADERS), "Indicator code"),
    }
    for role in COUNT_ROLES:
        member = getattr(source, role)
        if member is None or member not in members:
            continue
        title = str(members[member].get("title") or member)
        roles[role] = ({member.casefold(), title.casefold(), role}, title)
    if source.list_size:
        found = next((f for f in definition.fields if f.pointer == source.list_size), None)
        title = found.title if found else "List size"
        key = pointer_parts(source.list_size)[-1]
        roles["list_size"] = ({key.casefold(), title.casefold(), "list_size"}, title)
    return roles


def map_long_columns(
    result: ImportResult,
    headers: list[str],
    roles: Roles,
    definition: AppDefinition,
) -> None:
    """Give each header its role in ``result.columns``; report unknown and doubled ones."""
    unknown: list[str] = []
    taken: dict[str, str] = {}
    for number, header in enumerate(headers):
        folded = header.strip().casefold()
        target: str | None = None
        title = ""
        if folded in ODS_HEADERS:
            target, title = "ods", "Organisation (ODS code)"
        elif folded in PERIOD_HEADERS and definition.is_periodic:
            target, title = "period", "Period"
        else:
            for role, (names, role_title) in roles.items():
                if folded in names:
                    target, title = role, role_title
                    break
        if header and target is None:
            unknown.append(header)
        elif target in taken:
            message = f"this column and column {taken[target]} fill the same question"
            result.problems.append(RowProblem(1, header, message))
            target = None
        elif target:
            taken[target] = header
        result.columns.append(Column(number, header, target, title))
    if unknown:
        optional = [r for r in roles if r not in ("indicator", "numerator", "denominator")]
        known = "ods, indicator, numerator, denominator and optionally " + ", ".join(
            [*optional, "period"]
        )
        message = f"unknown column(s) {', '.join(unknown)}: an indicator extract has {known}"
        result.problems.append(RowProblem(1, None, message))


def missing_long_columns(
    result: ImportResult,
    roles: Roles,
    definition: AppDefinition,
    source: IndicatorSource,
) -> set[str]:
    """Reports the columns the records cannot do without (numerator, denominator, and any
    the schema requires); returns the member names and pointers they would fill."""
    present = {c.target for c in result.columns if c.target}
    members = row_schema(definition.raw, source)
    needed = ["numerator", "denominator"]
    if "exclusions" in roles and source.exclusions in (members.get("required") or []):
        needed.append("exclusions")
    fields = {f.pointer: f for f in definition.fields}
    if source.list_size and source.list_size in fields and fields[source.list_size].required:
        needed.append("list_size")
    missing = [role for role in needed if role not in present]
    if missing:
        message = f"required column(s) missing: {', '.join(missing)}"
        result.problems.append(RowProblem(1, None, message))
    names = {getattr(source, role) for role in missing if role != "list_size"}
    return names | ({source.list_size or ""} if "list_size" in missing else set())
