"""Indicator results of the organisations beneath one, for comparison pages.

One grouped statement per kind of organisation rather than one per organisation:
practices by their own ODS code, PCNs by the PCN each record's organisation lies in
(:func:`miniapps.services.indicators.sums.indicator_sums`). Places (a handful per ICB) go
through :func:`~miniapps.services.indicators.results.results_for`, which sums their £ over
their PCNs. Every statement is limited by the one permission filter
(:meth:`Access.org_clause`) and the subtree of the organisation asked about, exactly as
:func:`results_for` is, so a PCN here shows the same figures as on its own page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.indicators.arithmetic import (
    Counts,
    IndicatorResult,
    IndicatorSpec,
    indicator_result,
    pounds,
)
from miniapps.models import App, Organisation
from miniapps.models.organisation import subtree
from miniapps.services.indicators.results import results_for
from miniapps.services.indicators.sums import counts_of, indicator_sums
from miniapps.services.permissions import READ, Access

ByOrg = dict[str, dict[str, Counts]]  # ods -> code -> counts


@dataclass
class OrgResults:
    """One organisation's results, by indicator code, and its £ totals."""

    org: Organisation
    results: dict[str, IndicatorResult]
    returned: bool | None = None  # any submitted record counted (None: not asked)

    def total(self, name: str) -> Decimal | None:
        """Sum of ``earned``, ``potential`` or ``remaining`` (None without £ figures)."""
        values = [getattr(r, name) for r in self.results.values()]
        if not values or any(v is None for v in values):
            return None
        return sum(values, Decimal("0.00"))


def counts_by_org(
    session: Session,
    access: Access,
    app: App,
    within: Organisation,
    definition: AppDefinition,
    specs: Sequence[IndicatorSpec],
    period: str,
    *,
    by_pcn: bool = False,
) -> ByOrg:
    """Summed counts for ``period`` per organisation that holds records (``by_pcn``: per
    PCN) at or beneath ``within``, as far as the user may read."""
    scope = and_(access.org_clause(READ, app), subtree(within.path))
    group: Any = Organisation.__table__.alias("pcn") if by_pcn else Organisation.ods
    sums = indicator_sums(session, definition, list(specs), scope, period, period, group)
    return {
        str(ods): {spec.code: counts_of(spec, values) for spec in specs}
        for ods, values in sums.items()
    }


def readable_children(
    session: Session, access: Access, app: App, org: Organisation
) -> list[Organisation]:
    """Active organisations one level beneath ``org`` that the user may read, by name."""
    query = select(Organisation).where(
        Organisation.parent_id == org.id,
        Organisation.active,
        Organisation.type != "stakeholder",
        access.org_clause(READ, app),
    )
    return list(session.scalars(query.order_by(Organisation.name, Organisation.ods)))


def readable_pcns(
    session: Session, access: Access, app: App, org: Organisation
) -> list[Organisation]:
    """Active PCNs at or beneath ``org`` that the user may read, by name."""
    query = select(Organisation).where(
        Organisation.type == "pcn",
        Organisation.active,
        subtree(org.path),
        access.org_clause(READ, app),
    )
    return list(session.scalars(query.order_by(Organisation.name, Organisation.ods)))


def results_of(
    session: Session,
    access: Access,
    app: App,
    within: Organisation,
    orgs: Sequence[Organisation],
    period: str,
    definition: AppDefinition,
    specs: Sequence[IndicatorSpec],
    options: dict[str, Any],
) -> list[OrgResults]:
    """Results for each of ``orgs`` (all beneath ``within``), in the order given.

    Practices and PCNs come from one grouped statement each; an organisation without
    records gets zero counts ("no eligible patients"); Places and ICBs go through
    :func:`results_for` one by one."""
    leaves = [o for o in orgs if o.type == "practice"]
    pcns = [o for o in orgs if o.type == "pcn"]
    grouped: ByOrg = {}
    if leaves:
        grouped |= counts_by_org(session, access, app, within, definition, specs, period)
    if pcns:
        grouped |= counts_by_org(
            session, access, app, within, definition, specs, period, by_pcn=True
        )
    found = []
    for org in orgs:
        if org.type in ("practice", "pcn"):
            counts = grouped.get(org.ods, {})
            results = {
                spec.code: indicator_result(spec, counts.get(spec.code, Counts(0, 0)), **options)
                for spec in specs
            }
            found.append(OrgResults(org, results, org.ods in grouped))
        else:
            results = {r.spec.code: r for r in results_for(session, access, app, org, period)}
            found.append(OrgResults(org, results))
    return found


@dataclass(frozen=True)
class PointsOverPcns:
    """Points above PCN level: IIF points are a PCN's, so a Place or ICB shows the sum of
    its PCNs' points out of the maximum of those with eligible patients (whose £ make up
    its "possible"), never points read off its pooled achievement."""

    points: Decimal  # to 2 dp, half up
    max_points: Decimal
    pcns: int  # PCNs with eligible patients


def points_over_pcns(pcns: Sequence[OrgResults], spec: IndicatorSpec) -> PointsOverPcns:
    """The sum of each PCN's points for ``spec`` and of their maximum points."""
    parts = [item.results[spec.code] for item in pcns if spec.code in item.results]
    eligible = [r for r in parts if r.achievement is not None]
    exact = sum((r.exact_points for r in eligible), Fraction(0))
    return PointsOverPcns(pounds(exact), spec.max_points * len(eligible), len(eligible))
