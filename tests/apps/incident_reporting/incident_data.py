"""The incident_reporting app's data for tests: the bundled definition and answers a
practice would give (a low-harm incident, an adult and a child safeguarding referral),
each valid for submission; tests change what they are about."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from miniapps.models import ChannelItem, Record
from sqlalchemy import select
from sqlalchemy.orm import Session

APP_ID = "incident_reporting"
APP_DIR = Path(__file__).resolve().parents[3] / "apps" / APP_ID


def definition() -> dict[str, Any]:
    return json.loads((APP_DIR / "app.json").read_text(encoding="utf-8"))


def safety_event(**changes: Any) -> dict[str, Any]:
    """A low-harm incident (physical harm low, no psychological harm)."""
    data: dict[str, Any] = {
        "kind": "patient_safety",
        "event_type": "incident",
        "occurred_at": "2026-11-30T10:30:00Z",
        "location": "treatment_room",
        "description": "A second dose of a vaccine was given four weeks early.",
        "people_involved": [{"role": "patient", "age_band": "65_84"}, {"role": "nurse"}],
        "harm_physical": "low",
        "harm_psychological": "none",
        "immediate_actions": "Patient told and observed for 30 minutes.",
    }
    return {**data, **changes}


def adult_referral(**changes: Any) -> dict[str, Any]:
    """An adult safeguarding referral made with the adult's consent."""
    data: dict[str, Any] = {
        "kind": "adult_safeguarding",
        "immediate_risk": False,
        "person": {"name": "Ada Example", "date_of_birth": "1941-02-03"},
        "concern": "Unexplained bruising on both arms seen at a home visit.",
        "abuse_categories": ["physical", "neglect"],
        "care_support_needs": True,
        "experiencing_abuse": True,
        "unable_to_protect": True,
        "adult_views": "Wants to stay at home with more help.",
        "capacity_doubt": False,
        "person_alleged": "paid_carer",
        "others_at_risk": False,
        "consent_given": True,
    }
    return {**data, **changes}


def child_referral(**changes: Any) -> dict[str, Any]:
    """A child safeguarding referral the parents know about."""
    data: dict[str, Any] = {
        "kind": "child_safeguarding",
        "immediate_risk": False,
        "person": {"name": "Charlie Example", "date_of_birth": "2019-06-01"},
        "concern": "Repeated missed appointments and a parent not engaging.",
        "abuse_categories": ["neglect"],
        "child_need_level": "child_in_need",
        "parental_responsibility": "Mother",
        "parents_aware": True,
        "others_at_risk": False,
        "consent_given": True,
    }
    return {**data, **changes}


def items_of(session: Session, record: Record | None = None) -> list[ChannelItem]:
    """Channel items (of ``record``, or all), oldest first."""
    query = select(ChannelItem).order_by(ChannelItem.id)
    if record is not None:
        query = query.where(ChannelItem.record_id == record.id)
    return list(session.scalars(query))
