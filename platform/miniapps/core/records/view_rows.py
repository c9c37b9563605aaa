"""Anonymised views of records (the definition's ``views``): what one record shows, and
the counts over many.

A view (shared learning) shows a wider audience only what its definition lists: the
answers in ``fields`` (dates in ``month_fields`` as their London month, "March 2026"),
the free text of ``shared_text`` only where the reporter agreed (its ``only_when`` field
is ``true``), and counts by each ``themes`` field (per option title) and by month. The
organisation, the record's id, who reported it and every other answer are never read
from here, so they cannot leak. Which records a view covers is :func:`shows`; which of
them a user sees is the service's business (:mod:`miniapps.services.records.views`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from miniapps.core.channels.figures import months_from_to
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field, find_field
from miniapps.core.forms.condition_language import matches
from miniapps.core.periods.keys import period_label
from miniapps.core.pointers import pointer_parts, value_at
from miniapps.core.records.date_bounds import LONDON
from miniapps.core.records.display import format_value

MAX_MONTH_SPAN = 36  # beyond this many months, only those with records are listed


@dataclass(frozen=True)
class ViewColumn:
    pointer: str
    title: str
    month: bool  # shown as its month ("March 2026")
    field: Field | None = field(default=None, compare=False, repr=False)

    @property
    def date_format(self) -> str:
        return str(self.field.schema.get("format", "date")) if self.field else "date"


@dataclass(frozen=True)
class View:
    """One entry of the definition's ``views``, with the titles of its fields."""

    id: str
    title: str
    description: str
    roles: tuple[str, ...]
    when: Any  # a condition in the show_if language, or None
    states: tuple[str, ...] | None
    columns: tuple[ViewColumn, ...]
    shared_text: ViewColumn | None
    only_when: str | None
    themes: tuple[ViewColumn, ...]

    @property
    def month_column(self) -> ViewColumn | None:
        """The field the view counts months by: its first month field."""
        return next((c for c in self.columns if c.month), None)


@dataclass(frozen=True)
class ViewRow:
    values: dict[str, str | None]  # pointer -> the answer as text (None: not answered)
    shared_text: str | None


@dataclass(frozen=True)
class OptionCount:
    value: Any
    title: str
    count: int


@dataclass(frozen=True)
class ThemeCounts:
    pointer: str
    title: str
    counts: tuple[OptionCount, ...]
    not_answered: int


@dataclass(frozen=True)
class MonthCount:
    month: str  # 2026-03
    title: str  # March 2026
    count: int


def views_of(definition: AppDefinition) -> list[View]:
    return [_view(definition, raw) for raw in definition.views]


def find_view(definition: AppDefinition, view_id: str) -> View | None:
    return next((v for v in views_of(definition) if v.id == view_id), None)


def _view(definition: AppDefinition, raw: dict[str, Any]) -> View:
    months = set(raw.get("month_fields") or [])

    def column(pointer: str) -> ViewColumn:
        found = find_field(definition.schema, pointer)
        title = found.title if found else pointer.rsplit("/", 1)[-1]
        return ViewColumn(pointer, title, pointer in months, found)

    shared = raw.get("shared_text")
    states = raw.get("states")
    return View(
        id=str(raw["id"]),
        title=str(raw["title"]),
        description=str(raw.get("description", "")),
        roles=tuple(raw["roles"]),
        when=raw.get("when"),
        states=tuple(states) if states else None,
        columns=tuple(column(p) for p in raw["fields"]),
        shared_text=column(shared["field"]) if shared else None,
        only_when=shared["only_when"] if shared else None,
        themes=tuple(column(p) for p in raw.get("themes") or []),
    )


def shows(view: View, status: str, data: Any) -> bool:
    """Whether the view covers a submitted record in ``status`` holding ``data``."""
    if view.states is not None and status not in view.states:
        return False
    return view.when is None or matches(view.when, data if isinstance(data, dict) else {})


def view_row(view: View, definition: AppDefinition, data: Any) -> ViewRow:
    """What the view shows of one record: its listed answers and the agreed shared text."""
    values = {c.pointer: _cell(c, definition, data) for c in view.columns}
    shared: str | None = None
    if view.shared_text is not None and value_at(data, view.only_when or "") is True:
        text = value_at(data, view.shared_text.pointer)
        if isinstance(text, str) and text.strip():
            shared = text.strip()
    return ViewRow(values, shared)


def _cell(column: ViewColumn, definition: AppDefinition, data: Any) -> str | None:
    shown = []
    for value in _values(data, pointer_parts(column.pointer)):
        if value is None or value == "" or value == []:
            continue
        if column.month:
            shown.append(month_label(value, column.date_format) or "")
        else:
            schema = column.field.schema if column.field else {}
            shown.append(format_value(schema, definition.schema, value))
    return ", ".join(s for s in shown if s) or None


def _values(data: Any, tokens: list[str]) -> Iterator[Any]:
    """The values a field pointer names (``-``: each item of a repeating section)."""
    if not tokens:
        yield data
        return
    head, rest = tokens[0], tokens[1:]
    if head == "-":
        for item in data if isinstance(data, list) else []:
            yield from _values(item, rest)
    elif isinstance(data, dict) and head in data:
        yield from _values(data[head], rest)


def month_of(value: Any, fmt: str) -> str | None:
    """The month (``2026-03``) of a date, or of a date-time in London; None if not one."""
    if not isinstance(value, str):
        return None
    try:
        if fmt == "date":
            day = date.fromisoformat(value)
            return f"{day.year:04d}-{day.month:02d}"
        moment = datetime.fromisoformat(value.upper())
    except ValueError:
        return None
    local = moment.astimezone(LONDON) if moment.tzinfo else moment
    return f"{local.year:04d}-{local.month:02d}"


def month_label(value: Any, fmt: str) -> str | None:
    """``2026-03-14`` → ``March 2026`` (a date-time by its London month)."""
    month = month_of(value, fmt)
    return period_label(month) if month else None


def record_month(view: View, data: Any, submitted_at: datetime | None) -> str | None:
    """The month a record counts in: its first month field, else when it was submitted."""
    column = view.month_column
    if column is not None:
        return month_of(value_at(data, column.pointer), column.date_format)
    if submitted_at is None:
        return None
    aware = submitted_at if submitted_at.tzinfo else submitted_at.replace(tzinfo=UTC)
    local = aware.astimezone(LONDON)
    return f"{local.year:04d}-{local.month:02d}"


def theme_counts(view: View, records: list[Any]) -> list[ThemeCounts]:
    """Records by each theme's options (every option, in order; a multiple choice counts
    each option chosen), and how many did not answer it."""
    out = []
    for theme in view.themes:
        options = _options(theme.field)
        tally: Counter[str] = Counter()
        missing = 0
        for data in records:
            value = value_at(data, theme.pointer)
            chosen = value if isinstance(value, list) else [value]
            chosen = [v for v in chosen if v is not None]
            if not chosen:
                missing += 1
            tally.update(repr(v) for v in chosen)
        counts = tuple(OptionCount(v, title, tally[repr(v)]) for v, title in options)
        out.append(ThemeCounts(theme.pointer, theme.title, counts, missing))
    return out


def _options(found: Field | None) -> list[tuple[Any, str]]:
    if found is None:
        return []
    if found.kind == "boolean":
        return [(True, "Yes"), (False, "No")]
    return found.choices


def month_counts(months: Iterable[str | None]) -> list[MonthCount]:
    """Records by month, every month from the first to the last (none in between: 0)."""
    tally = Counter(m for m in months if m)
    if not tally:
        return []
    every = months_from_to(min(tally), max(tally))
    if len(every) > MAX_MONTH_SPAN:
        every = sorted(tally)
    return [MonthCount(m, period_label(m), tally[m]) for m in every]
