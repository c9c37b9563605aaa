"""The records a dashboard aggregates, and their JSON values as typed SQL expressions.

Record data is JSON (JSONB on PostgreSQL). The two databases read JSON differently,
so :class:`JsonValue` gives the few typed views the widgets need (its JSON type, its
text, its number) with one branch per dialect; the widget builders above it are shared.

Values are typed by their JSON type, never by coercion: the string ``"5"`` is not
a number and ``"true"`` is not a boolean, so values of the wrong type are ignored.
Fields inside repeating sections (``/courses/-/completed``) and the items of
multi-select fields are reached by joining the array's elements
(:mod:`~miniapps.services.dashboards.json_items`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Subquery,
    select,
    true,
)

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.pointers import pointer_parts
from miniapps.models import Record
from miniapps.services.dashboards.json_items import (
    Document,
    array_items,
    item_document,
    read_value,
)
from miniapps.services.dashboards.json_values import (
    BOOLEAN,
    DOCUMENT,
    NUMBER,
    STRING,
    JsonValue,
    extracted_columns,
    extracted_value,
)
from miniapps.services.dashboards.scoped_records import ScopedRecords

__all__ = ["BOOLEAN", "NUMBER", "STRING", "JsonValue", "PlainRows", "WidgetQuery"]


@dataclass(frozen=True)
class PlainRows:
    """What :meth:`WidgetQuery.plain_rows` gives: select ``keys`` and the ``values``' views
    from ``source`` where ``conditions`` hold."""

    source: FromClause
    keys: list[ColumnElement[Any]]
    values: list[JsonValue]
    conditions: list[ColumnElement[bool]]


class WidgetQuery(ScopedRecords):
    """The submitted records of one app within a scope and period range, ready to aggregate
    (:class:`~miniapps.services.dashboards.scoped_records.ScopedRecords`), and their JSON
    values as typed SQL expressions."""

    def values(self, field: Field) -> tuple[FromClause, JsonValue]:
        """Every value of ``field`` across the records (one row per array item where the
        field is inside a repeating section, or is a multi-select)."""
        segments = self.segments(field)
        source, document = self.walk(segments[:-1])
        return source, self.read(document, segments[-1])

    def is_plain(self, field: Field) -> bool:
        """Whether ``field`` has one value per record (it is neither inside a repeating
        section nor a multi-select), so it can be read beside the record's other fields."""
        return len(self.segments(field)) == 1

    def segments(self, field: Field) -> list[list[str]]:
        """The field's pointer split at each array: every segment but the last names an
        array whose items the rest is read from; the last is the path to the value."""
        segments: list[list[str]] = [[]]
        for token in pointer_parts(field.pointer):
            if token == "-":
                segments.append([])
            else:
                segments[-1].append(token)
        if field.kind == "multi_enum":
            segments.append([])  # the selected values are the items of the array itself
        return segments

    def walk(self, arrays: list[list[str]]) -> tuple[FromClause, Document]:
        """The records joined to the items of each array in turn, and the innermost
        document the remaining path is read from."""
        source = self.records()
        document = Document(Record.data)
        for number, tokens in enumerate(arrays):
            item = array_items(self.dialect, document, tokens, f"item{number}")
            source = source.join(item, true())
            document = item_document(self.dialect, item)
        return source, document

    def read(self, document: Document, tokens: list[str]) -> JsonValue:
        """The value at ``tokens`` in ``document`` (a record's data or an array item)."""
        return read_value(self.dialect, document, tokens)

    def plain_rows(
        self,
        fields: Sequence[Field],
        keys: Sequence[ColumnElement[Any]],
        source: FromClause,
        conditions: Sequence[ColumnElement[bool]] | None = None,
    ) -> PlainRows:
        """The labelled ``keys`` and the value of each plain field (see :meth:`is_plain`)
        in the rows of ``source`` (the records, perhaps joined further) that pass the
        query's conditions (or ``conditions``, e.g. :meth:`record_conditions`). Each
        value is read once, in a subquery, and typed outside it,
        rather than once for its type and again for its content (see
        :func:`~miniapps.services.dashboards.json_values.extracted_columns`).
        """
        paths = [tuple(self.segments(field)[-1]) for field in fields]
        kinds = [field.kind for field in fields]
        extracted = [
            column
            for index, (kind, path) in enumerate(zip(kinds, paths, strict=True))
            for column in extracted_columns(self.dialect, kind, path, index)
        ]
        if self.dialect == "sqlite":
            extracted.append(Record.data.label(DOCUMENT))  # read again only where needed
        raw = (
            select(*keys, *extracted)
            .select_from(source)
            .where(*(self.conditions if conditions is None else conditions))
            # Keeps the database from merging the extraction into the typing above (on
            # SQLite, a subquery with an OFFSET is never flattened).
            .offset(0)
            .subquery("raw")
        )
        values = [
            extracted_value(self.dialect, kind, path, index)
            for index, (kind, path) in enumerate(zip(kinds, paths, strict=True))
        ]
        return PlainRows(raw, [raw.c[key.name] for key in keys], values, [])

    def numbers(
        self,
        fields: Sequence[Field],
        extra: Sequence[ColumnElement[Any]] = (),
        where: Sequence[ColumnElement[bool]] = (),
        join: Callable[[FromClause], FromClause] | None = None,
    ) -> list[tuple[Subquery, list[tuple[Field, ColumnElement[Any]]]]]:
        """The numeric values of several number fields, each read once per row.

        Fields reached through the same arrays share one subquery (usually all of them:
        the record's own fields), with one named column per field (``n0``, ``n1``...)
        beside the labelled ``extra`` columns; aggregate those columns outside. ``join``
        extends the source (for instance with the organisation to group under) and
        ``where`` adds conditions to the query's own.
        """
        groups: dict[tuple[tuple[str, ...], ...], list[tuple[Field, list[str]]]] = {}
        for field in fields:
            segments = self.segments(field)
            arrays = tuple(tuple(tokens) for tokens in segments[:-1])
            groups.setdefault(arrays, []).append((field, segments[-1]))
        result = []
        for arrays, members in groups.items():
            source, document = self.walk([list(tokens) for tokens in arrays])
            if join is not None:
                source = join(source)
            columns = [
                self.read(document, tokens).number.label(f"n{index}")
                for index, (_, tokens) in enumerate(members)
            ]
            rows = (
                select(*extra, *columns)
                .select_from(source)
                .where(*self.conditions, *where)
                # OFFSET 0 keeps the subquery from being merged into the aggregate above,
                # which would evaluate the JSON extraction once per aggregate again.
                .offset(0)
                .subquery("numbers")
            )
            named: list[tuple[Field, ColumnElement[Any]]] = [
                (field, rows.c[f"n{index}"]) for index, (field, _) in enumerate(members)
            ]
            result.append((rows, named))
        return result
