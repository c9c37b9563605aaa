"""The records a dashboard aggregates, and their JSON values as typed SQL expressions.

Record data is JSON (JSONB on PostgreSQL). The two databases read JSON differently,
so :class:`JsonValue` gives the few typed views the widgets need (its JSON type, its
text, its number) with one branch per dialect; the widget builders above it are shared.

Values are typed by their JSON type, never by coercion: the string ``"5"`` is not
a number and ``"true"`` is not a boolean, so values of the wrong type are ignored.
Fields inside repeating sections (``/courses/-/completed``) and the items of
multi-select fields are reached by joining the array's elements
(``json_each`` on SQLite, ``jsonb_array_elements`` on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    SQLColumnExpression,
    Subquery,
    any_,
    case,
    cast,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.orm import Session

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.pointers import pointer_parts
from miniapps.models import Organisation, Record
from miniapps.services.dashboards.json_values import (
    BOOLEAN,
    DOCUMENT,
    NUMBER,
    STRING,
    JsonValue,
    extracted_columns,
    extracted_value,
    pg_extract,
    postgres_value,
    record_value,
    sqlite_path,
    sqlite_value,
)

__all__ = ["BOOLEAN", "NUMBER", "STRING", "JsonValue", "PlainRows", "WidgetQuery"]

# Scopes of at most this many organisations are also given to the database by id.
PINNED_ORGANISATIONS = 1000


@dataclass
class _Document:
    """Where the remaining path is read from: the record's data or one array item."""

    expr: SQLColumnExpression[Any]  # Record.data itself, or a column of an item
    item: FromClause | None = None  # the json_each / jsonb_array_elements row, if an item


@dataclass(frozen=True)
class PlainRows:
    """What :meth:`WidgetQuery.plain_rows` gives: select ``keys`` and the ``values``' views
    from ``source`` where ``conditions`` hold."""

    source: FromClause
    keys: list[ColumnElement[Any]]
    values: list[JsonValue]
    conditions: list[ColumnElement[bool]]


class WidgetQuery:
    """The submitted records of one app within a scope and period range, ready to aggregate.

    ``scope`` is a SQL condition on :class:`Organisation`; periods compare as strings
    (inclusive) and must be in the stored periods' format. Records without a period
    count only when neither bound is given.
    """

    def __init__(
        self,
        session: Session,
        app_id: str,
        scope: ColumnElement[bool],
        period_from: str | None = None,
        period_to: str | None = None,
    ) -> None:
        self.session = session
        self.app_id = app_id
        self.dialect = session.get_bind().dialect.name
        self.conditions: list[ColumnElement[bool]] = [
            Record.app_id == app_id,
            Record.status != "draft",
            # A duplicate for a period another record holds never counts twice.
            Record.superseded.is_(False),
            scope,
        ]
        if period_from:
            self.conditions.append(Record.period >= period_from)
        if period_to:
            self.conditions.append(Record.period <= period_to)
        self.scope = scope

    def pin_organisations(self, limit: int = PINNED_ORGANISATIONS) -> None:
        """Also name the scope's organisations by id, when there are at most ``limit``.

        The condition is redundant but lets the database find the records through the
        ``(app_id, organisation_id, ...)`` index: given only the join to a range of paths,
        PostgreSQL estimates a scan of all the app's records as cheaper than an index probe
        per organisation, and an ICB's dashboard then reads every record of the app.
        """
        ids = self.session.scalars(
            select(Organisation.id).where(self.scope).order_by(Organisation.id).limit(limit + 1)
        ).all()
        if len(ids) <= limit:
            self.conditions.append(self._records_of(self.id_in(Record.organisation_id, ids)))

    def pin_subtree(self) -> None:
        """:meth:`pin_organisations` for a scope within one organisation's subtree (at most
        an ICB: a few hundred organisations), without a statement of its own.

        The ids are a subquery the database evaluates once, before reading any record: on
        PostgreSQL ``= ANY(CAST((SELECT array_agg(id) ...) AS INTEGER[]))``, an init plan
        whose array the index is probed with, as with ids given; on SQLite
        ``IN (SELECT id ...)``, answered from the same index.
        """
        ids: Select[Any]
        if self.dialect == "postgresql":
            ids = select(func.array_agg(Organisation.id)).where(self.scope).correlate(None)
            array = cast(ids.scalar_subquery(), ARRAY(Integer))  # an array, not a row set
            self.conditions.append(Record.organisation_id == any_(array))
        else:
            ids = select(Organisation.id).where(self.scope).correlate(None)
            self.conditions.append(self._records_of(Record.organisation_id.in_(ids)))

    def _records_of(self, pinned: ColumnElement[bool]) -> ColumnElement[bool]:
        """The condition ``pinned`` on a record's organisation. On SQLite as ``id IN
        (SELECT id FROM records WHERE app_id = ... AND pinned)``: the ids are read from the
        ``(app_id, organisation_id, ...)`` index alone, then the records in the order of
        their ids, which is the table's: read organisation by organisation, a scope's
        records are scattered over the whole table, one page read each (at a million
        records, most of the statement). PostgreSQL does this itself (a bitmap scan)."""
        if self.dialect == "postgresql":
            return pinned
        # The subquery's own records (not correlated): the outer query's are named alike.
        ids = select(Record.id).where(Record.app_id == self.app_id, pinned).correlate(None)
        return Record.id.in_(ids)

    def id_in(self, column: SQLColumnExpression[Any], ids: Sequence[int]) -> ColumnElement[bool]:
        """``column IN (ids)``. On PostgreSQL one array parameter (``= ANY(...)``), so the
        statement's text does not depend on how many ids there are: SQLAlchemy and psycopg
        then reuse what they made of it instead of expanding hundreds of parameters again
        (about 2 ms of Python for an ICB)."""
        if self.dialect == "postgresql":
            return column == any_(literal(list(ids), ARRAY(Integer)))
        return column.in_(ids)

    def records(self) -> FromClause:
        return Record.__table__.join(
            Organisation.__table__, Record.organisation_id == Organisation.id
        )

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

    def walk(self, arrays: list[list[str]]) -> tuple[FromClause, _Document]:
        """The records joined to the items of each array in turn, and the innermost
        document the remaining path is read from."""
        source = self.records()
        document = _Document(Record.data)
        for number, tokens in enumerate(arrays):
            item = self._items(document, tokens, f"item{number}")
            source = source.join(item, true())
            document = self._item_document(item)
        return source, document

    def read(self, document: _Document, tokens: list[str]) -> JsonValue:
        """The value at ``tokens`` in ``document`` (a record's data or an array item)."""
        return self._read(document, tokens)

    def plain_rows(
        self, fields: Sequence[Field], keys: Sequence[ColumnElement[Any]], source: FromClause
    ) -> PlainRows:
        """The labelled ``keys`` and the value of each plain field (see :meth:`is_plain`)
        in the rows of ``source`` (the records, perhaps joined further) that pass the
        query's conditions. Each value is read once, in a subquery, and typed outside it,
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
            .where(*self.conditions)
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

    def _items(self, document: _Document, tokens: list[str], name: str) -> FromClause:
        """The elements of the array at ``tokens`` (none when it is not an array)."""
        if self.dialect == "postgresql":
            array = pg_extract(document.expr, tokens)
            guarded = case((func.jsonb_typeof(array) == "array", array))
            return func.jsonb_array_elements(guarded).table_valued("value", name=name)
        path = sqlite_path(tokens)
        guarded = case(
            (func.json_type(document.expr, path) == "array", func.json_extract(document.expr, path))
        )
        return func.json_each(guarded).table_valued("value", "type", "atom", name=name)

    def _item_document(self, item: FromClause) -> _Document:
        if self.dialect == "postgresql":
            return _Document(item.c.value, item)
        # json_each gives JSON text only for objects and arrays: never parse a scalar's text.
        return _Document(case((item.c.type.in_(("object", "array")), item.c.value)), item)

    def _read(self, document: _Document, tokens: list[str]) -> JsonValue:
        if document.item is None and document.expr is Record.data:
            return record_value(self.dialect, tuple(tokens))
        if self.dialect == "postgresql":
            return postgres_value(pg_extract(document.expr, tokens))
        if not tokens and document.item is not None:
            return sqlite_value(document.item.c.type, document.item.c.atom)
        path = sqlite_path(tokens)
        return sqlite_value(
            func.json_type(document.expr, path), func.json_extract(document.expr, path)
        )
