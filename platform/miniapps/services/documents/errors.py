"""The document library's typed errors (their kinds become HTTP codes in one place)."""

from __future__ import annotations

from collections.abc import Iterable

from miniapps.core.errors import Issue, IssuesError, MiniappsError


class DocumentNotFound(MiniappsError):
    """No such document or version, or not one the caller may see."""

    code = "not_found"
    kind = "not_found"


class DocumentConflict(MiniappsError):
    """The document's state does not allow it (superseded, not approved, adopted already)."""

    code = "document_conflict"
    kind = "conflict"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class DocumentInvalid(IssuesError):
    """What was sent for a version or an adoption has errors, each at a pointer."""

    code = "invalid_document"
    kind = "invalid"

    def __init__(self, issues: Iterable[Issue]) -> None:
        super().__init__(issues)
