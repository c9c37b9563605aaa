"""The pack's twelve-month summaries: a practice's evidence records by month and state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from miniapps.services.compliance.record_summaries import RecordSummaries

from tests.compliance_evidence import NOW, evidence, publish_log


@pytest.fixture
def log(db_session, orgs):
    return publish_log(db_session, [orgs["QWE"]])


def test_a_practice_gets_its_records_by_month_and_state(db_session, orgs, log):
    a1 = orgs["A00001"]
    evidence(db_session, a1, ["safeguarding"], at=NOW - timedelta(days=40))
    evidence(db_session, a1, ["safeguarding"], at=NOW - timedelta(days=3))
    evidence(db_session, a1, ["learning_culture"], at=NOW - timedelta(days=2))
    evidence(db_session, a1, ["learning_culture"], at=NOW - timedelta(days=400))  # too old
    evidence(db_session, a1, ["learning_culture"], at=NOW, superseded=True)  # left out
    evidence(db_session, orgs["A00002"], ["safeguarding"], at=NOW)  # another practice's

    since = NOW - timedelta(days=365)
    [table] = RecordSummaries().pack_tables(db_session, a1, since, NOW)

    assert table.name == "summary_cqc_compliance"
    assert table.columns[:2] == ["Month submitted", "Records"]
    assert [row[:2] for row in table.rows] == [
        ["2026-05", 1],
        ["2026-06", 2],
        ["Last 12 months", 3],
    ]


def test_a_practice_without_records_gets_no_table(db_session, orgs, log):
    since = NOW - timedelta(days=365)
    assert list(RecordSummaries().pack_tables(db_session, orgs["A00001"], since, NOW)) == []
