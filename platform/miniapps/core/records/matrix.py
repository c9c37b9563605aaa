"""A matrix of people by items (staff by training course, a definition's ``matrix``):
the status of each cell from the latest completion, and the totals per item.

A completion stays in date for the item's ``refresh_months`` from the day it was done
(an item not listed never expires): it is **out of date** the day after that, **due
soon** within ``due_soon_days`` (default 30) of it, else **in date**. A person who never
did an item is **missing** it when ``required`` lists it for one of their roles at the
organisation, else it is **not required** of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from miniapps.core.records.deadlines import add_months

CELL_STATUSES = ("in_date", "due_soon", "out_of_date", "missing", "not_required")
STATUS_TITLES = {
    "in_date": "In date",
    "due_soon": "Due soon",
    "out_of_date": "Out of date",
    "missing": "Missing",
    "not_required": "Not required",
}
# Cells that are a problem for the organisation (a compliance gap).
PROBLEMS = frozenset({"out_of_date", "missing"})
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class MatrixSpec:
    """A definition's ``matrix`` member."""

    person: str
    item: str
    date: str
    title: str | None = None
    refresh_months: Mapping[str, int] = field(default_factory=dict)
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    due_soon_days: int = DUE_SOON_DAYS

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> MatrixSpec:
        return cls(
            person=str(raw["person"]),
            item=str(raw["item"]),
            date=str(raw["date"]),
            title=raw.get("title"),
            refresh_months=dict(raw.get("refresh_months") or {}),
            required={role: tuple(items) for role, items in (raw.get("required") or {}).items()},
            due_soon_days=int(raw.get("due_soon_days") or DUE_SOON_DAYS),
        )

    def required_of(self, roles: Iterable[str]) -> set[str]:
        """The items a holder of ``roles`` must have."""
        return {item for role in roles for item in self.required.get(role, ())}


@dataclass(frozen=True)
class Cell:
    """One person's standing on one item."""

    status: str  # one of CELL_STATUSES
    completed: date | None = None
    expires: date | None = None  # the last day the completion is in date; None: never

    @property
    def title(self) -> str:
        return STATUS_TITLES[self.status]


def cell_for(
    spec: MatrixSpec, item: str, completed: date | None, required: Collection[str], today: date
) -> Cell:
    """The cell of ``item`` for a person who last did it on ``completed`` (None: never)
    and must have the items in ``required``, on ``today``."""
    if completed is None:
        return Cell("missing" if item in required else "not_required")
    months = spec.refresh_months.get(item)
    if months is None:
        return Cell("in_date", completed)
    expires = add_months(completed, months)
    if today > expires:
        return Cell("out_of_date", completed, expires)
    if (expires - today).days <= spec.due_soon_days:
        return Cell("due_soon", completed, expires)
    return Cell("in_date", completed, expires)


@dataclass(frozen=True)
class ItemTotal:
    """How one item (course) stands across the people of an organisation."""

    item: str
    title: str
    in_date: int = 0  # in date or due soon: still valid today
    due_soon: int = 0
    out_of_date: int = 0
    missing: int = 0
    applicable: int = 0  # people it is required of or who did it

    @property
    def percent_in_date(self) -> int | None:
        """Whole per cent of ``applicable`` still in date; None when it applies to nobody."""
        return None if not self.applicable else round(100 * self.in_date / self.applicable)

    @property
    def problems(self) -> int:
        return self.out_of_date + self.missing


def item_totals(
    items: list[tuple[str, str]], rows: Iterable[Mapping[str, Cell]]
) -> list[ItemTotal]:
    """Totals per item (``(value, title)`` in column order) over rows of cells by item."""
    counts = {value: dict.fromkeys(CELL_STATUSES, 0) for value, _ in items}
    for cells in rows:
        for value, cell in cells.items():
            if value in counts:
                counts[value][cell.status] += 1
    totals = []
    for value, title in items:
        c = counts[value]
        totals.append(
            ItemTotal(
                item=value,
                title=title,
                in_date=c["in_date"] + c["due_soon"],
                due_soon=c["due_soon"],
                out_of_date=c["out_of_date"],
                missing=c["missing"],
                applicable=sum(c.values()) - c["not_required"],
            )
        )
    return totals


def cell_text(cell: Cell) -> str:
    """A cell in words, for tables and CSV: ``In date (done 4 Mar 2026, until 4 Mar 2027)``."""
    if cell.completed is None:
        return cell.title
    done = f"done {_short(cell.completed)}"
    if cell.expires is None:
        return f"{cell.title} ({done}, does not expire)"
    verb = "expired" if cell.status == "out_of_date" else "until"
    return f"{cell.title} ({done}, {verb} {_short(cell.expires)})"


def _short(day: date) -> str:
    return f"{day.day} {day:%b %Y}"
