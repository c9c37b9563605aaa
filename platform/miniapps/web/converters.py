"""Whole numbers from URLs, query strings and forms, bounded before they reach a query.

Python integers have no size limit but database columns do: ``/records/99999999999999999999``
or ``?page=99999999999999999999999`` used to reach SQLite (``OverflowError``) or PostgreSQL
(``integer out of range``) and answer 500. Two central bounds, installed by
:func:`init_app` before any route is registered, cover every ``<int:...>`` URL variable and
every ``request.args.get(..., type=int)`` / ``request.form.get(..., type=int)``:

* an ``<int:...>`` URL variable above :data:`MAX_ID` does not match the route, so the
  answer is a 404, as for any id that does not exist;
* a ``type=int`` query or form value that is a whole number outside
  ±:data:`MAX_ID` is a 400 naming the parameter (text that is not a number still gives
  the caller's default, as before).

:data:`MAX_ID` is PostgreSQL's ``integer`` maximum (2,147,483,647): every id column is
one, and a page number that high times any page size still fits a 64-bit offset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import Map
from werkzeug.routing.converters import IntegerConverter

MAX_ID = 2**31 - 1


# 0 to MAX_ID (2147483647) as digits: a larger id matches no route at all, so every method
# answers 404 (a bound checked only in ``to_python`` would make other methods answer 405).
UP_TO_MAX_ID = (
    r"\d{1,9}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
    r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7]"
)


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` with ``max`` defaulting to :data:`MAX_ID` (a larger number is a 404)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)
        if not fixed_digits and not signed and max in (None, MAX_ID):
            self.regex = f"(?:{UP_TO_MAX_ID})"


def bounded_int(name: str, raw: Any) -> int:
    """``int(raw)`` for parameter ``name``: ``ValueError`` when it is not a whole number
    (the caller's default applies), :class:`BadRequest` when it is one out of range."""
    value = int(raw)
    if -MAX_ID <= value <= MAX_ID:
        return value
    shown = str(raw).strip()
    shown = shown if len(shown) <= 30 else shown[:27] + "..."
    raise BadRequest(f"{name} must be a whole number up to {MAX_ID} (got {shown}).")


class BoundedParameters(ImmutableMultiDict[str, str]):
    """Query and form parameters whose ``get(..., type=int)`` is bounded (:func:`bounded_int`)."""

    def get(  # type: ignore[override]
        self, key: str, default: Any = None, type: Callable[[str], Any] | None = None
    ) -> Any:
        if type is int:
            return super().get(key, default, type=lambda raw: bounded_int(key, raw))
        if type is None:
            return super().get(key, default)
        return super().get(key, default, type=type)


class BoundedRequest(Request):
    """The app's request class: parameters are :class:`BoundedParameters`."""

    parameter_storage_class = BoundedParameters


def init_app(app: Flask) -> None:
    """Install the bounds; call before any blueprint is registered (rules bind their
    converters when they are added)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = BoundedRequest
