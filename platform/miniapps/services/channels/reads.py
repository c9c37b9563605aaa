"""Who read a channel record: every read (a page, an API answer, an export) by anyone
(a stakeholder, the provider side, an admin, the platform itself) is one audit entry,
and the provider's managers see who read it.

A read is an :class:`AuditEntry` with ``action`` "read" and one change
``{"pointer": "", "old": None, "new": via, "via": via, "side": side, "org": ODS}``:
``via`` is "page", "api" or "export"; ``side`` is "stakeholder", "provider" or
"platform"; ``org`` the organisation the reader read it for (the stakeholder holding the
item, or the reader's own organisation above the record's). Records that were never
sent through a channel are not audited. Everything here flushes only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.models import AuditEntry, ChannelItem, Organisation, Record, User
from miniapps.services.permissions import APPROVE, Access

READ_ACTION = "read"
VIA = ("page", "api", "export")
# Records audited per statement when a list or an export is read.
_CHUNK = 500


class Reader(NamedTuple):
    """One person's reads of a record one way (``via``): the last time, how often, and
    the organisation they read it for."""

    user: User | None
    when: datetime
    via: str
    organisation: Organisation | None
    times: int


def audit_read(session: Session, access: Access, record: Record, via: str) -> bool:
    """Write a read of ``record`` when it has channel items; returns whether it did."""
    if not record.channel_items:
        return False
    session.add(_entry(access, record, via))
    session.flush()
    return True


def audit_reads(session: Session, access: Access, records: Iterable[Record], via: str) -> int:
    """Write a read of each channel record among ``records`` (a list page, an inbox page,
    an export); returns how many. One query finds which of them have items."""
    unique = list({r.id: r for r in records}.values())
    held: set[int] = set()
    for start in range(0, len(unique), _CHUNK):
        ids = [r.id for r in unique[start : start + _CHUNK]]
        held.update(
            session.scalars(select(ChannelItem.record_id).where(ChannelItem.record_id.in_(ids)))
        )
    audited = [r for r in unique if r.id in held]
    session.add_all(_entry(access, r, via) for r in audited)
    session.flush()
    return len(audited)


def readers(session: Session, record: Record) -> list[Reader]:
    """Who read ``record``, one row per person, organisation and way, the latest first."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_id == record.id, AuditEntry.action == READ_ACTION)
        .order_by(AuditEntry.id.desc())
    ).all()
    grouped: dict[tuple[int | None, str | None, str], list[AuditEntry]] = {}
    for entry in entries:
        change = _read_change(entry)
        key = (entry.actor_id, change.get("org"), str(change.get("via") or ""))
        grouped.setdefault(key, []).append(entry)
    codes = {ods for _, ods, _ in grouped if ods}
    orgs = {
        o.ods: o
        for o in session.scalars(select(Organisation).where(Organisation.ods.in_(sorted(codes))))
    }
    return [
        Reader(latest[0].actor, latest[0].at, via, orgs.get(ods or ""), len(latest))
        for (_, ods, via), latest in grouped.items()
    ]


def sees_readers(access: Access, record: Record) -> bool:
    """Whether ``access`` may see who read ``record``: the provider's managers, that is
    whoever may approve there (a practice manager, the PCN manager, a platform admin);
    never a stakeholder as such, nor practice staff."""
    return access.can(APPROVE, record.organisation)


def _entry(access: Access, record: Record, via: str) -> AuditEntry:
    if via not in VIA:
        raise ValueError(f"via must be one of {', '.join(VIA)} (got {via!r})")
    side, org = _reading_for(access, record)
    change: dict[str, Any] = {
        "pointer": "",
        "old": None,
        "new": via,
        "via": via,
        "side": side,
        "org": org.ods if org is not None else None,
    }
    return AuditEntry(
        record_id=record.id,
        app_id=record.app_id,
        actor_id=access.user.id if access.user is not None else None,
        action=READ_ACTION,
        changes=[change],
    )


def _reading_for(access: Access, record: Record) -> tuple[str, Organisation | None]:
    """The side and organisation ``access`` reads ``record`` for."""
    if access.user is None:
        return "platform", None
    for item in _held(access, record.channel_items):
        return "stakeholder", item.stakeholder
    above = [
        m.organisation
        for m in access.memberships
        if m.role != "stakeholder" and record.organisation.path.startswith(m.organisation.path)
    ]
    if above:  # the closest organisation above the record's (the practice before its PCN)
        return "provider", max(above, key=lambda o: len(o.path))
    others = [m.organisation for m in access.memberships if m.role != "stakeholder"]
    return "provider", others[0] if others else None


def _held(access: Access, items: Sequence[ChannelItem]) -> list[ChannelItem]:
    return [i for i in items if i.stakeholder_id in access.stakeholder_org_ids]


def _read_change(entry: AuditEntry) -> dict[str, Any]:
    changes = entry.changes or [{}]
    first = changes[0]
    return first if isinstance(first, dict) else {}
