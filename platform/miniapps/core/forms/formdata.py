"""Posted form fields without a web framework: :class:`FormData`.

WTForms reads ``formdata`` through ``name in formdata``, iteration over the names and
``getlist(name)``; a request's form (werkzeug's ``MultiDict``) does that, and so does
this class, so the core can bind forms to data it made itself (see
:func:`miniapps.core.forms.bound.formdata_for`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any


class FormData(MutableMapping[str, Any]):
    """Form fields by name, each with one or more values, in the order they were posted.

    As a mapping it shows each name's first value (``formdata["n"]``, ``get``, ``items``);
    :meth:`getlist` and :meth:`pairs` show every value. Setting a name replaces all its
    values with one.
    """

    def __init__(self, pairs: Iterable[tuple[str, Any]] = ()) -> None:
        self._values: dict[str, list[Any]] = {}
        for name, value in pairs:
            self._values.setdefault(name, []).append(value)

    def __getitem__(self, name: str) -> Any:
        return self._values[name][0]

    def __setitem__(self, name: str, value: Any) -> None:
        self._values[name] = [value]

    def __delitem__(self, name: str) -> None:
        del self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"FormData({self.pairs()!r})"

    def getlist(self, name: str) -> list[Any]:
        """Every value posted under ``name`` (``[]`` when there is none)."""
        return list(self._values.get(name, ()))

    def pairs(self) -> list[tuple[str, Any]]:
        """Every (name, value), names in first-posted order, values in posted order."""
        return [(name, value) for name, values in self._values.items() for value in values]
