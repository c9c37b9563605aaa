"""Typed errors shared by the core and the services.

Every problem carries a JSON pointer so that the CLI, the API and the forms can
say exactly which member or field is wrong. Messages are plain language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem at one place: ``pointer`` is an RFC 6901 JSON pointer ("" is the root)."""

    pointer: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class MiniappsError(Exception):
    """Base of every error the platform raises on purpose."""

    code = "error"
    status = 400


class IssuesError(MiniappsError):
    """An error made of one or more :class:`Issue`."""

    def __init__(self, issues: Iterable[Issue], source: str | None = None) -> None:
        self.issues = list(issues)
        self.source = source
        super().__init__("; ".join(f"{i.pointer or '/'}: {i.message}" for i in self.issues))

    def lines(self) -> list[str]:
        """``<file>:<json-pointer>: <message>`` lines, as ``miniapps apps validate`` prints them."""
        prefix = f"{self.source}:" if self.source else ""
        return [f"{prefix}{issue.pointer}: {issue.message}" for issue in self.issues]


class DefinitionInvalid(IssuesError):
    """An app definition failed the meta-schema or the semantic checks."""

    code = "invalid_definition"
    status = 422


class DataInvalid(IssuesError):
    """Record data failed the app's schema."""

    code = "invalid_data"
    status = 422


class IncompatibleChange(IssuesError):
    """A new version would make stored records invalid or lose their data."""

    code = "incompatible_change"
    status = 422


def pointer_join(base: str, *parts: str | int) -> str:
    """Append reference tokens to a JSON pointer, escaping ``~`` and ``/``."""
    for part in parts:
        token = str(part).replace("~", "~0").replace("/", "~1")
        base = f"{base}/{token}"
    return base


def pointer_parts(pointer: str) -> list[str]:
    """Split a JSON pointer into unescaped reference tokens."""
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
