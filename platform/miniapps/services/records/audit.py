"""The append-only audit trail of records: who changed what, with old and new values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from miniapps.core.pointers import pointer_join
from miniapps.db_direct import insert_rows
from miniapps.models import AuditEntry, Record, User

AUDIT_ENTRIES = cast(Table, AuditEntry.__table__)


def audit_change(
    session: Session, record: Record, actor: User | None, action: str, old: Any, new: Any
) -> None:
    """Write one audit entry with the leaf-level differences between ``old`` and ``new``."""
    audit_entry(session, record, actor, action, diff(old, new))


def audit_entry(
    session: Session,
    record: Record,
    actor: User | None,
    action: str,
    changes: list[dict[str, Any]],
) -> None:
    """Write one audit entry for ``record`` with the given ``changes``."""
    write_audit_rows(session, [audit_row(record, actor, action, changes)])


def audit_row(
    record: Record, actor: User | None, action: str, changes: list[dict[str, Any]]
) -> dict[str, Any]:
    """The columns of one audit entry for ``record`` (``at`` is the column's default)."""
    return {
        "record_id": record.id,
        "app_id": record.app_id,
        "actor_id": actor.id if actor else None,
        "action": action,
        "changes": changes,
    }


def write_audit_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert audit entries in their order, in one statement: a plain insert, as nothing
    in a request reads an entry back as an object (what reads them queries the table)."""
    insert_rows(session, AUDIT_ENTRIES, rows)


def created_changes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """``diff({}, data)`` without walking: against nothing, every answered top-level
    member is one change, whatever it holds (what a new record's "create" entry lists)."""
    return [
        {"pointer": pointer_join("", key), "old": None, "new": value}
        for key, value in data.items()
        if value is not None
    ]


def diff(old: Any, new: Any, base: str = "") -> list[dict[str, Any]]:
    """Leaf-level changes between two JSON values as ``{pointer, old, new}``."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[dict[str, Any]] = []
        for key in list(old) + [k for k in new if k not in old]:
            out += diff(old.get(key), new.get(key), pointer_join(base, key))
        return out
    if old == new:
        return []
    return [{"pointer": base or "/", "old": old, "new": new}]


def history(session: Session, record: Record) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.record_id == record.id).order_by(AuditEntry.id)
        )
    )
