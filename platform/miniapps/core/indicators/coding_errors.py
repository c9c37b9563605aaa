"""Likely coding errors in indicator returns, for the PCN manager to query with a practice.

Pure and Flask-free. Inputs are summed counts per organisation and indicator
(``{ods: {code: Counts}}``) for this month and the month before; nothing here decides
money. Three checks, each a hint to look at the clinical-system search, never a verdict:

- **denominator jump**: the denominator changed month on month by more than ``factor``
  (either way: 40 → 100 or 100 → 40 with the default 2.0); a denominator appearing from
  or falling to 0 counts when the other month had at least ``min_denominator`` patients;
- **numerator above denominator**: impossible for a proportion, so the stored (or
  imported) figures are wrong;
- **far below peers**: the practice's achievement is worse than that of its peers (the
  *other* organisations, their counts pooled) by more than ``gap`` (a fraction: 0.2 is
  20 percentage points); "worse" is lower for higher-is-better indicators and higher for
  lower-is-better ones. Practices with fewer than ``min_denominator`` eligible patients
  are left out, since a handful of patients swings a percentage widely.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from miniapps.core.indicators.arithmetic import Counts, IndicatorSpec

JUMP_FACTOR = Fraction(2)
PEER_GAP = Fraction(1, 5)
MIN_DENOMINATOR = 10

ByOrg = Mapping[str, Mapping[str, Counts]]  # ods -> indicator code -> counts

KIND_TITLES = {
    "denominator_jump": "Denominator jump",
    "numerator_above_denominator": "Numerator above denominator",
    "far_below_peers": "Far below peers",
}


@dataclass(frozen=True)
class CodingIssue:
    """One likely coding error: which check, organisation and indicator, and why."""

    kind: str  # a key of KIND_TITLES
    ods: str
    code: str
    message: str

    @property
    def title(self) -> str:
        return KIND_TITLES[self.kind]


def denominator_jumps(
    current: ByOrg,
    previous: ByOrg,
    *,
    factor: Fraction = JUMP_FACTOR,
    min_denominator: int = MIN_DENOMINATOR,
) -> list[CodingIssue]:
    """Denominators that grew or shrank by more than ``factor`` since the month before.

    Only organisations and indicators present in both months are compared (a practice
    that made no return last month has nothing to jump from)."""
    issues = []
    for ods, codes in current.items():
        for code, now in codes.items():
            before = previous.get(ods, {}).get(code)
            if before is None:
                continue
            low, high = sorted((now.denominator, before.denominator))
            if high < min_denominator or (low > 0 and Fraction(high, low) <= factor):
                continue
            issues.append(
                CodingIssue(
                    "denominator_jump",
                    ods,
                    code,
                    f"denominator went from {before.denominator} to {now.denominator} "
                    "since last month: check the search and the register",
                )
            )
    return issues


def numerators_above_denominators(current: ByOrg) -> list[CodingIssue]:
    """Figures where more patients met the indicator than were eligible for it."""
    return [
        CodingIssue(
            "numerator_above_denominator",
            ods,
            code,
            f"numerator {counts.numerator} is above the denominator {counts.denominator}",
        )
        for ods, codes in current.items()
        for code, counts in codes.items()
        if counts.numerator > counts.denominator
    ]


def far_below_peers(
    current: ByOrg,
    specs: Sequence[IndicatorSpec],
    *,
    gap: Fraction = PEER_GAP,
    min_denominator: int = MIN_DENOMINATOR,
) -> list[CodingIssue]:
    """Organisations whose achievement is worse than their pooled peers' by over ``gap``.

    Peers are every other organisation in ``current`` with a denominator for the
    indicator and a numerator no larger; an organisation without peers is never
    flagged."""
    issues = []
    for spec in specs:
        rows = {
            ods: codes[spec.code]
            for ods, codes in current.items()
            if spec.code in codes
            and codes[spec.code].denominator > 0
            # impossible figures are reported by their own check, and make poor peers
            and codes[spec.code].numerator <= codes[spec.code].denominator
        }
        num = sum(c.numerator for c in rows.values())
        den = sum(c.denominator for c in rows.values())
        for ods, counts in rows.items():
            peer_den = den - counts.denominator
            if counts.denominator < min_denominator or peer_den <= 0:
                continue
            own = Fraction(counts.numerator, counts.denominator)
            peers = Fraction(num - counts.numerator, peer_den)
            shortfall = peers - own if spec.direction == "higher" else own - peers
            if shortfall > gap:
                issues.append(
                    CodingIssue(
                        "far_below_peers",
                        ods,
                        spec.code,
                        f"achievement {_percent(own)} against {_percent(peers)} for the "
                        "other practices: check for uncoded activity",
                    )
                )
    return issues


def coding_checks(
    current: ByOrg,
    previous: ByOrg,
    specs: Sequence[IndicatorSpec],
    *,
    factor: Fraction = JUMP_FACTOR,
    gap: Fraction = PEER_GAP,
    min_denominator: int = MIN_DENOMINATOR,
) -> list[CodingIssue]:
    """Every check, ordered by indicator (in ``specs`` order), organisation and kind."""
    found = (
        numerators_above_denominators(current)
        + denominator_jumps(current, previous, factor=factor, min_denominator=min_denominator)
        + far_below_peers(current, specs, gap=gap, min_denominator=min_denominator)
    )
    order = {spec.code: i for i, spec in enumerate(specs)}
    kinds = list(KIND_TITLES)
    return sorted(found, key=lambda i: (order.get(i.code, len(order)), i.ods, kinds.index(i.kind)))


def _percent(value: Fraction) -> str:
    return f"{float(value) * 100:.1f}%"
