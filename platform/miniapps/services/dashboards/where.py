"""A declared widget's ``where`` and ``item_where`` as SQL, or tested in Python.

``where`` narrows the records a widget counts; ``item_where`` the items of a repeating
section an ``"aggregate": "items"`` widget counts. Simple conditions (see
:mod:`miniapps.core.dashboards.conditions`: ``const``/``enum`` of scalars on members of
the tested object, ``required``, ``allOf``) become SQL conditions on the typed JSON
values of :class:`~miniapps.services.dashboards.query.WidgetQuery`, so the widget stays
one aggregate statement. Any other condition is tested with the language's own
``matches`` over the records that pass the dashboard's filters (one more statement,
reading ``id`` and ``data``); the widget then counts the records whose ids matched,
given to the database as one parameter (an array on PostgreSQL, a JSON array read by
``json_each`` on SQLite) whatever their number. The ids are kept for the dashboard's
other widgets with the same condition.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, and_, false, func, literal, or_, select, true

from miniapps.core.dashboards.conditions import Term, simple_terms
from miniapps.core.forms.condition_language import matches
from miniapps.models import Record
from miniapps.services.dashboards.query import BOOLEAN, NUMBER, STRING, JsonValue, WidgetQuery

Reader = Callable[[str], JsonValue]  # a member's name -> its typed value


def equals(value: JsonValue, expected: Any) -> ColumnElement[bool]:
    """``value`` is the JSON scalar ``expected`` (typed: ``"1"`` is not ``1``, ``true`` is not
    ``1``; ``1`` equals ``1.0``)."""
    if expected is None:
        return value.kind == "null"
    if isinstance(expected, bool):
        return and_(value.kind == BOOLEAN, value.text == ("true" if expected else "false"))
    if isinstance(expected, int | float):
        return and_(value.kind == NUMBER, value.number == expected)
    return and_(value.kind == STRING, value.text == str(expected))


def terms_condition(
    terms: Sequence[Term], read: Reader, whole: JsonValue | None = None
) -> ColumnElement[bool]:
    """All ``terms`` as one SQL condition. A member that is absent passes a value term
    (``properties`` only checks members that are present) and fails a ``required`` one;
    ``whole`` (an array item itself) lets anything but an object pass ``required``, as
    the language does."""
    parts: list[ColumnElement[bool]] = []
    for term in terms:
        value = read(term.name)
        if term.values is None:
            present = value.kind.is_not(None)
            parts.append(present if whole is None else or_(whole.kind != "object", present))
        else:
            allowed = [equals(value, expected) for expected in term.values]
            parts.append(or_(value.kind.is_(None), or_(*allowed) if allowed else false()))
    return and_(true(), *parts)


def record_reader(query: WidgetQuery) -> Reader:
    _, document = query.walk([])
    return lambda name: query.read(document, [name])


def narrowed(query: WidgetQuery, where: Any, found: dict[str, list[int]]) -> WidgetQuery:
    """A copy of ``query`` that also requires ``where`` of each record's data; ``found``
    keeps the ids of records matched in Python, by condition, for other widgets."""
    terms = simple_terms(where)
    if terms is not None:
        extra = terms_condition(terms, record_reader(query))
    else:
        key = json.dumps(where, sort_keys=True)
        if key not in found:
            rows = query.session.execute(
                select(Record.id, Record.data).select_from(query.records()).where(*query.conditions)
            )
            found[key] = [record_id for record_id, data in rows if matches(where, data)]
        extra = ids_condition(query, found[key])
    result = copy.copy(query)
    result.conditions = [*query.conditions, extra]
    return result


def ids_condition(query: WidgetQuery, ids: Sequence[int]) -> ColumnElement[bool]:
    """``Record.id`` is one of ``ids``, as a single parameter however many there are."""
    if query.dialect == "postgresql":
        return query.id_in(Record.id, ids)
    listed = func.json_each(literal(json.dumps(list(ids)), String)).table_valued("value")
    return Record.id.in_(select(listed.c.value))
