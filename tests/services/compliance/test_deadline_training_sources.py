"""The ``deadlines`` and ``training`` compliance sources: overdue and missed deadlines of
complaints, and people out of date or missing required training, are gaps of the
statements the apps map to (one training gap per organisation, with counts per course);
the inspection pack gets the complaints summary and the training matrix."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from miniapps.core.channels.working_days import add_working_days
from miniapps.models import Organisation, User
from miniapps.services.channels.calendar import holidays
from miniapps.services.compliance.assessment import assess
from miniapps.services.compliance.deadline_source import DeadlineSource
from miniapps.services.compliance.sources import SOURCES
from miniapps.services.compliance.training_source import TrainingSource
from miniapps.services.definitions import record_definition
from miniapps.services.records.deadlines import record_deadlines
from sqlalchemy.orm import Session

from tests.cqc_deadlines import complaint, completion, publish_complaints, publish_training, take

TODAY = date.today()
NOW = datetime.now(UTC)
SINCE = NOW - timedelta(days=365)


def test_both_sources_are_registered() -> None:
    assert isinstance(SOURCES["deadlines"], DeadlineSource)
    assert isinstance(SOURCES["training"], TrainingSource)


def _complaints(db_session: Session, orgs: dict[str, Organisation], users: dict[str, User]):
    """At North Surgery: one complaint overdue for acknowledgement, one acknowledged on
    time and answered, and one from 2 years ago acknowledged late (met, late: no gap)
    and answered after 7 months without a holding letter (missed, but long ago)."""
    app = publish_complaints(db_session, orgs)
    staff, pm = users["practice_staff"], users["practice_manager"]
    late = complaint(db_session, app, orgs["A00001"], staff, TODAY - timedelta(days=15))
    fine_day = TODAY - timedelta(days=50)
    fine = complaint(db_session, app, orgs["A00001"], staff, fine_day)
    take(db_session, fine, pm, "acknowledge", fine_day,
         {"acknowledged_on": fine_day.isoformat(), "discussion_offered": True})  # fmt: skip
    take(db_session, fine, pm, "respond", fine_day + timedelta(days=20),
         {"response_on": (fine_day + timedelta(days=20)).isoformat(), "outcome": "upheld",
          "ombudsman_named": True})  # fmt: skip
    old_day = TODAY - timedelta(days=730)
    old = complaint(db_session, app, orgs["A00001"], staff, old_day)
    take(db_session, old, pm, "acknowledge", old_day + timedelta(days=30),
         {"acknowledged_on": (old_day + timedelta(days=30)).isoformat(),
          "discussion_offered": True})  # fmt: skip
    take(db_session, old, pm, "respond", old_day + timedelta(days=220),
         {"response_on": (old_day + timedelta(days=220)).isoformat(), "outcome": "upheld",
          "ombudsman_named": True})  # fmt: skip
    db_session.commit()
    return app, late, fine, old


def test_an_overdue_acknowledgement_is_a_gap(db_session: Session, orgs, users) -> None:
    _, late, _, old = _complaints(db_session, orgs, users)
    found = record_deadlines(db_session, old, record_definition(db_session, old))
    assert [s.standing for s in found] == ["late", "missed"]  # long ago: neither is a gap
    gaps = list(DeadlineSource().gaps(db_session, [orgs["A00001"], orgs["A00002"]], "cqc-saf",
                                      NOW))  # fmt: skip
    [gap] = gaps
    assert gap.org_id == orgs["A00001"].id and gap.kind == "deadline_missed"
    assert gap.statements == ("listening_to_and_involving_people", "learning_culture")
    assert gap.source == "deadlines" and gap.link == f"/apps/cqc_complaints/records/{late.id}"
    assert gap.text.startswith("Complaints: Acknowledge within 3 working days, overdue by ")
    assert f"(record {late.id})" in gap.text
    assert list(DeadlineSource().gaps(db_session, [orgs["A00001"]], "other-fw", NOW)) == []


def test_the_compliance_view_shows_the_gap(db_session: Session, orgs, users) -> None:
    _complaints(db_session, orgs, users)
    result = assess(db_session, orgs["A00001"], "cqc-saf", now=NOW)
    statements = {s.id: s for q in result.key_questions for s in q.statements}
    listening = statements["listening_to_and_involving_people"]
    assert listening.status == "gaps"
    assert [g.kind for g in listening.gaps] == ["deadline_missed"]


def test_the_pack_summarises_the_complaints_of_the_last_12_months(
    db_session: Session, orgs, users
) -> None:
    _complaints(db_session, orgs, users)
    [table] = DeadlineSource().pack_tables(db_session, orgs["A00001"], SINCE, NOW)
    assert table.name == "cqc_complaints_deadlines" and table.columns == ["Measure", "Count"]
    rows = dict((measure, count) for measure, count in table.rows)
    assert rows["Records"] == 2 and rows["Still open"] == 2
    assert rows["Acknowledge within 3 working days: met on time"] == 1
    assert rows["Acknowledge within 3 working days: overdue or missed"] == 1
    assert rows["Holding letter by 6 months: not needed"] == 1
    assert rows["Holding letter by 6 months: open"] == 1
    assert rows["Now final response sent"] == 1 and rows["Now received"] == 1
    [other] = DeadlineSource().pack_tables(db_session, orgs["A00002"], SINCE, NOW)
    assert dict((m, c) for m, c in other.rows)["Records"] == 0


def _training(db_session: Session, orgs, users) -> None:
    """North Surgery: the manager has everything required in date; the staff member is
    out of date for basic life support and missing the rest."""
    app = publish_training(db_session, orgs)
    pm, staff = users["practice_manager"], users["practice_staff"]
    recent = TODAY - timedelta(days=20)
    for course in (
        "basic_life_support",
        "safeguarding_children_level_3",
        "safeguarding_adults_level_3",
        "information_governance",
        "conflict_resolution",
        "fire_safety",
        "equality_diversity_and_human_rights",
    ):
        completion(db_session, app, orgs["A00001"], pm, pm, course, recent)  # fmt: skip
    completion(db_session, app, orgs["A00001"], pm, staff, "basic_life_support",
               TODAY - timedelta(days=500))  # fmt: skip
    db_session.commit()


def test_one_training_gap_per_organisation_with_counts(db_session: Session, orgs, users) -> None:
    _training(db_session, orgs, users)
    gaps = list(TrainingSource().gaps(db_session, [orgs["A00001"], orgs["A00002"]], "cqc-saf",
                                      NOW))  # fmt: skip
    [gap] = gaps  # Hill Surgery has nobody, so nothing out of date
    assert gap.org_id == orgs["A00001"].id and gap.kind == "training_out_of_date"
    assert gap.statements == ("safe_and_effective_staffing",)
    assert gap.text.startswith(
        "Training matrix: 1 of 2 people out of date or missing for Basic life support; "
        "1 of 1 for Safeguarding children level 1 or 2"
    )
    assert gap.link == "/apps/cqc_training/matrix?org=A00001&show=problems"


def test_the_pack_holds_the_training_matrix(db_session: Session, orgs, users) -> None:
    _training(db_session, orgs, users)
    matrix, totals = TrainingSource().pack_tables(db_session, orgs["A00001"], SINCE, NOW)
    assert matrix.name == "cqc_training_matrix"
    assert matrix.columns[:3] == ["Person", "Role", "Basic life support"]
    rows = {row[0]: row for row in matrix.rows}
    assert rows["Practice Staff"][2].startswith("Out of date (done ")
    assert rows["Practice Manager"][2].startswith("In date (done ")
    assert totals.name == "cqc_training_matrix_totals"
    bls = next(row for row in totals.rows if row[0] == "Basic life support")
    assert bls == ["Basic life support", 2, 1, 0, 1, 0, "50%"]


def test_working_days_in_the_gap_follow_the_calendar(db_session: Session, orgs, users) -> None:
    app = publish_complaints(db_session, orgs)
    received = TODAY - timedelta(days=30)
    complaint(db_session, app, orgs["A00001"], users["practice_staff"], received)
    db_session.commit()
    due = add_working_days(received, 3, holidays(db_session))
    [gap] = DeadlineSource().gaps(db_session, [orgs["A00001"]], "cqc-saf", NOW)
    days = (TODAY - due).days
    assert f"overdue by {days} day" in gap.text
