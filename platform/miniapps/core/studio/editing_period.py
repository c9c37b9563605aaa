"""The period of a periodic return: how often, the due day, who owes it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from miniapps.core.definitions.loading import meta_schema_enum
from miniapps.core.studio.editing_base import EditRefused, checked, copied

# Frequency → words for a menu, in the meta-schema's order ("none": not periodic).
PERIOD_FREQUENCIES: dict[str, str] = {
    "none": "No period: records whenever needed",
    "weekly": "Weekly",
    "monthly": "Monthly",
    "quarterly": "Quarterly",
    "yearly": "Yearly",
}
OWED_BY_WORDS: dict[str, str] = {
    "practice": "Practices",
    "pcn": "Primary care networks",
    "place": "Places",
    "icb": "Integrated care boards",
    "stakeholder": "Stakeholder organisations",
}


def set_period(
    definition: dict[str, Any],
    *,
    frequency: str,
    due_day: int | None = None,
    owed_by: Sequence[str] = ("practice",),
    several: bool = False,
) -> dict[str, Any]:
    """Make the app a periodic return (``frequency`` ``weekly``, ``monthly``,
    ``quarterly`` or ``yearly``) due on ``due_day`` (of the following month, or 1 =
    Monday to 7 = Sunday of the following week), owed by the organisation types
    ``owed_by``, one record per period unless ``several``; ``"none"`` removes the
    period. Other period settings written in JSON (``financial_year``, ``grace_days``,
    ``owed_by.orgs``) are kept."""
    if frequency not in meta_schema_enum("/$defs/period/properties/frequency/enum"):
        raise EditRefused("/period/frequency", f"there is no period called '{frequency}'")
    edited = copied(definition)
    old = definition.get("period") if isinstance(definition.get("period"), dict) else {}
    if frequency == "none":
        edited.pop("period", None)
        return checked(definition, edited, "/period", None)
    period: dict[str, Any] = {"frequency": frequency}
    if due_day is not None:
        top = 7 if frequency == "weekly" else 31
        if isinstance(due_day, bool) or not 1 <= due_day <= top:
            what = "1 (Monday) to 7 (Sunday)" if top == 7 else "1 to 31"
            raise EditRefused("/period/due_day", f"the due day must be from {what}")
        period["due_day"] = due_day
    for kept in ("financial_year", "grace_days"):
        if isinstance(old, dict) and kept in old:
            period[kept] = old[kept]
    types = list(dict.fromkeys(owed_by))
    unknown = [t for t in types if t not in OWED_BY_WORDS]
    if unknown:
        raise EditRefused("/period/owed_by", f"there is no organisation type '{unknown[0]}'")
    old_owed = old.get("owed_by") if isinstance(old, dict) else None
    owed: dict[str, Any] = {}
    if types:
        owed["types"] = types
    if isinstance(old_owed, dict) and old_owed.get("orgs"):
        owed["orgs"] = old_owed["orgs"]
    if owed:
        period["owed_by"] = owed
    if several:
        period["several"] = True
    edited["period"] = period
    return checked(definition, edited, "/period", ("/period",))


def period_of(definition: dict[str, Any]) -> dict[str, Any]:
    """The period as the studio's form shows it: ``frequency``, ``due_day``, ``owed_by``
    (organisation types) and ``several``."""
    period = definition.get("period") if isinstance(definition.get("period"), dict) else None
    if not period:
        return {"frequency": "none", "due_day": None, "owed_by": ["practice"], "several": False}
    owed = period.get("owed_by") if isinstance(period.get("owed_by"), dict) else {}
    return {
        "frequency": period.get("frequency", "none"),
        "due_day": period.get("due_day"),
        "owed_by": list(owed.get("types") or ["practice"]),
        "several": bool(period.get("several")),
    }
