"""Which period a new return is for: the one that is due, not the month still running."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from miniapps.core.periods.schedule import COMPLETE, period_bounds
from miniapps.models import App, Organisation
from miniapps.services.returns.owing import owing_by_period, rules_of
from miniapps.services.returns.tracking import return_statuses


def due_period(
    session: Session, app: App, org: Organisation, periods: list[str], today: date
) -> str | None:
    """The newest of ``periods`` that has finished, that ``org`` owes and has not yet
    returned (no record past its draft) and that is not locked; None when every finished
    one is returned.

    ``periods`` are the choices offered on the new-record form, in any order.
    """
    rules = rules_of(session, app)
    if not rules.is_periodic:
        return None
    finished = sorted(
        (p for p in periods if period_bounds(p, rules.financial_year)[1] < today), reverse=True
    )
    if not finished:
        return None
    owing = owing_by_period(session, app, finished, within=org)
    owed = [p for p in finished if org in owing[p]]
    cells = return_statuses(session, app, [org], owed, today)
    for period in owed:
        if cells[(org.id, period)].status not in COMPLETE | {"locked"}:
            return period
    return None
