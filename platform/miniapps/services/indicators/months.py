"""The months an indicator page can show: those with submitted records to count."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.models import App, Organisation, Record
from miniapps.models.organisation import subtree
from miniapps.services.permissions import READ, Access


def months_with_data(session: Session, access: Access, app: App, org: Organisation) -> list[str]:
    """Months (``YYYY-MM``) with a submitted record of ``app`` at or beneath ``org`` that
    the user may read, newest first: the choices of the page's month picker."""
    query = (
        select(Record.period)
        .join(Organisation, Record.organisation_id == Organisation.id)
        .where(
            Record.app_id == app.id,
            Record.status != "draft",
            Record.period.like("____-__"),
            subtree(org.path),
            access.org_clause(READ, app),
        )
        .distinct()
        .order_by(Record.period.desc())
    )
    return [str(period) for period in session.scalars(query) if period]
