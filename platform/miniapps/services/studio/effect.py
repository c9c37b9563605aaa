"""What a version's ``migration`` would do to the stored records, in words, counted over
the records as they are streamed past (nothing is stored): "23 records will change: 12
answers to “Role” “HCA” become “Nurse”; ...".

The counting follows :func:`~miniapps.core.definitions.schema_changes.migrate_data`
exactly (renames, then value maps, then defaults, then schema defaults); the record
count is the number of records whose data ``migrate_data`` changes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.definitions.schema_changes import migrate_data
from miniapps.core.definitions.schema_fields import enum_choices, resolve
from miniapps.models import Record
from miniapps.services.definitions import latest_version

# Records read from the database at a time.
BATCH = 500


@dataclass(frozen=True)
class MigrationEffect:
    """How many stored records a migration changes (``count`` of ``records`` looked at)
    and what it does to them, one line per kind of change."""

    count: int
    lines: list[str] = field(default_factory=list)
    records: int = 0

    @property
    def sentence(self) -> str:
        """The whole effect as one sentence, for the publish page."""
        if self.count == 0:
            return "No stored record will change."
        head = "1 record will change" if self.count == 1 else f"{self.count} records will change"
        return f"{head}: {'; '.join(self.lines)}." if self.lines else f"{head}."


def migration_effect(session: Session, app_id: str, definition: dict[str, Any]) -> MigrationEffect:
    """The effect of publishing ``definition`` (its ``migration`` and schema defaults) on
    ``app_id``'s stored records, drafts included, as publishing would carry them forward."""
    latest = latest_version(session, app_id)
    old_schema = latest.definition.get("schema") if latest is not None else None
    rows = session.scalars(
        select(Record.data)
        .where(Record.app_id == app_id)
        .order_by(Record.id)
        .execution_options(yield_per=BATCH)
    )
    return count_effect(rows, definition, old_schema if isinstance(old_schema, dict) else {})


def count_effect(
    stored: Iterable[Any], definition: dict[str, Any], old_schema: dict[str, Any]
) -> MigrationEffect:
    """:func:`migration_effect` over ``stored`` record data (pure: no database)."""
    migration = definition.get("migration")
    migration = migration if isinstance(migration, dict) else {}
    schema = definition.get("schema")
    schema = schema if isinstance(schema, dict) else {}
    words = _Words(old_schema, schema)
    rename: dict[str, str] = migration.get("rename") or {}
    maps: dict[str, dict[str, Any]] = migration.get("map_values") or {}
    defaults: dict[str, Any] = migration.get("defaults") or {}
    tally: Counter[tuple[str, ...]] = Counter()
    changed = looked = 0
    for data in stored:
        if not isinstance(data, dict):
            continue
        looked += 1
        after = migrate_data(data, migration or None, schema)
        if after == data:
            continue
        changed += 1
        moved: dict[str, Any] = {str(rename.get(k, k)): v for k, v in data.items()}
        for key in data:
            if key in rename:
                tally["rename", key, rename[key]] += 1
        for key, table in maps.items():
            if key not in moved:
                continue
            values = moved[key] if isinstance(moved[key], list) else [moved[key]]
            for value in values:
                hit = _lookup(value, table)
                if hit is not None and hit[1] != value:
                    tally["map", key, json.dumps(value), json.dumps(hit[1])] += 1
        for key in defaults:
            if key not in moved:
                tally["default", key, json.dumps(defaults[key])] += 1
        filled = migrate_data(moved, {"defaults": defaults} if defaults else None, schema)
        for key in sorted(set(filled) - set(moved) - set(defaults)):
            tally["schema_default", key, json.dumps(filled[key])] += 1
    lines = [words.line(kind, n) for kind, n in _ordered(tally)]
    return MigrationEffect(changed, lines, looked)


def _lookup(value: Any, table: dict[str, Any]) -> tuple[bool, Any] | None:
    """As ``migrate_data`` maps a value: by its text, or by its JSON for non-strings."""
    if isinstance(value, str):
        return (True, table[value]) if value in table else None
    text = json.dumps(value)
    return (True, table[text]) if text in table else None


def _ordered(tally: Counter[tuple[str, ...]]) -> list[tuple[tuple[str, ...], int]]:
    order = {"rename": 0, "map": 1, "default": 2, "schema_default": 3}
    return sorted(tally.items(), key=lambda item: (order[item[0][0]], -item[1], item[0]))


class _Words:
    """Field titles and choice labels, from the old schema and the new."""

    def __init__(self, old_schema: dict[str, Any], new_schema: dict[str, Any]) -> None:
        self.old, self.new = old_schema, new_schema

    def line(self, kind: tuple[str, ...], n: int) -> str:
        answers = "1 answer" if n == 1 else f"{n} answers"
        records = "1 record" if n == 1 else f"{n} records"
        if kind[0] == "rename":
            old, new = self._title(self.old, kind[1]), self._title(self.new, kind[2])
            return f"{answers} to “{old}” move to “{new}”"
        if kind[0] == "map":
            key, before, after = kind[1], json.loads(kind[2]), json.loads(kind[3])
            title = self._title(self.new, key)
            was, becomes = self._label(self.old, key, before), self._label(self.new, key, after)
            return f"{answers} to “{title}” “{was}” become “{becomes}”"
        title, value = self._title(self.new, kind[1]), json.loads(kind[2])
        return f"{records} get “{self._label(self.new, kind[1], value)}” for “{title}”"

    def _property(self, schema: dict[str, Any], key: str) -> dict[str, Any]:
        found = (schema.get("properties") or {}).get(key)
        resolved = resolve(found, schema) if isinstance(found, dict) else None
        return resolved if isinstance(resolved, dict) else {}

    def _title(self, schema: dict[str, Any], key: str) -> str:
        return str(self._property(schema, key).get("title") or key)

    def _label(self, schema: dict[str, Any], key: str, value: Any) -> str:
        prop = self._property(schema, key)
        items = prop.get("items")
        items = resolve(items, schema) if isinstance(items, dict) else None
        choices = enum_choices(items if isinstance(items, dict) else prop)
        for const, label in choices:
            if const == value:
                return label
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return value if isinstance(value, str) else json.dumps(value)
