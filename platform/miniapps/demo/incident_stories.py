"""What the demo's practices report in the incident and safeguarding app
(``apps/incident_reporting``), and what happens to each report afterwards.

Each :class:`Story` is one record: its answers, when it was reported and the steps that
followed, each at a :class:`When` (working days back, at an hour of the London day), by
the practice's nurse (``staff``), its manager (the practice lead, ``lead``) or the
receiving safeguarding team (``team``). Together they leave patient safety events in
every state of their workflow (one with severe harm in the ICB quality team's inbox,
closed ones with shared learning for the PCN's learning view) and adult and child
referrals in every state of the channel (a question waiting in the thread, one answered
and decided, one closed, one never acknowledged and overdue). The names are invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class When:
    """``days`` working days before today at ``at`` o'clock (London); for ``days`` 0, the
    fraction ``at`` (0 to 1) of today so far, so the moment is never in the future."""

    days: int
    at: float


@dataclass(frozen=True)
class Step:
    action: str  # a workflow action, or "save": the answers changed by ``edit``
    when: When
    by: str = "lead"  # "staff", "lead" (the practice manager) or "team" (the LA)
    comment: str | None = None
    data: dict[str, Any] | None = None  # the step's own fields (transition ``fields``)
    edit: dict[str, Any] = field(default_factory=dict)  # "save": answers to change


@dataclass(frozen=True)
class Story:
    data: dict[str, Any]  # occurred_at (events) and emergency_called_at are filled in
    reported: When
    steps: tuple[Step, ...] = ()
    # Who reports: "home" (a practice of the home PCN), "practice" (the home practice),
    # "local" (a practice of the teams' area) or "elsewhere" (elsewhere in the ICB).
    where: str = "home"
    submit: bool = True


def event(summary: str, event_type: str = "incident", **answers: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "patient_safety",
        "event_type": event_type,
        "location": "consulting_room",
        "description": summary,
        "people_involved": [{"role": "patient", "age_band": "65_84"}, {"role": "gp"}],
        "immediate_actions": "Patient contacted and the lead GP told the same day.",
    }
    if event_type in ("incident", "outcome"):
        data |= {"harm_physical": "low", "harm_psychological": "none"}
    return data | answers


def adult(name: str, concern: str, categories: list[str], **answers: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "adult_safeguarding",
        "immediate_risk": False,
        "person": {"name": name, "date_of_birth": "1944-05-17"},
        "concern": concern,
        "abuse_categories": categories,
        "care_support_needs": True,
        "experiencing_abuse": True,
        "unable_to_protect": True,
        "adult_views": "Wants to stay at home and for the practice to help.",
        "capacity_doubt": False,
        "person_alleged": "family",
        "others_at_risk": False,
        "consent_given": True,
    }
    return data | answers


def child(name: str, concern: str, categories: list[str], **answers: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "child_safeguarding",
        "immediate_risk": False,
        "person": {"name": name, "date_of_birth": "2018-09-02"},
        "concern": concern,
        "abuse_categories": categories,
        "child_need_level": "child_in_need",
        "parental_responsibility": "Mother and father",
        "parents_aware": True,
        "person_alleged": "family",
        "others_at_risk": False,
        "consent_given": True,
    }
    return data | answers


def learned(summary: str, shared: bool, *actions: tuple[str, str, int, bool]) -> dict[str, Any]:
    """The answers the practice lead saves during the learning response; each action is
    due a number of days after it is saved (the loader writes the date)."""
    items = [
        {"action": a, "owner": owner, "due_date": due, **({"done": True} if done else {})}
        for a, owner, due, done in actions
    ]
    return {"learning_summary": summary, "share_learning": shared, "actions": items}


def reviewed(response: str, start: int, edit: dict[str, Any] | None = None) -> tuple[Step, ...]:
    """Triage and the learning response on day ``start``, its learning saved the day after."""
    steps = (
        Step("triage", When(start, 10)),
        Step("plan", When(start, 15), data={"learning_response": response}),
    )
    return steps if edit is None else (*steps, Step("save", When(start - 1, 12), edit=edit))


def closed_event(response: str, start: int, edit: dict[str, Any], outcome: str) -> tuple[Step, ...]:
    """Reviewed from day ``start``, actions agreed, done, signed off and closed."""
    done = {**edit, "actions": [{**a, "done": True} for a in edit["actions"]]}
    return (
        *reviewed(response, start, edit),
        Step("agree_actions", When(start - 2, 11)),
        Step("save", When(start - 5, 16), edit=done),
        Step("sign_off", When(start - 6, 10)),
        Step("close", When(start - 6, 14), data={"outcome": outcome}),
    )


FRIDGE = learned(
    "The fridge alarm was not checked after a power cut. A second person now checks the "
    "alarm and the log every morning.",
    True,
    ("Add the alarm to the morning checklist", "Practice nurse lead", 14, True),
    ("Service the fridge alarm", "Practice manager", 28, False),
)
SAME_NAME = learned(
    "Two patients with the same name and similar dates of birth: staff now confirm the "
    "address and NHS number before opening a record.",
    True,
    ("Add the three-point identity check to the reception script", "Reception lead",
     21, False),
)  # fmt: skip
EXPIRED_DRUGS = learned(
    "An expired adrenaline ampoule was found in the emergency drugs box. Expiry dates are "
    "now on the monthly emergency equipment audit.",
    True,
    ("Add expiry dates to the monthly audit", "Practice nurse lead", 14, False),
)
MISSED_REFERRAL = learned(
    "A suspected cancer referral letter was left unsent. Urgent referrals are now tracked "
    "on a shared list checked daily until the hospital confirms receipt.",
    True,
    ("Start the urgent referral tracker", "Lead GP", 7, False),
    ("Audit urgent referrals after three months", "Practice manager", 90, False),
)
RESULTS = learned(
    "Not for sharing: a locum's results were not reassigned when they left.",
    False,
    ("Reassign results when a locum leaves", "Practice manager", 7, False),
)
SEPSIS = learned(
    "Reception recognised the signs of sepsis on the phone and booked the patient at "
    "once. The prompt card they used is now at every reception desk.",
    True,
    ("Put the sepsis prompt card at every desk", "Reception lead", 7, True),
)

EVENTS = (
    Story(event("The fridge temperature log was not filled in over a bank holiday weekend.",
                "risk", location="treatment_room", people_involved=[]),
          When(0, 0.6), where="practice", submit=False),
    Story(event("A letter about another patient was attached to the wrong record.",
                harm_physical="none", harm_psychological="low", location="reception"),
          When(1, 11)),
    Story(event("An abnormal blood result was not followed up for three weeks.", "outcome"),
          When(4, 9), (Step("triage", When(3, 10)),)),
    Story(event("Anticoagulant prescribed at twice the intended dose; the patient was "
                "admitted with a bleed.", harm_physical="severe", harm_psychological="moderate",
                governance_flags=["duty_of_candour"]),
          When(9, 16), reviewed("mdt_review", 8), where="practice"),
    Story(event("Vaccines were given from a fridge that had been out of range overnight.",
                location="treatment_room"),
          When(30, 10), (*reviewed("after_action_review", 29, FRIDGE),
                         Step("agree_actions", When(26, 11))), where="practice"),
    Story(event("Reception recognised sepsis on the phone and booked the patient at once.",
                "good_care", location="reception"),
          When(20, 14), closed_event("swarm_huddle", 19, SEPSIS, "Shared at the practice "
                                     "meeting.")[:-1]),
    Story(event("The wrong patient's record was opened: two patients share a name.",
                harm_physical="none", location="reception"),
          When(70, 9), closed_event("after_action_review", 68, SAME_NAME,
                                    "Identity check added to the reception script.")),
    Story(event("An expired adrenaline ampoule was found in the emergency drugs box.", "risk",
                location="treatment_room", people_involved=[]),
          When(45, 12), closed_event("swarm_huddle", 44, EXPIRED_DRUGS,
                                     "Audit changed; stock replaced.")),
    Story(event("A two-week-wait referral letter for suspected cancer was not sent for ten "
                "days.", harm_physical="moderate", governance_flags=["duty_of_candour"]),
          When(90, 10), closed_event("mdt_review", 88, MISSED_REFERRAL,
                                     "Patient seen, apology given, tracker in place."),
          where="elsewhere"),
    Story(event("Results of a locum's patients went unread for a week.", "outcome",
                harm_physical="none"),
          When(110, 15), closed_event("after_action_review", 108, RESULTS,
                                      "Results reassigned; no harm found.")),
)  # fmt: skip

QUESTION = "Does the adult know about the referral, and who else visits the home?"
ANSWER = "Yes, he agreed to it. His son visits at weekends; his details are now in the referral."
CHILD_QUESTION = "Is the school aware, and has the health visitor seen the family this month?"

REFERRALS = (
    Story(adult("Irene Holt", "Says her grandson takes her pension each week.",
                ["financial"], person_alleged="family"),
          When(0, 0.3), where="local"),
    Story(adult("Walter Price", "Unexplained bruising on both arms seen at a home visit.",
                ["physical"], person_alleged="paid_carer"),
          When(0, 0.4), (Step("send", When(0, 0.5)),), where="local"),
    Story(adult("Mabel Okoro", "Lives alone with dementia; no carer for two days.", ["neglect"],
                person_alleged="care_provider"),
          When(1, 9), (Step("send", When(1, 10)), Step("acknowledge", When(1, 11.5), "team")),
          where="local"),
    Story(adult("Doris Bell", "A neighbour reports she is shouted at and kept indoors.",
                ["psychological", "domestic"], person_alleged="family"),
          When(2, 9), (Step("send", When(2, 9.5)), Step("acknowledge", When(2, 10.25), "team"),
                       Step("request_info", When(2, 14), "team", QUESTION)),
          where="local"),
    Story(adult("Frank Adeyemi", "Refusing care and food deliveries; the flat is unsafe.",
                ["self_neglect"], person_alleged="self", capacity_doubt=True,
                capacity_notes="Confused at the last two visits."),
          When(6, 9), (Step("send", When(6, 9.5)),
                       Step("request_info", When(6, 12), "team", QUESTION),
                       Step("save", When(5, 9.5), "staff",
                            edit={"others_told": "His son, who visits at weekends."}),
                       Step("send", When(5, 10), "staff", ANSWER),
                       Step("decide", When(3, 15), "team", data={
                           "la_outcome": "section_42_enquiry",
                           "la_reasons": "Care and support needs and self-neglect: a social "
                                         "worker will visit this week."})),
          where="local"),
    Story(adult("Joan Ellis", "Disclosed domestic abuse at a chronic disease review.",
                ["domestic", "physical"], person_alleged="partner", immediate_risk=True),
          When(20, 9), (Step("send", When(20, 9.25)),
                        Step("acknowledge", When(20, 9.75), "team"),
                        Step("decide", When(18, 16), "team", data={
                            "la_outcome": "other",
                            "la_reasons": "Referred to MARAC; safety plan agreed with her."}),
                        Step("close", When(15, 11), "team")),
          where="local"),
    Story(adult("Albert Nunes", "Care home resident with pressure ulcers the home had not "
                "reported.", ["neglect", "organisational"], person_alleged="care_provider"),
          When(8, 11), (Step("send", When(8, 11.5)),), where="local"),
    Story(child("Lily Carter", "Missed immunisations and a parent not engaging with the "
                "health visitor.", ["neglect"]),
          When(0, 0.5), (Step("send", When(0, 0.6)),), where="local"),
    Story(child("Noah Reid", "Bruise on the cheek with an explanation that does not fit.",
                ["physical"], child_need_level="significant_harm"),
          When(1, 9), (Step("send", When(1, 10)), Step("acknowledge", When(1, 11), "team")),
          where="local"),
    Story(child("Maya Hussain", "Often hungry at appointments; clothes unwashed.", ["neglect"]),
          When(1, 13), (Step("send", When(1, 13.5)),
                        Step("request_info", When(1, 15), "team", CHILD_QUESTION)),
          where="local"),
    Story(child("Ethan Brooks", "Older friends seen collecting him from school; new phone "
                "and money.", ["exploitation"], child_need_level="significant_harm",
                parents_aware=False,
                parents_not_told_reason="Telling them could warn the people involved."),
          When(2, 9), (Step("send", When(2, 9.5)), Step("acknowledge", When(2, 10), "team"),
                       Step("decide", When(2, 16), "team", data={
                           "la_outcome": "section_47",
                           "la_reasons": "Strategy meeting held; police informed."})),
          where="local"),
    Story(child("Ava Wright", "Low mood and self-harm disclosed; says she is afraid to go "
                "home.", ["emotional"], child_need_level="significant_harm"),
          When(12, 9), (Step("send", When(12, 9.5)), Step("acknowledge", When(12, 10), "team"),
                        Step("decide", When(12, 15), "team", data={
                            "la_outcome": "early_help",
                            "la_reasons": "Early help family support allocated."}),
                        Step("close", When(8, 12), "team")),
          where="local"),
)  # fmt: skip

STORIES = EVENTS + REFERRALS
