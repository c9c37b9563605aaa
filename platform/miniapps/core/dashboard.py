"""The automatic dashboard of an app: widgets derived from its record schema alone.

Flask-free. Every number is computed in SQL with aggregates over the submitted
records (any status but ``draft``) in a scope; see :mod:`miniapps.core.dashboard_widgets`
for the queries. The answer follows the dashboard contract: a list of
``{"id", "type", "title", "data"}`` where the first widget is ``records`` and each
number, enum, multi-select or boolean field adds one widget whose id is its JSON
pointer (items of repeating sections use ``-``: ``/courses/-/completed``).

After those come the analysis widgets of :mod:`miniapps.core.dashboard_trends`
(``records_by_period``, ``<pointer>#trend``, and with a breakdown ``records#by_org`` and
``<pointer>#by_org``); field filters (:mod:`miniapps.core.dashboard_filters`) restrict
every widget alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from miniapps.core.dashboard_filters import FieldFilter
from miniapps.core.dashboard_trends import (
    Breakdown,
    build_numbers_by_org,
    build_records_by_org,
    build_records_by_period,
    build_trends,
)
from miniapps.core.dashboard_widgets import (
    WIDGET_TYPES,
    WidgetQuery,
    build_number_summaries,
    choice_key,
)
from miniapps.core.schema_fields import Field, iter_fields

__all__ = [
    "FIELD_WIDGETS",
    "WIDGET_TYPES",
    "Breakdown",
    "automatic_widgets",
    "choice_key",
    "widget_type_for",
]

# Which automatic widget summarises which kind of field (other kinds get none).
FIELD_WIDGETS: dict[str, str] = {
    "integer": "number_summary",
    "number": "number_summary",
    "enum": "value_counts",
    "multi_enum": "value_counts",
    "boolean": "value_counts",
}


class DefinitionLike(Protocol):
    """What the dashboard needs of an :class:`~miniapps.core.definitions.AppDefinition`."""

    @property
    def id(self) -> str: ...

    @property
    def schema(self) -> dict[str, Any]: ...

    @property
    def is_periodic(self) -> bool: ...


def widget_type_for(field: Field) -> str | None:
    """The automatic widget type for a field, or None when it has none (text, objects)."""
    return FIELD_WIDGETS.get(field.kind)


def automatic_widgets(
    session: Session,
    definition: DefinitionLike,
    scope: ColumnElement[bool],
    period_from: str | None = None,
    period_to: str | None = None,
    *,
    filters: Sequence[FieldFilter] = (),
    breakdown: Breakdown | None = None,
) -> list[dict[str, Any]]:
    """The automatic widgets of ``definition``'s app over records whose organisation matches
    ``scope`` (a SQL condition on Organisation, combining permission and the chosen subtree).

    ``period_from``/``period_to`` are inclusive bounds in the stored periods' format
    (``2025-04``); when either is given, records without a period are left out.
    Every widget counts only records that pass all ``filters``. ``breakdown`` adds the
    per-child widgets when it has children to compare.
    """
    query = WidgetQuery(session, definition.id, scope, period_from, period_to)
    query.conditions.extend(f.condition(query) for f in filters)
    widgets = [WIDGET_TYPES["records"](query, None)]
    fields = [(f, widget_type_for(f)) for f in iter_fields(definition.schema)]
    number_fields = [f for f, widget_type in fields if widget_type == "number_summary"]
    # All number fields in one statement per widget kind rather than one per field.
    summaries = iter(build_number_summaries(query, number_fields))
    numbers: list[tuple[Field, dict[str, Any]]] = []
    for field, widget_type in fields:
        if widget_type == "number_summary":
            widgets.append(next(summaries))
            numbers.append((field, widgets[-1]["data"]))
        elif widget_type is not None:
            widgets.append(WIDGET_TYPES[widget_type](query, field))
    periodic = definition.is_periodic
    widgets.append(build_records_by_period(query, periodic))
    widgets.extend(build_trends(query, number_fields, periodic))
    if breakdown is not None and breakdown.children:
        widgets.append(build_records_by_org(query, breakdown, widgets[0]["data"]["total"]))
        widgets.extend(build_numbers_by_org(query, numbers, breakdown))
    return widgets
