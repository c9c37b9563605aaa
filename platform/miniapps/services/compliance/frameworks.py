"""Load compliance frameworks centrally, one stored row per (framework, version), and list them.

Loading checks the file (:func:`miniapps.core.compliance.frameworks.parse_framework`), then,
when it replaces an earlier version, that the version is stored and that the mapping's old
statements are its statements. The same content loaded again changes nothing; a different
content for a version already stored is refused (a version is never changed: publish a new
one). Every load is audited. Flushes only; the caller commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.compliance.frameworks import Framework, mapping_issues, parse_framework
from miniapps.core.errors import DefinitionInvalid, Issue, IssuesError
from miniapps.models import AuditEntry, User
from miniapps.models import Framework as FrameworkRow


class FrameworkVersionTaken(IssuesError):
    """A different content for a framework version already stored."""

    code = "framework_version_taken"
    kind = "conflict"


@dataclass(frozen=True)
class LoadOutcome:
    row: FrameworkRow
    framework: Framework
    created: bool  # False: this very content was already stored


def stored_row(session: Session, framework_id: str, version: str) -> FrameworkRow | None:
    return session.scalar(
        select(FrameworkRow).where(
            FrameworkRow.framework_id == framework_id, FrameworkRow.version == version
        )
    )


def stored_frameworks(session: Session, framework_id: str | None = None) -> list[FrameworkRow]:
    """Every stored version, by framework then in the order loaded."""
    query = select(FrameworkRow).order_by(FrameworkRow.framework_id, FrameworkRow.id)
    if framework_id:
        query = query.where(FrameworkRow.framework_id == framework_id)
    return list(session.scalars(query))


def load_framework(
    session: Session, raw: Any, *, source: str | None = None, actor: User | None = None
) -> LoadOutcome:
    """Check ``raw`` and store it as a new framework version.

    Raises :class:`DefinitionInvalid` (pointers into the file) when the file is invalid or
    its ``replaces`` does not fit the stored version, and :class:`FrameworkVersionTaken`
    when the version is stored with a different content. Nothing is stored then.
    """
    framework = parse_framework(raw, source)
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    existing = stored_row(session, framework.id, framework.version)
    if existing is not None:
        if existing.content_hash == digest:
            return LoadOutcome(existing, framework, False)
        message = (
            f"{framework.id} version {framework.version} is already loaded with a different "
            "content; a loaded version is never changed: give this one a new version"
        )
        raise FrameworkVersionTaken([Issue("/version", message, "conflict")], source)
    if framework.replaced_version is not None:
        _check_replaced(session, framework, source)
    row = FrameworkRow(
        framework_id=framework.id,
        version=framework.version,
        title=framework.title[:255],
        content=raw,
        content_hash=digest,
        loaded_by_id=actor.id if actor else None,
    )
    session.add(row)
    session.add(
        AuditEntry(
            record_id=None,
            app_id=None,
            actor_id=actor.id if actor else None,
            action="framework_loaded",
            changes=[
                {
                    "pointer": f"/frameworks/{framework.id}",
                    "old": framework.replaced_version,
                    "new": framework.version,
                    "key_questions": [q.id for q in framework.key_questions],
                    "statements": len(framework.statements),
                    "source": source,
                }
            ],
        )
    )
    session.flush()
    return LoadOutcome(row, framework, True)


def _check_replaced(session: Session, framework: Framework, source: str | None) -> None:
    replaced_row = stored_row(session, framework.id, framework.replaced_version or "")
    if replaced_row is None:
        message = (
            f"{framework.id} version {framework.replaced_version} is not loaded; "
            "load the version this one replaces first"
        )
        raise DefinitionInvalid([Issue("/replaces/version", message)], source)
    issues = mapping_issues(framework, parse_framework(replaced_row.content))
    if issues:
        raise DefinitionInvalid(issues, source)
