"""The columns of a record export and the rows of each table, read one record at a time.

An export is a main table (one row per record: :data:`META_COLUMNS`, then one column per
field named by its path) and one table per repeating section (``record_id``, ``item``,
then the section's fields). Members stored in the data that the definition does not name
get a column of their own after the fields, in the order they are first met; since a
streamed export cannot know them before it has read every record, :meth:`ExportLayout.rows`
notes those it meets without a column (``unseen``), and the writer is run again with them
added (:func:`miniapps.core.exports.record_files.write_complete`). They are rare: data
written under an earlier version of the app whose field was since removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field
from miniapps.core.imports.columns import column_name
from miniapps.core.pointers import pointer_parts, value_at

META_COLUMNS = (
    "id", "app_version", "ods", "organisation", "period", "status",
    "submitted_by", "created_at", "updated_at", "submitted_at",
)  # fmt: skip
SECTION_META = ("record_id", "item")
MAIN = ""  # the name of the main table among the sections
JOINED_KINDS = ("multi_enum", "array")  # a list of these is written as ``a; b``


class ExportedRecord(Protocol):
    """What an export reads of a record: a :class:`~miniapps.models.Record` or an
    :class:`ExportRow` read without the ORM."""

    @property
    def id(self) -> int: ...
    @property
    def app_id(self) -> str: ...
    @property
    def app_version(self) -> int: ...
    @property
    def period(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def submitted_at(self) -> datetime | None: ...


class ExportRow(NamedTuple):
    """A record's exported columns, as a streamed query reads them."""

    id: int
    app_id: str
    app_version: int
    period: str | None
    status: str
    version: int
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


# (record, organisation ODS, organisation name, submitter name)
ExportItem = tuple[ExportedRecord, str, str, str | None]


@dataclass(frozen=True)
class ExportColumn:
    header: str
    pointer: str  # within the record (main table) or within one item (sections)
    field: Field | None = None

    @property
    def is_date(self) -> bool:
        return self.field is not None and self.field.schema.get("format") == "date"


@dataclass
class TableLayout:
    """One sheet or file: ``name`` is ``""`` for the main table, else the section's path."""

    name: str
    meta: tuple[str, ...]
    columns: list[ExportColumn]
    known: set[str]  # member names under the table's base that need no extra column
    section: Field | None = None
    _keys: list[str] = field(init=False, repr=False)
    _deep: list[tuple[int, str]] = field(init=False, repr=False)
    _joined: frozenset[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        parts = [pointer_parts(c.pointer) for c in self.columns]
        self._keys = [p[0] if len(p) == 1 else "" for p in parts]
        self._deep = [
            (i, c.pointer)
            for i, (c, p) in enumerate(zip(self.columns, parts, strict=True))
            if len(p) != 1
        ]
        self._joined = frozenset(
            i
            for i, c in enumerate(self.columns)
            if c.field is not None and c.field.kind in JOINED_KINDS
        )

    @property
    def headers(self) -> list[str]:
        return [*self.meta, *(c.header for c in self.columns)]

    def values(self, data: Any) -> list[Any]:
        """The cells after the information columns for one record (or section item)."""
        if type(data) is not dict:
            values = [value_at(data, c.pointer) for c in self.columns]
        else:
            values = list(map(data.get, self._keys))
            for index, pointer in self._deep:
                values[index] = value_at(data, pointer)
        types = set(map(type, values))
        if list in types or dict in types:
            for index, value in enumerate(values):
                if isinstance(value, list) and index in self._joined:
                    values[index] = "; ".join(map(scalar_text, value))
                elif isinstance(value, dict | list):
                    values[index] = json.dumps(value, ensure_ascii=False)
        return values

    def note_unseen(self, data: Any, unseen: dict[str, None]) -> None:
        """Add to ``unseen`` the member names of ``data`` that have no column yet."""
        if type(data) is dict and not self.known.issuperset(data):
            unseen.update((key, None) for key in data if key not in self.known)


@dataclass
class ExportLayout:
    """Every table of one export, with the extra members known so far."""

    definition: AppDefinition
    tables: list[TableLayout]
    extras: dict[str, list[str]]

    def with_extras(self, unseen: dict[str, list[str]]) -> ExportLayout:
        """This layout with more extra member names (by table name) given columns."""
        merged = {name: [*self.extras.get(name, []), *unseen.get(name, [])] for name in self.names}
        return plan_layout(self.definition, merged)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.tables]

    def rows(
        self, items: Iterable[ExportItem], unseen: dict[str, dict[str, None]]
    ) -> Iterator[tuple[int, list[Any], list[Any]]]:
        """``(table index, information cells, field cells)`` for every row of every table,
        record by record; member names without a column are added to ``unseen``."""
        main, sections = self.tables[0], list(enumerate(self.tables))[1:]
        main_unseen = unseen.setdefault(MAIN, {})
        section_unseen = [unseen.setdefault(t.name, {}) for _, t in sections]
        for record, ods, org_name, submitter in items:
            data = record.data
            main.note_unseen(data, main_unseen)
            meta = [
                record.id, record.app_version, ods, org_name, record.period, record.status,
                submitter, record.created_at, record.updated_at, record.submitted_at,
            ]  # fmt: skip
            yield 0, meta, main.values(data)
            for (index, table), seen in zip(sections, section_unseen, strict=True):
                assert table.section is not None
                listed = value_at(data, table.section.pointer)
                for number, item in enumerate(listed if isinstance(listed, list) else [], 1):
                    table.note_unseen(item, seen)
                    yield index, [record.id, number], table.values(item)


def repeat_sections(definition: AppDefinition) -> list[Field]:
    """Repeating sections that get their own sheet or file (those not inside another)."""
    return [f for f in definition.fields if f.kind == "repeat" and "/-" not in f.pointer]


def plan_layout(
    definition: AppDefinition, extras: dict[str, list[str]] | None = None
) -> ExportLayout:
    """The tables of ``definition``'s export, with ``extras`` (member names by table name)
    as columns after the fields."""
    extras = extras or {}
    tables = [_table(definition.fields, MAIN, "", META_COLUMNS, extras.get(MAIN, []))]
    for section in repeat_sections(definition):
        name = column_name(section.pointer)
        table = _table(
            definition.fields, name, section.pointer + "/-", SECTION_META, extras.get(name, [])
        )
        table.section = section
        tables.append(table)
    return ExportLayout(definition, tables, {t.name: list(extras.get(t.name, [])) for t in tables})


def _table(
    fields: list[Field], name: str, base: str, meta: tuple[str, ...], extras: list[str]
) -> TableLayout:
    """Leaf fields directly under ``base`` (not inside a nested repeat), then ``extras``."""
    prefix = base + "/"
    columns = []
    for f in fields:
        relative = f.pointer[len(base) :]
        if not f.pointer.startswith(prefix) or "/-" in relative:
            continue
        if f.kind == "object" or (f.kind == "repeat" and "/-" not in f.pointer):
            continue  # a fieldset's questions are columns; a section has its own table
        columns.append(ExportColumn(column_name(relative), relative, f))
    known = {f.key for f in fields if f.parent == base}
    for key in extras:
        if key not in known:
            known.add(key)
            columns.append(ExportColumn(key, "/" + key.replace("~", "~0").replace("/", "~1")))
    return TableLayout(name, meta, columns, known)


def scalar_text(value: Any) -> str:
    """A value's CSV text (and an item's text in a joined list)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso(value) or ""
    return str(value)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with a zone; a naive time is UTC."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
