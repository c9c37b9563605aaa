"""PostgreSQL's COPY for the bulk writer (:mod:`miniapps.services.records.bulk_copy`):
JSON text as the INSERT would store it, and a pipeline whose failed batch is raised to
the caller and undone with the caller's savepoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from miniapps.models import App, AuditEntry, Record
from miniapps.services.records.audit import AUDIT_ENTRIES
from miniapps.services.records.bulk_copy import CopyPipeline, json_text
from miniapps.services.records.direct_submit import RECORDS
from sqlalchemy import func, select
from sqlalchemy.orm import Session


@pytest.mark.parametrize(
    "value",
    [
        {"count": 2**70, "note": 'tab\there "q" é 🌡'},
        [{"pointer": "/a", "old": None, "new": 1.5}],
        None,
        {"nested": {"list": [1, 2.0, "x", True, None]}},
    ],
)
def test_json_text_reads_back_as_the_value(value: Any) -> None:
    assert json.loads(json_text(value)) == value


def _record_row(app: App, org_id: int, now: datetime) -> dict[str, Any]:
    return {
        "app_id": app.id,
        "app_version": 1,
        "organisation_id": org_id,
        "subject_id": None,
        "period": None,
        "period_slot": None,
        "superseded": False,
        "data": {"reading": 4},
        "status": "submitted",
        "version": 1,
        "created_by_id": None,
        "updated_by_id": None,
        "created_at": now,
        "updated_at": now,
        "submitted_at": now,
    }


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Record)) or 0,
        session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


@pytest.fixture
def postgresql(db_session: Session) -> Session:
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    return db_session


def test_batches_go_in_through_the_callers_connection(
    postgresql: Session, fridge_app: App, orgs: dict[str, Any]
) -> None:
    session, now = postgresql, datetime.now(UTC)
    before = _counts(session)
    taken: list[int] = []
    with CopyPipeline(session, 4) as pipeline:
        for _ in range(2):
            ids = pipeline.take_ids(2)
            taken += ids
            rows = [{"id": i, **_record_row(fridge_app, orgs["A00001"].id, now)} for i in ids]
            entries = [
                {"record_id": i, "app_id": fridge_app.id, "actor_id": None, "at": now}
                | {"action": "create", "changes": [], "source": "f.csv"}
                for i in ids
            ]
            pipeline.send([(RECORDS, rows), (AUDIT_ENTRIES, entries)], 2)
            assert pipeline.in_flight == 2
    assert pipeline.in_flight == 0
    assert _counts(session) == (before[0] + 4, before[1] + 4)  # seen by the session
    stored = session.scalars(select(Record.id).where(Record.id.in_(taken))).all()
    assert sorted(stored) == sorted(taken)


def test_a_failed_batch_is_raised_and_undone_with_the_savepoint(
    postgresql: Session, fridge_app: App, orgs: dict[str, Any]
) -> None:
    session, now = postgresql, datetime.now(UTC)
    before = _counts(session)
    good = _record_row(fridge_app, orgs["A00001"].id, now)
    missing_org = _record_row(fridge_app, 987_654_321, now)
    failed = pytest.raises(psycopg.errors.ForeignKeyViolation)
    with failed, session.begin_nested(), CopyPipeline(session, 2) as pipeline:
        first, second = pipeline.take_ids(2)
        pipeline.send([(RECORDS, [{"id": first, **good}])], 1)
        pipeline.send([(RECORDS, [{"id": second, **missing_org}])], 1)
    assert _counts(session) == before
