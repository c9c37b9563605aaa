"""Typed errors shared by the core and the services.

Every problem carries a JSON pointer so that the CLI, the API and the forms can
say exactly which member or field is wrong. Messages are plain language.

An error says *what went wrong* with a ``code`` (``"invalid_data"``, shown to API
clients) and *what sort of failure* it is with a ``kind`` (one of :data:`KINDS`); it
knows nothing of HTTP. The web layer turns kinds into status codes in one place
(:data:`miniapps.web.errors.KIND_STATUS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

Kind = Literal[
    "bad_request",  # the request cannot be acted on as asked
    "invalid",  # what was sent fails the checks (a definition, record data)
    "forbidden",  # the caller may not do this
    "not_found",  # no such thing, or not visible to the caller
    "conflict",  # the thing's current state does not allow it (stale, locked, not owed)
    "unsupported_media_type",  # the body is not in a format the endpoint reads
    "precondition_required",  # the request must say which version it changes
]
KINDS: tuple[Kind, ...] = get_args(Kind)


@dataclass(frozen=True)
class Issue:
    """One problem at one place: ``pointer`` is an RFC 6901 JSON pointer ("" is the root)."""

    pointer: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class MiniappsError(Exception):
    """Base of every error the platform raises on purpose: a ``code`` and a ``kind``."""

    code = "error"
    kind: Kind = "bad_request"


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
    kind = "invalid"


class DataInvalid(IssuesError):
    """Record data failed the app's schema."""

    code = "invalid_data"
    kind = "invalid"


class IncompatibleChange(IssuesError):
    """A new version would make stored records invalid or lose their data."""

    code = "incompatible_change"
    kind = "invalid"
