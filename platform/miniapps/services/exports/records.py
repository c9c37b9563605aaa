"""Which records an export holds: those the user may see, through the one permission filter."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.exports.records import ExportItem
from miniapps.models import App, Organisation, Record, User
from miniapps.models.organisation import subtree
from miniapps.services.channels.reads import audit_reads
from miniapps.services.permissions import Access


def export_items(
    session: Session,
    access: Access,
    app: App,
    *,
    within: Organisation | None = None,
    period: str | None = None,
    status: str | None = None,
) -> list[ExportItem]:
    """``(record, ODS, organisation name, submitter name)`` for every record of ``app`` the
    user may see, oldest first; ``within`` keeps that organisation and those beneath it."""
    query = (
        select(Record, Organisation.ods, Organisation.name, User.name)
        .join(Organisation, Record.organisation_id == Organisation.id)
        .outerjoin(User, Record.created_by_id == User.id)
        .where(Record.app_id == app.id, access.record_clause(app))
    )
    if within is not None:
        query = query.where(subtree(within.path))
    if period:
        query = query.where(Record.period == period)
    if status:
        query = query.where(Record.status == status)
    rows = session.execute(query.order_by(Record.id))
    return [(record, ods, name, submitter) for record, ods, name, submitter in rows]


def audit_exported(session: Session, access: Access, items: list[ExportItem]) -> int:
    """Write one read (via "export") per channel record among ``items``; the caller commits."""
    records = [record for record, *_ in items if isinstance(record, Record)]
    return audit_reads(session, access, records, "export")
