"""The edits the studio's forms post to ``POST /studio/<id>/edit``: each hidden ``op``
names a handler that reads its arguments from the form, calls one core editing
function and says, in words, what changed (the save's summary).

Handlers raise :class:`~miniapps.core.studio.editing.EditRefused` for edits the core
refuses and for arguments that cannot be read; nothing is saved then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from miniapps.core.studio.editing import EditRefused

__all__ = ["OPS", "EditRefused", "Edited", "Form", "op"]

Form = MultiDict[str, str]


@dataclass(frozen=True)
class Edited:
    """A handler's result: the new definition, the save's summary, and where to go back
    to (a ``#`` anchor of the editor, or the field page of ``field``)."""

    definition: dict[str, Any]
    summary: str
    anchor: str = ""
    field: str | None = None


Handler = Callable[[dict[str, Any], Form], Edited]
OPS: dict[str, Handler] = {}


def op(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the edit ``name``."""

    def register(handler: Handler) -> Handler:
        OPS[name] = handler
        return handler

    return register


def text(form: Form, name: str) -> str:
    """The trimmed text of ``name``."""
    return (form.get(name) or "").strip()


def required_text(form: Form, name: str, what: str, *, at: str = "") -> str:
    value = text(form, name)
    if not value:
        raise EditRefused(at, f"Enter {what}")
    return value


def whole(form: Form, name: str, what: str, *, at: str = "") -> int | None:
    """A whole number, None when blank; refused (naming ``what``) when not one."""
    raw = text(form, name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise EditRefused(at, f"{what} must be a whole number, like 5") from None


def number(form: Form, name: str, what: str, *, at: str = "") -> float | int | None:
    """A number (kept whole when written whole), None when blank."""
    raw = text(form, name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        value = float(raw)
    except ValueError:
        raise EditRefused(at, f"{what} must be a number, like 2.5") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise EditRefused(at, f"{what} must be a number, like 2.5")
    return value


def index(form: Form, name: str, what: str = "The position") -> int:
    value = whole(form, name, what)
    if value is None:
        raise EditRefused("", f"{what} is missing")
    return value
