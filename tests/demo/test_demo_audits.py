"""The audits story of the CQC demo, on the test organisations: a year of fridge logs for
two fridges with three excursions, audits whose failed items became actions (one overdue,
one more open), the second practice's latest fire audit not done; told once only."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from miniapps.demo.compliance import CqcPeople
from miniapps.demo.cqc_audits import FIRE, FRIDGE, IPC, load_audits
from miniapps.models import FollowUp, Record, RecordKey
from miniapps.services.follow_ups.compliance import AuditActions
from sqlalchemy import func, select

from tests.compliance_evidence import CQC_DIR, load_saf
from tests.publishing import publish_app

APPS = (FRIDGE, IPC, "cqc_emergency_drugs_audit", FIRE)


def test_the_story_makes_a_year_of_logs_and_audits_with_actions(db_session, orgs, users):
    load_saf(db_session)
    today = date.today()
    since = date(today.year - 1, today.month, 1)
    apps = {
        app_id: publish_app(
            db_session,
            json.loads((CQC_DIR / "definitions" / f"{app_id}.json").read_text()),
            [orgs["QWE"]],
            since=since,
        )
        for app_id in APPS
    }
    people = CqcPeople(
        admin=users["platform_admin"],
        pcn=orgs["U00001"],
        pcn_manager=users["pcn_manager"],
        practices=[orgs["A00001"], orgs["A00002"]],
        managers={"A00001": users["practice_manager"]},
        staff={"A00001": [users["practice_staff"]]},
        apps=apps,
    )
    created = load_audits(db_session, people, today)
    assert 480 <= created[FRIDGE] <= 2 * 262  # two fridges, every working day of a year
    assert created[IPC] == 4 and created[FIRE] == 4
    assert created["cqc_emergency_drugs_audit"] == 12
    keys = db_session.scalar(select(func.count()).select_from(RecordKey))
    assert keys == created[FRIDGE]
    logs = db_session.scalars(select(Record).where(Record.app_id == FRIDGE)).all()
    excursions = [r for r in logs if "cause" in r.data]
    assert len(excursions) == 2  # the home practice's two (the third is another practice's)
    first = min(r.submitted_at for r in logs)
    assert first.date() >= today - timedelta(days=365)  # dated when read, not when loaded
    opened = db_session.scalars(select(FollowUp).where(FollowUp.status == "open")).all()
    overdue = [a for a in opened if a.due is not None and a.due < today]
    assert len(opened) == 3 and len(overdue) == 1
    gaps = AuditActions().gaps(db_session, [orgs["A00001"]], "cqc-saf", datetime.now(UTC))
    assert [g.kind for g in gaps] == ["actions_open"]
    assert load_audits(db_session, people, today) == {}  # told once
