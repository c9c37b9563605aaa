"""What the demo leaves to do about the last month of monthly returns, so that every
demo user finds work: returns to fill in, drafts to finish, returns to review, and
figures to query (:func:`last_month_work`)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from miniapps.models import Organisation

DRAFTS = 2  # PCNs other than the focus one with a draft of last month's return


@dataclass(frozen=True)
class Surprises:
    """What is left to do about last month, and the returns with a coding error."""

    open: set[str]  # no return yet: the demo users' practices
    drafts: set[str]  # started, not submitted
    reviews: set[str]  # submitted, awaiting their PCN manager
    jumps: set[tuple[str, str]]  # (ods, month) of a return with a denominator jump


def last_month_work(
    orgs: list[Organisation],
    months: list[str],
    open_orgs: set[str],
    focus_pcn: str | None,
    rng: random.Random,
) -> Surprises:
    """Per parent organisation (a PCN, or a Place for practices outside one) of the
    organisations not left open: one return awaiting review; in :data:`DRAFTS` parents
    besides the focus PCN with three or more, a draft; the focus PCN's return awaiting
    review and, four months back, one elsewhere carry a denominator jump."""
    by_parent: dict[str, list[Organisation]] = {}
    for org in orgs:
        if org.ods not in open_orgs:
            by_parent.setdefault(org.parent.ods if org.parent else "", []).append(org)
    focus = by_parent.pop(focus_pcn or "", [])
    others = [by_parent[key] for key in sorted(by_parent)]
    rng.shuffle(focus)
    rng.shuffle(others)
    for group in others:
        rng.shuffle(group)
    reviews = {group[0].ods for group in [focus, *others] if group}
    drafting = [group for group in others if len(group) > 2][:DRAFTS]
    drafts = {group[1].ods for group in drafting}
    jumps: set[tuple[str, str]] = set()
    if focus:
        jumps.add((focus[0].ods, months[-1]))
    spare = [group[-1] for group in others if len(group) > 1 and group[-1].ods not in drafts]
    if spare and len(months) > 4:
        jumps.add((spare[0].ods, months[-4]))
    return Surprises(open_orgs & {o.ods for o in orgs}, drafts, reviews, jumps)
