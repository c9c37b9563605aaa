"""The evidence log's demo story: a dozen entries, logged by the practices' people and
dated over the past year, counted by the compliance view; loading again adds nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from miniapps.demo.compliance import CqcPeople
from miniapps.demo.cqc_evidence import ENTRIES, load_evidence
from miniapps.models import Record
from miniapps.services.compliance.assessment import assess
from sqlalchemy import select

from tests.compliance_evidence import publish_log


def test_the_story_logs_evidence_once(db_session, orgs, users) -> None:
    app = publish_log(db_session, [orgs["QWE"]])
    people = CqcPeople(
        admin=users["platform_admin"],
        pcn=orgs["U00001"],
        pcn_manager=users["pcn_manager"],
        practices=[orgs["A00001"], orgs["A00002"]],
        managers={"A00001": users["practice_manager"]},
        staff={"A00001": [users["practice_staff"]]},
        apps={"cqc_compliance": app},
    )
    today = date.today()
    assert load_evidence(db_session, people, today) == {"cqc_compliance": len(ENTRIES)}
    db_session.commit()
    assert len(ENTRIES) >= 12
    records = db_session.scalars(select(Record).where(Record.app_id == "cqc_compliance")).all()
    assert all(r.status == "logged" for r in records)
    assert {r.created_by_id for r in records} == {
        users["practice_manager"].id,
        users["practice_staff"].id,
    }
    oldest = min(r.submitted_at for r in records)
    assert (datetime.now(UTC) - oldest.replace(tzinfo=UTC)).days >= 240  # dated back

    result = assess(db_session, orgs["A00001"], "cqc-saf")
    counts = {s.id: s.evidence for q in result.key_questions for s in q.statements}
    assert counts["medicines_optimisation"] == 2 and counts["safeguarding"] == 1
    assert {q.status for q in result.key_questions} <= {"gaps", "no_evidence", "evidenced"}
    assert "gaps" in {q.status for q in result.key_questions}

    assert load_evidence(db_session, people, today) == {"cqc_compliance": 0}
