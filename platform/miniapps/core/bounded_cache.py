"""A small thread-safe LRU cache for values worked out once per process (definitions of
immutable versions, compiled validators and forms): bounded, so memory stays flat
however many versions a long-running server meets."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most ``size`` entries; the least recently used goes first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The cached value of ``key``, made by ``make`` (outside the lock) when missing:
        two threads may both make it, and the last one made is kept."""
        found = self.get(key)
        return found if found is not None else self.put(key, make())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# Objects promised never to change (the JSON of stored, immutable versions), by identity.
_SEALED: BoundedCache[int, object] = BoundedCache(4096)


def seal(*objects: object) -> None:
    """Promise that ``objects`` are never changed again, so that results worked out from
    them may be found by their identity (:class:`SealedCache`) rather than their content."""
    for obj in objects:
        _SEALED.put(id(obj), obj)


def is_sealed(obj: object) -> bool:
    return _SEALED.get(id(obj)) is obj


class SealedCache(Generic[V]):
    """Results worked out from sealed objects (:func:`seal`), found by the objects'
    identity plus a hashable ``extra``: no hashing of their content per call. Objects not
    sealed (a schema a caller built and may still change) are never cached here."""

    def __init__(self, size: int) -> None:
        self._entries: BoundedCache[tuple[Hashable, ...], tuple[tuple[object, ...], V]] = (
            BoundedCache(size)
        )

    def get(self, objects: tuple[object, ...], extra: Hashable = None) -> V | None:
        found = self._entries.get((*map(id, objects), extra))
        if found is not None and all(a is b for a, b in zip(found[0], objects, strict=True)):
            return found[1]
        return None

    def put(self, objects: tuple[object, ...], value: V, extra: Hashable = None) -> V:
        if all(is_sealed(obj) for obj in objects):
            self._entries.put((*map(id, objects), extra), (objects, value))
        return value

    def clear(self) -> None:
        self._entries.clear()
