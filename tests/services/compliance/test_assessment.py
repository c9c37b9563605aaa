"""The compliance assessment: evidence from records counted per statement in the last 12
months, statuses per statement and key question, and evidence carried to a new version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from miniapps.services.compliance.assessment import (
    UnknownFramework,
    assess,
    assess_many,
    months_before,
)
from miniapps.services.compliance.frameworks import load_framework
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import apply_transition, create_record

from tests.compliance_evidence import NOW, evidence, publish_log, saf_2026
from tests.publishing import publish_app


@pytest.fixture
def log(db_session, orgs):
    return publish_log(db_session, [orgs["QWE"]])


def statement(assessment, sid):
    return next(s for q in assessment.key_questions for s in q.statements if s.id == sid)


def question(assessment, qid):
    return next(q for q in assessment.key_questions if q.id == qid)


def test_evidence_is_counted_per_statement_with_the_latest_date(db_session, orgs, users, log):
    a1 = orgs["A00001"]
    staff = users["practice_staff"]
    evidence(db_session, a1, ["learning_culture"], at=NOW - timedelta(days=40), by=staff)
    newest = evidence(
        db_session,
        a1,
        ["learning_culture", "safeguarding"],
        at=NOW - timedelta(days=3),
        title="Safeguarding review",
    )
    evidence(db_session, orgs["A00002"], ["safe_environments"], at=NOW)  # another practice's

    result = assess(db_session, a1, "cqc-saf", now=NOW)

    assert (result.framework_id, result.version) == ("cqc-saf", "2024")
    learning = statement(result, "learning_culture")
    assert (learning.evidence, learning.status) == (2, "evidenced")
    assert learning.latest == NOW - timedelta(days=3)
    assert [i.title for i in learning.items] == ["Safeguarding review", "Staff meeting minutes"]
    oldest = learning.items[1]
    assert oldest.owner == staff.name and oldest.category == "feedback_from_staff_and_leaders"
    assert learning.items[0].link == f"/apps/cqc_compliance/records/{newest.id}"
    assert statement(result, "safeguarding").evidence == 1
    assert statement(result, "safe_environments").status == "no_evidence"
    assert question(result, "safe").status == "gaps"  # some statements evidenced, not all
    assert question(result, "safe").evidenced == 2
    assert question(result, "caring").status == "no_evidence"
    assert sum(len(q.statements) for q in result.key_questions) == 34


def test_a_key_question_with_every_statement_evidenced_is_evidenced(db_session, orgs, log):
    caring = [
        "kindness_compassion_and_dignity",
        "treating_people_as_individuals",
        "independence_choice_and_control",
        "responding_to_peoples_immediate_needs",
        "workforce_wellbeing_and_enablement",
    ]
    evidence(db_session, orgs["A00001"], caring, category="peoples_experience")
    result = assess(db_session, orgs["A00001"], "cqc-saf", now=NOW)
    assert question(result, "caring").status == "evidenced"


def test_only_the_last_twelve_months_count(db_session, orgs, log):
    a1 = orgs["A00001"]
    evidence(db_session, a1, ["safeguarding"], at=datetime(2025, 6, 14, 12, tzinfo=UTC))
    evidence(db_session, a1, ["safeguarding"], at=datetime(2025, 6, 16, 12, tzinfo=UTC))
    evidence(db_session, a1, ["safeguarding"], at=NOW + timedelta(days=1))  # after "now"
    assert statement(assess(db_session, a1, "cqc-saf", now=NOW), "safeguarding").evidence == 1


def test_drafts_and_superseded_records_are_left_out(db_session, orgs, log):
    a1 = orgs["A00001"]
    evidence(db_session, a1, ["safeguarding"], status="draft")
    evidence(db_session, a1, ["safeguarding"], superseded=True)
    assert statement(assess(db_session, a1, "cqc-saf", now=NOW), "safeguarding").evidence == 0


def test_an_app_mapping_fixed_statements_with_a_condition(db_session, orgs, log):
    publish_app(
        db_session,
        {
            "id": "fire_drill",
            "title": "Fire drill",
            "version": 1,
            "schema": {
                "type": "object",
                "properties": {"passed": {"type": "boolean", "title": "Passed"}},
            },
            "evidence": [
                {
                    "framework": "cqc-saf",
                    "statements": ["safe_environments"],
                    "category": "processes",
                    "when": {"properties": {"passed": {"const": True}}, "required": ["passed"]},
                }
            ],
        },
        [orgs["QWE"]],
    )
    a1 = orgs["A00001"]
    evidence(db_session, a1, [], app_id="fire_drill", data={"passed": True})
    evidence(db_session, a1, [], app_id="fire_drill", data={"passed": False})
    found = statement(assess(db_session, a1, "cqc-saf", now=NOW), "safe_environments")
    assert found.evidence == 1
    assert found.items[0].title == "Fire drill, 15 June 2026"
    assert found.items[0].category == "processes"


def test_evidence_of_the_old_version_carries_over_to_the_new(db_session, orgs, log):
    a1 = orgs["A00001"]
    evidence(db_session, a1, ["learning_culture"])
    evidence(db_session, a1, ["safeguarding"])
    load_framework(db_session, saf_2026())
    db_session.commit()

    latest = assess(db_session, a1, "cqc-saf", now=NOW)  # the version loaded last
    assert latest.version == "2026"
    assert statement(latest, "safety_culture").evidence == 1
    assert statement(latest, "learning_from_events").evidence == 1
    assert statement(latest, "safeguarding").evidence == 1  # same id in both versions
    assert "learning_culture" not in {s.id for q in latest.key_questions for s in q.statements}

    older = assess(db_session, a1, "cqc-saf", version="2024", now=NOW)
    assert statement(older, "learning_culture").evidence == 1


def test_assess_many_answers_each_organisation(db_session, orgs, log):
    evidence(db_session, orgs["A00001"], ["safeguarding"])
    evidence(db_session, orgs["A00002"], ["safeguarding"])
    evidence(db_session, orgs["A00002"], ["safeguarding"])
    results = assess_many(db_session, [orgs["A00001"], orgs["A00002"]], "cqc-saf", now=NOW)
    counts = {org_id: statement(r, "safeguarding").evidence for org_id, r in results.items()}
    assert counts == {orgs["A00001"].id: 1, orgs["A00002"].id: 2}


def test_an_unknown_framework_or_version(db_session, orgs, log):
    with pytest.raises(UnknownFramework):
        assess(db_session, orgs["A00001"], "nice-guidance")
    with pytest.raises(UnknownFramework, match="2019"):
        assess(db_session, orgs["A00001"], "cqc-saf", version="2019")


def test_as_json_is_the_api_contract(db_session, orgs, log):
    evidence(db_session, orgs["A00001"], ["safeguarding"])
    answer = assess(db_session, orgs["A00001"], "cqc-saf", now=NOW).as_json()
    assert set(answer) == {"org", "framework", "key_questions"}
    assert answer["org"] == "A00001"
    assert answer["framework"] == {"id": "cqc-saf", "version": "2024"}
    safe = answer["key_questions"][0]
    assert set(safe) == {"id", "title", "status", "statements"}
    guarding = next(s for s in safe["statements"] if s["id"] == "safeguarding")
    assert guarding == {
        "id": "safeguarding",
        "title": "Safeguarding",
        "evidence": 1,
        "latest": "2026-06-15",
        "status": "evidenced",
        "gaps": [],
    }


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 6, 15, tzinfo=UTC), datetime(2025, 6, 15, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), datetime(2023, 2, 28, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC)),
    ],
)
def test_twelve_months_before(moment, expected):
    assert months_before(moment, 12) == expected
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)


def test_a_record_about_another_practice_is_its_evidence(db_session, orgs, log):
    publish_app(
        db_session,
        {
            "id": "peer_review",
            "title": "Peer review",
            "version": 1,
            "schema": {
                "type": "object",
                "properties": {"practice": {"type": "string", "title": "Practice reviewed"}},
            },
            "ui": {"fields": {"/practice": {"widget": "organisation"}}},
            "subject": {"field": "/practice"},
            "evidence": [
                {
                    "framework": "cqc-saf",
                    "statements": ["learning_improvement_and_innovation"],
                    "category": "feedback_from_partners",
                }
            ],
        },
        [orgs["QWE"]],
    )
    review = evidence(
        db_session, orgs["A00001"], [], app_id="peer_review", data={"practice": "A00002"}
    )
    review.subject_id = orgs["A00002"].id
    db_session.commit()
    results = assess_many(db_session, [orgs["A00001"], orgs["A00002"]], "cqc-saf", now=NOW)
    sid = "learning_improvement_and_innovation"
    assert statement(results[orgs["A00002"].id], sid).evidence == 1  # the practice reviewed
    assert statement(results[orgs["A00001"].id], sid).evidence == 0  # not the reviewer


def test_the_owner_is_whoever_submitted_the_record(db_session, orgs, users, log):
    staff, manager = users["practice_staff"], users["practice_manager"]
    draft = create_record(
        db_session,
        Access(staff),
        log,
        orgs["A00001"],
        {
            "title": "Fire drill report",
            "date": "2025-01-10",
            "shows": "Everyone was out in four minutes.",
            "statements": ["safe_environments"],
            "category": "processes",
        },
        actor=staff,
    )
    apply_transition(db_session, Access(manager), draft, "submit", comment=None, actor=manager)
    db_session.commit()
    found = statement(assess(db_session, orgs["A00001"], "cqc-saf"), "safe_environments")
    assert [(i.title, i.owner) for i in found.items] == [("Fire drill report", manager.name)]
