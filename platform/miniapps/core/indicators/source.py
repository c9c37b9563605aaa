"""Indicators as yearly data: the ``indicator_source`` member of a definition.

An app whose indicators change every year (the IIF tracker) does not list them in its
definition. It names a *keyed* object field instead, one member per indicator code, each
an object holding that indicator's counts::

    "indicator_source": {"field": "/indicators", "list_size": "/list_size"}
    record data: {"list_size": 9800,
                  "indicators": {"CAN-04": {"numerator": 30, "denominator": 41, ...}}}

The indicators themselves come from the year set (:mod:`miniapps.core.indicators.year_sets`)
of the record's financial year. :func:`expand_definition` turns the definition into the
one a period's records use: the keyed field gets one property per indicator of that year
(title, hint) and refuses other codes, so forms, validation, import and export need
nothing special. :func:`specs_for` binds a year's indicators to the record fields.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Protocol

from miniapps.core.definitions.context import SemanticContext
from miniapps.core.definitions.schema_fields import resolve
from miniapps.core.errors import Issue
from miniapps.core.indicators.arithmetic import IndicatorSpec
from miniapps.core.indicators.year_sets import YearSet
from miniapps.core.pointers import pointer_join, pointer_parts, value_at

COUNT_KINDS = ("integer", "number")


class IndicatorMembers(Protocol):
    """The members indicators are read from (an ``AppDefinition`` has them)."""

    @property
    def indicators(self) -> list[dict[str, Any]]: ...

    @property
    def indicator_source(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class IndicatorSource:
    """The parsed member: where each indicator's counts live in a record."""

    field: str  # pointer of the object keyed by indicator code
    numerator: str = "numerator"  # member names inside each code's object
    denominator: str = "denominator"
    exclusions: str | None = "exclusions"
    list_size: str | None = None  # pointer of the organisation's list size

    @classmethod
    def of(cls, definition: IndicatorMembers) -> IndicatorSource | None:
        raw = definition.indicator_source
        return None if raw is None else cls.from_json(raw)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> IndicatorSource:
        return cls(
            field=raw["field"],
            numerator=raw.get("numerator", "numerator"),
            denominator=raw.get("denominator", "denominator"),
            exclusions=raw.get("exclusions", "exclusions"),
            list_size=raw.get("list_size"),
        )

    def pointer(self, code: str, member: str) -> str:
        return pointer_join(self.field, code, member)


def specs_for(
    source: IndicatorSource, year_set: YearSet, row_schema: dict[str, Any]
) -> list[IndicatorSpec]:
    """The year's indicators bound to the record fields (``/indicators/CAN-04/numerator``).
    ``exclusions`` is bound only when the row schema has that member."""
    members = row_schema.get("properties", {})
    bound = []
    for spec in year_set.specs:
        exclusions = source.exclusions if source.exclusions in members else None
        bound.append(
            IndicatorSpec(
                **{
                    **spec.__dict__,
                    "numerator": source.pointer(spec.code, source.numerator),
                    "denominator": source.pointer(spec.code, source.denominator),
                    "exclusions": exclusions and source.pointer(spec.code, exclusions),
                    "list_size": source.list_size,
                }
            )
        )
    return bound


def row_schema(definition_raw: dict[str, Any], source: IndicatorSource) -> dict[str, Any]:
    """The schema of one indicator's object (the keyed field's ``additionalProperties``)."""
    keyed = _keyed_schema(definition_raw["schema"], source.field) or {}
    row = keyed.get("additionalProperties", {})
    if row is False and keyed.get("properties"):  # expanded: every code has the row's schema
        row = next(iter(keyed["properties"].values()))
    row = resolve(row, definition_raw["schema"])
    return row if isinstance(row, dict) else {}


def expand_definition(definition_raw: dict[str, Any], year_set: YearSet) -> dict[str, Any]:
    """A copy of the definition whose keyed field lists exactly the year's indicators."""
    source = IndicatorSource.from_json(definition_raw["indicator_source"])
    expanded = copy.deepcopy(definition_raw)
    root = expanded["schema"]
    keyed = _keyed_schema(root, source.field)
    assert keyed is not None, "checked by check_indicator_source"
    row = row_schema(definition_raw, source)
    properties = {}
    for spec in year_set.specs:
        hint = year_set.raw["indicators"][year_set.codes.index(spec.code)].get("description")
        properties[spec.code] = {
            **copy.deepcopy(row),
            "title": f"{spec.code}: {spec.title}",
            **({"description": hint} if hint else {}),
        }
    keyed["properties"] = properties
    keyed["additionalProperties"] = False
    return expanded


def count_issues(definition: IndicatorMembers, data: Any) -> list[Issue]:
    """Counts a schema cannot check: a numerator above its denominator (achievement past
    100 %), for the definition's ``indicators`` and every code under ``indicator_source``.
    One :class:`Issue` at the numerator's pointer each."""
    pairs = [
        (raw["code"], raw["numerator"], raw["denominator"])
        for raw in definition.indicators
        if "-" not in pointer_parts(raw["numerator"]) + pointer_parts(raw["denominator"])
    ]
    source = IndicatorSource.of(definition)
    if source is not None:
        rows = value_at(data, source.field)
        for code in rows if isinstance(rows, dict) else ():
            num, den = (
                source.pointer(code, source.numerator),
                source.pointer(code, source.denominator),
            )
            pairs.append((code, num, den))
    issues = []
    for code, num_pointer, den_pointer in pairs:
        numerator, denominator = value_at(data, num_pointer), value_at(data, den_pointer)
        if _count(numerator) and _count(denominator) and numerator > denominator:
            message = (
                f"{code}: the numerator ({numerator}) cannot be more than the "
                f"denominator ({denominator})"
            )
            issues.append(Issue(num_pointer, message, "numerator_above_denominator"))
    return issues


def check_indicator_source(ctx: SemanticContext) -> None:
    """The keyed field is an object whose members are objects with count fields."""
    raw = ctx.raw.get("indicator_source")
    if raw is None or not ctx.schema_ok:
        return
    if ctx.raw.get("indicators"):
        message = "an app takes its indicators from indicators or from indicator_source, not both"
        ctx.add("/indicator_source", message, "conflict")
    source = IndicatorSource.from_json(raw)
    keyed = _keyed_schema(ctx.raw["schema"], source.field)
    if keyed is None or ctx.find(source.field) is None:
        ctx.add("/indicator_source/field", f"there is no field at {source.field}", "unknown_field")
        return
    row = row_schema(ctx.raw, source)
    if keyed.get("properties") or not row.get("properties"):
        message = (
            f"{source.field} must be an object keyed by indicator code: no properties of its "
            "own, and additionalProperties an object schema with the count fields"
        )
        ctx.add("/indicator_source/field", message, "wrong_kind")
        return
    members = row["properties"]
    for name in ("numerator", "denominator", "exclusions"):
        member = getattr(source, name)
        if member is None or (name == "exclusions" and "exclusions" not in raw):
            continue
        kind = resolve(members.get(member, {}), ctx.raw["schema"]).get("type")
        if member not in members or kind not in COUNT_KINDS:
            message = f"{source.field}'s members need a whole-number field '{member}'"
            ctx.add(pointer_join("/indicator_source", name), message, "unknown_field")
    if source.list_size:
        target = ctx.find(source.list_size)
        if target is None or target.kind not in COUNT_KINDS:
            message = f"there is no number field at {source.list_size}"
            ctx.add("/indicator_source/list_size", message, "unknown_field")


def _keyed_schema(schema: dict[str, Any], pointer: str) -> dict[str, Any] | None:
    """The (mutable) schema object of the field at ``pointer``, through ``properties``."""
    node: Any = schema
    for key in pointer_parts(pointer):
        node = resolve(node, schema)
        if not isinstance(node, dict) or key not in (node.get("properties") or {}):
            return None
        node = node["properties"][key]
    node = resolve(node, schema)
    return node if isinstance(node, dict) and node.get("type") == "object" else None


def _count(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
