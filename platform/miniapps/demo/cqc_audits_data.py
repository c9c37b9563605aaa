"""What the audits story of the CQC demo says: the fridges, the fridge excursions with
the steps taken, and the checklists of the infection control, emergency drugs and fire
safety audits with the items that fail and the actions they need.

All invented, with roles instead of names: examples to adapt, not clinical advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FRIDGES = ("Vaccine fridge 1 (treatment room)", "Vaccine fridge 2 (nurses' room)")


@dataclass(frozen=True)
class Excursion:
    """A reading out of range: at the ``practice``-th staffed practice, its ``fridge``-th
    fridge, ``days_ago`` days before today (moved to the working day before if need be)."""

    practice: int
    fridge: int
    days_ago: int
    readings: dict[str, float]
    steps: dict[str, Any]


EXCURSIONS = (
    Excursion(
        0, 0, 200,
        {"current": 9.1, "minimum": 4.2, "maximum": 11.4},
        {
            "quarantined": True,
            "cause": "The door was found not fully closed after the morning clinic. It was "
            "closed, the seal checked and the fridge read every hour until back in range.",
            "duration": "About 2 hours, from the data logger",
            "extent": 11.4,
            "logger_downloaded": True,
            "contacted": ["screening_and_immunisation_team", "manufacturer"],
            "stock": "used_on_advice",
            "significant_event": True,
        },
    ),
    Excursion(
        0, 1, 58,
        {"current": 12.6, "minimum": 5.0, "maximum": 14.8},
        {
            "quarantined": True,
            "cause": "A power cut overnight. The stock was moved to fridge 1; the fridge was "
            "restarted and monitored before use. The socket is now labelled “do not switch off”.",
            "duration": "About 6 hours overnight",
            "extent": 14.8,
            "logger_downloaded": True,
            "contacted": ["screening_and_immunisation_team", "pharmacist"],
            "stock": "discarded_and_reported",
            "significant_event": True,
        },
    ),
    Excursion(
        1, 0, 121,
        {"current": 3.1, "minimum": 0.6, "maximum": 6.9},
        {
            "quarantined": True,
            "cause": "The thermostat had been turned down while cleaning. It was reset and "
            "the cleaning checklist now says to leave the thermostat alone.",
            "duration": "Unknown: up to 24 hours since the last reset",
            "extent": 0.6,
            "logger_downloaded": True,
            "contacted": ["manufacturer"],
            "stock": "used_on_advice",
            "significant_event": True,
        },
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Failure:
    """An item that fails: the item's answers besides its result, who owns the action
    (``"nurse"``: the practice's first staff member, by email), the days after the audit
    it was done (None: still open) and when it is due: ``days_given`` after the audit, or
    for an action still open, from today (negative: overdue by then)."""

    answers: dict[str, Any]
    action: str
    owner: str
    days_given: int
    done_after: int | None
    note: str = ""


IPC_ITEMS = (
    ("hand_hygiene", "Liquid soap, paper towels and hand gel at every clinical sink"),
    ("hand_hygiene", "Staff bare below the elbows in clinical areas"),
    ("environment", "Clinical rooms uncluttered, surfaces wipeable and intact"),
    ("cleaning", "Cleaning schedules signed for the last four weeks"),
    ("sharps", "Sharps bins assembled, labelled, below the fill line and off the floor"),
    ("waste", "Clinical waste bags and bins used and stored correctly"),
    ("ppe", "Gloves, aprons and masks stocked in every clinical room"),
    ("specimens", "Specimen fridge clean and at the right temperature"),
    ("spillage", "Spillage kits in date and staff know where they are"),
    ("staff", "Staff hepatitis B status and infection control training recorded"),
)
# By audit (0 the oldest): the items that fail. The newest audit's first is overdue.
IPC_FAILURES: dict[int, dict[int, Failure]] = {
    1: {
        4: Failure({"finding": "One sharps bin above the fill line in room 2."},
                   "Close and replace sharps bins at the fill line; add to the daily check",
                   "nurse", 7, 3, "Bin replaced; the daily room check now includes sharps."),
    },
    2: {
        3: Failure({"finding": "Two weeks of the cleaning schedule not signed."},
                   "Agree the cleaning sign-off with the contractor and check it weekly",
                   "Practice manager", 30, 21, "Contractor's supervisor now signs weekly."),
    },
    3: {
        2: Failure({"finding": "Torn couch cover in consulting room 4."},
                   "Replace the torn couch cover in consulting room 4",
                   "Practice manager", -12, None),
        8: Failure({"finding": "The spillage kit in reception was out of date."},
                   "Replace the reception spillage kit and add kits to the monthly check",
                   "nurse", 20, None),
    },
}  # fmt: skip

DRUG_ITEMS = (
    "adrenaline", "benzylpenicillin", "hydrocortisone", "chlorphenamine", "salbutamol",
    "aspirin", "gtn", "glucose", "midazolam", "oxygen", "defibrillator", "airway",
    "pulse_oximeter",
)  # fmt: skip
# By check (0 the oldest, monthly): item -> the failure.
DRUG_FAILURES: dict[int, dict[str, Failure]] = {
    3: {"oxygen": Failure({"present": False}, "Order a replacement oxygen cylinder",
                          "Practice manager", 2, 1, "Full cylinder delivered and fitted.")},
    7: {"adrenaline": Failure({"in_date": False}, "Replace the expired adrenaline ampoules",
                              "nurse", 1, 1, "Replaced from pharmacy stock the same day.")},
    11: {"defibrillator": Failure({"in_date": False},
                                  "Order defibrillator pads: the spare set expires this month",
                                  "nurse", 14, None)},
}  # fmt: skip

FIRE_AREAS = (
    "risk_assessment", "escape_routes", "fire_doors", "extinguishers", "alarm",
    "emergency_lighting", "signage", "storage", "electrical", "marshals", "training",
)  # fmt: skip
FIRE_FAILURES: dict[int, dict[str, Failure]] = {
    1: {"fire_doors": Failure({"finding": "The store room fire door was wedged open."},
                              "Fit a door retainer linked to the alarm, or keep the door shut",
                              "Practice manager", 30, 25, "Retainer fitted by the landlord.")},
    2: {"training": Failure({"finding": "Three new starters without fire training."},
                            "Book fire training for the three new starters",
                            "Practice manager", 30, 12, "All three completed e-learning.")},
}  # fmt: skip
CALL_POINTS = ("Reception", "Main exit", "Rear corridor", "Staff room", "First floor landing")
