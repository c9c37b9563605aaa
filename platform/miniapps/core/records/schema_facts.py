"""What the record check works out from a schema alone, once per schema, not per record.

Checking a record needs facts that depend only on its schema: the index of its fields by
pointer (for titles and context in messages), the dates bounded by today, and so on.
Worked out per record they cost more than the check itself on a wide form. A
:class:`SchemaCache` keeps each such fact per schema, found the way
:func:`miniapps.core.records.record_validator.record_validator` finds a validator:

* a **sealed** schema (a stored version's, see :func:`miniapps.core.bounded_cache.seal`)
  by its identity: no hashing of its content per record;
* any other schema by its content (``json.dumps``), worked out from a copy, so a schema a
  caller changes in place afterwards is worked out again and never changes a result
  already made.

Both are bounded (least recently used first), so memory stays flat. Results are shared:
callers read them and never change them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from miniapps.core.bounded_cache import BoundedCache, SealedCache
from miniapps.core.definitions.schema_fields import Field, iter_fields

V = TypeVar("V")


class SchemaCache(Generic[V]):
    """``make(schema)``, worked out once per sealed schema (by identity) or per content."""

    def __init__(self, make: Callable[[dict[str, Any]], V], size: int = 256) -> None:
        self._make = make
        self._sealed: SealedCache[V] = SealedCache(size)
        self._by_content: BoundedCache[str, V] = BoundedCache(size)

    def __call__(self, schema: dict[str, Any]) -> V:
        found = self._sealed.get((schema,))
        if found is not None:
            return found
        content = json.dumps(schema)
        found = self._by_content.get(content)
        if found is None:
            found = self._by_content.put(content, self._make(json.loads(content)))
        return self._sealed.put((schema,), found)

    def clear(self) -> None:
        self._sealed.clear()
        self._by_content.clear()


def _index(schema: dict[str, Any]) -> dict[str, Field]:
    return {field.pointer: field for field in iter_fields(schema)}


_FIELD_INDEX: SchemaCache[dict[str, Field]] = SchemaCache(_index)


def field_index(schema: dict[str, Any]) -> dict[str, Field]:
    """Every field of ``schema`` by its pointer (cached per schema: never change it)."""
    return _FIELD_INDEX(schema)
