"""Which stakeholder organisations a channel reaches from a provider organisation.

A stakeholder covers every organisation beneath its parent (a Place or an ICB): its
area. One without a parent covers nothing by category, but can be named by ODS code.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from miniapps.core.channels.definition import Channel
from miniapps.models import Organisation


def area_path(stakeholder: Organisation) -> str | None:
    """The path prefix of the area a stakeholder covers (its parent's), or None."""
    if stakeholder.parent_id is None:
        return None
    return stakeholder.path.rstrip("/").rsplit("/", 1)[0] + "/"


def covers(stakeholder: Organisation, org: Organisation) -> bool:
    area = area_path(stakeholder)
    return area is not None and org.path.startswith(area) and org.type != "stakeholder"


def recipients(session: Session, channel: Channel, org: Organisation) -> list[Organisation]:
    """Active stakeholders of a listed category covering ``org`` and those listed by ODS
    code, each once, in ODS order."""
    if not (channel.stakeholder_types or channel.stakeholder_orgs):
        return []
    candidates = session.scalars(
        select(Organisation)
        .where(
            Organisation.type == "stakeholder",
            Organisation.active,
            or_(
                Organisation.category.in_(channel.stakeholder_types),
                Organisation.ods.in_(channel.stakeholder_orgs),
            ),
        )
        .order_by(Organisation.ods)
    )
    return [
        s
        for s in candidates
        if s.ods in channel.stakeholder_orgs
        or (s.category in channel.stakeholder_types and covers(s, org))
    ]
