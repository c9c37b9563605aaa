"""What the peer review, risk register and significant events demo story tells
(:mod:`miniapps.demo.cqc_peer`): invented risks, a peer review checklist and significant
events, with roles instead of names. Examples to adapt, not clinical or legal advice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Risk:
    title: str
    description: str
    category: str
    likelihood: int
    impact: int
    owner: str
    controls: str
    closed: str | None = None  # why it was closed, for the closed ones


RISK_STORY: tuple[Risk, ...] = (
    Risk(
        title="Vaccine fridge failure over a weekend",
        description=(
            "A fridge fault outside opening hours could spoil the stock and leave patients "
            "unprotected until it is replaced."
        ),
        category="premises",
        likelihood=2,
        impact=4,
        owner="Practice nurse lead",
        controls="Data logger with a remote alarm; a second fridge; the cold chain policy.",
    ),
    Risk(
        title="Telephone system outage",
        description=(
            "The cloud telephone system fails during the 8am peak and patients cannot get through."
        ),
        category="business_continuity",
        likelihood=3,
        impact=3,
        owner="Practice manager",
        controls="Supplier support contract; the website and NHS App booking stay open.",
    ),
    Risk(
        title="Not enough GP cover in August",
        description=(
            "Planned leave leaves fewer than the minimum clinical sessions for three weeks."
        ),
        category="staffing",
        likelihood=4,
        impact=3,
        owner="Managing partner",
        controls="Leave rota agreed in spring; PCN locum bank.",
    ),
    Risk(
        title="Complaints answered late",
        description="Complaints not acknowledged within 3 working days while the manager is away.",
        category="reputation",
        likelihood=2,
        impact=2,
        owner="Practice manager",
        controls="Shared complaints inbox checked daily by two people.",
        closed="The shared inbox has met every deadline for six months.",
    ),
    Risk(
        title="Safeguarding training lapses",
        description="Clinicians whose level 3 training expires miss referrals or reviews.",
        category="compliance",
        likelihood=2,
        impact=5,
        owner="Safeguarding lead",
        controls="Training matrix reviewed monthly; reminders 30 days before expiry.",
    ),
    Risk(
        title="Cyber attack on the clinical system",
        description="Ransomware or a phishing attack locks staff out of records.",
        category="information",
        likelihood=3,
        impact=5,
        owner="Practice manager",
        controls="NHS mail, multi-factor sign-in, annual data security training.",
    ),
    Risk(
        title="Fire evacuation of the first floor",
        description=(
            "Patients with limited mobility on the first floor could not be evacuated quickly."
        ),
        category="premises",
        likelihood=2,
        impact=5,
        owner="Fire marshal",
        controls="Evacuation chair, trained marshals, six-monthly drills.",
    ),
    Risk(
        title="Legionella in the water system",
        description="Stagnant water in rarely used outlets.",
        category="premises",
        likelihood=1,
        impact=4,
        owner="Practice manager",
        controls="Weekly flushing log; annual risk assessment.",
        closed="The unused wing was closed and its outlets capped.",
    ),
    Risk(
        title="Abnormal results not actioned",
        description="A result filed without action while its requesting clinician is away.",
        category="clinical",
        likelihood=3,
        impact=4,
        owner="Clinical lead",
        controls="Buddy system for results; weekly unfiled-results check.",
    ),
    Risk(
        title="Recruiting a practice nurse",
        description="The nursing vacancy stays open and chronic disease reviews fall behind.",
        category="staffing",
        likelihood=4,
        impact=4,
        owner="Practice manager",
        controls="Advert with the PCN; additional roles reimbursement for a nursing associate.",
    ),
    Risk(
        title="Loss of the building's lease",
        description="The landlord does not renew the lease due next year.",
        category="financial",
        likelihood=1,
        impact=5,
        owner="Managing partner",
        controls="Negotiation started with the ICB estates team.",
    ),
    Risk(
        title="Needle-stick injury",
        description="A sharps injury during a clinic with no one trained to advise.",
        category="clinical",
        likelihood=1,
        impact=3,
        owner="Practice nurse lead",
        controls="Sharps bins at every point of use; the inoculation injury protocol.",
    ),
)


CHECKLIST: tuple[dict[str, Any], ...] = (
    {
        "area": "infection_control",
        "checked": "Clinical rooms clean and clutter-free",
        "result": "met",
    },
    {"area": "medicines", "checked": "Vaccine fridge log kept every working day", "result": "met"},
    {
        "area": "emergency",
        "checked": "Emergency drugs in date and checked monthly",
        "result": "not_met",
        "finding": (
            "Two emergency drugs were past their expiry date and the last monthly check was not "
            "signed."
        ),
        "action": "Replace the expired drugs and name a deputy for the monthly check",
        "owner": "Practice nurse lead",
    },
    {
        "area": "safeguarding",
        "checked": "Safeguarding leads named on the staff noticeboard",
        "result": "met",
    },
    {"area": "premises", "checked": "Fire exits clear and signed", "result": "met"},
    {
        "area": "information",
        "checked": "Screens locked when rooms are empty",
        "result": "partly_met",
        "finding": "One reception screen was left unlocked during a break.",
        "action": "Remind reception staff to lock screens; set a two-minute lock",
        "owner": "Practice manager",
    },
)


@dataclass(frozen=True)
class Event:
    title: str
    days_ago: int
    what_happened: str
    analysis: str
    learning: str
    actions: tuple[tuple[str, str], ...]
    shared_after: int | None  # days after the analysis it was shared; None: not yet
    link_incident: bool = False


EVENT_STORY: tuple[Event, ...] = (
    Event(
        title="Follow-up of a reported incident",
        days_ago=40,
        what_happened=(
            "An incident reported by a member of staff was reviewed by the practice team as a "
            "significant event."
        ),
        analysis=(
            "The review found that the task was passed on verbally, with no written handover, on a "
            "busy afternoon."
        ),
        learning=(
            "Written handovers through the clinical system's tasks for anything not finished at the"
            " end of a shift."
        ),
        actions=(("Add handover tasks to the induction checklist", "Practice manager"),),
        shared_after=14,
        link_incident=True,
    ),
    Event(
        title="Vaccines stored outside 2 to 8 °C overnight",
        days_ago=120,
        what_happened=(
            "The fridge reading in the morning was 11 °C; the logger showed it had been above 8 °C "
            "for six hours after the door was left ajar."
        ),
        analysis=(
            "The door seal was worn and nobody checked that the door had closed at the end of the "
            "day."
        ),
        learning="End-of-day fridge check added to the closing routine; the seal replaced.",
        actions=(
            ("Add the fridge door to the closing checklist", "Practice nurse lead"),
            ("Report the discarded stock to the immunisation team", "Practice nurse lead"),
        ),
        shared_after=10,
    ),
    Event(
        title="Prescription issued for the wrong strength",
        days_ago=10,
        what_happened=(
            "A repeat prescription was issued at twice the intended strength; the pharmacist "
            "queried it before it was dispensed."
        ),
        analysis=(
            "The medication review changed the strength but the repeat template was not updated."
        ),
        learning=(
            "Repeat templates are updated at the review, and the pharmacist's query is welcomed as "
            "a safety net."
        ),
        actions=(
            ("Audit repeat templates changed at reviews this quarter", "Clinical pharmacist"),
        ),
        shared_after=None,
    ),
)
