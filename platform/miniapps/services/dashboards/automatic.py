"""The automatic dashboard of an app: widgets derived from its record schema alone.

Flask-free. Every number is computed in SQL with aggregates over the submitted
records (any status but ``draft``) in a scope; see :mod:`miniapps.services.dashboards.widgets`
for the queries. The answer follows the dashboard contract: a list of
``{"id", "type", "title", "data"}`` where the first widget is ``records`` and each
number, enum, multi-select or boolean field adds one widget whose id is its JSON
pointer (items of repeating sections use ``-``: ``/courses/-/completed``).

After those come the analysis widgets of :mod:`miniapps.services.dashboards.trends`
(``records_by_period``, ``<pointer>#trend``, and with a breakdown ``records#by_org`` and
``<pointer>#by_org``); field filters (:mod:`miniapps.services.dashboards.filters`) restrict
every widget alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from miniapps.core.definitions.schema_fields import Field, iter_fields
from miniapps.services.dashboards.filters import FieldFilter
from miniapps.services.dashboards.rollup import record_widgets
from miniapps.services.dashboards.trends import Breakdown, build_numbers_by_org, build_trends
from miniapps.services.dashboards.widgets import (
    WIDGET_TYPES,
    WidgetQuery,
    build_number_summaries,
    choice_key,
)

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
    """What the dashboard needs of an :class:`~miniapps.core.definitions.loading.AppDefinition`."""

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
    within_one_subtree: bool = False,
) -> list[dict[str, Any]]:
    """The automatic widgets of ``definition``'s app over records whose organisation matches
    ``scope`` (a SQL condition on Organisation, combining permission and the chosen subtree).

    ``period_from``/``period_to`` are inclusive bounds in the stored periods' format
    (``2025-04``); when either is given, records without a period are left out.
    Every widget counts only records that pass all ``filters``. ``breakdown`` adds the
    per-child widgets when it has children to compare. ``within_one_subtree`` says that
    ``scope`` lies within one organisation's subtree, so its organisations are few enough
    to pin without looking them up first (:meth:`WidgetQuery.pin_subtree`).
    """
    query = WidgetQuery(session, definition.id, scope, period_from, period_to)
    if within_one_subtree:
        query.pin_subtree()
    else:
        query.pin_organisations()
    query.conditions.extend(f.condition(query) for f in filters)
    fields = [(f, widget_type_for(f)) for f in iter_fields(definition.schema)]
    numbers = [f for f, widget_type in fields if widget_type == "number_summary"]
    counted = [f for f, widget_type in fields if widget_type == "value_counts"]
    periodic = definition.is_periodic
    compared = breakdown is not None and bool(breakdown.children)
    # Fields with one value per record: every widget of them from one statement.
    found = record_widgets(
        query,
        periodic,
        [f for f in numbers if query.is_plain(f)],
        [f for f in counted if query.is_plain(f)],
        breakdown if compared else None,
    )
    # Fields inside repeating sections or multi-selects: one row per item, so their own
    # statements (one per widget kind for the numbers, one per field for the counts).
    itemised = [f for f in numbers if not query.is_plain(f)]
    if itemised:
        found.update((w["id"], w) for w in build_number_summaries(query, itemised))
        found.update((w["id"], w) for w in build_trends(query, itemised, periodic))
    if itemised and breakdown is not None and compared:
        summaries = [(f, found[f.pointer]["data"]) for f in itemised]
        found.update((w["id"], w) for w in build_numbers_by_org(query, summaries, breakdown))
    widgets = [found["records"]]
    for field in [f for f, widget_type in fields if widget_type is not None]:
        if field.pointer not in found:
            found[field.pointer] = WIDGET_TYPES["value_counts"](query, field)
        widgets.append(found[field.pointer])
    widgets.append(found["records_by_period"])
    widgets.extend(found[f.pointer + "#trend"] for f in numbers)
    if compared:
        widgets.append(found["records#by_org"])
        widgets.extend(found[f.pointer + "#by_org"] for f in numbers)
    return widgets
