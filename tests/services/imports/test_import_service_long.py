"""Importing a clinical-system extract into the IIF tracker: one submitted return per
practice and month, all or nothing, never overwriting a return (real database)."""

from __future__ import annotations

import copy
from typing import Any

from miniapps.models import AuditEntry, Record
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import Access, SystemAccess
from miniapps.services.records.lifecycle import create_record
from sqlalchemy import func, select

from tests.conftest import iif_data

HEADER = "ods,indicator,numerator,denominator,exclusions,list_size\n"
GOOD = (
    HEADER
    + "A00001,CAN-04,30,41,2,9800\n"
    + "A00001,HI-03,18,25,1,9800\n"
    + "A00002,CAN-04,12,20,0,7000\n"
    + "A00002,HI-03,5,9,,7000\n"
)


def run(session: Any, app: Any, text: str, *, access: Any = None, **options: Any):
    options.setdefault("period", "2025-06")
    options.setdefault("dry_run", False)
    return import_records(
        session, access or SystemAccess(), app, text.encode(), "extract.csv", **options
    )


def returns(session: Any) -> list[tuple[str, str | None, str, dict[str, Any]]]:
    records = session.scalars(select(Record).order_by(Record.id))
    return [(r.organisation.ods, r.period, r.status, r.data) for r in records]


def test_extract_becomes_one_submitted_return_per_practice(db_session, iif_app) -> None:
    report = run(db_session, iif_app, GOOD)
    assert report.ok, report.lines
    assert report.summary == "imported 2 records (0 duplicates skipped)"
    assert returns(db_session) == [
        ("A00001", "2025-06", "submitted", iif_data(9800, CAN_04=(30, 41, 2), HI_03=(18, 25, 1))),
        ("A00002", "2025-06", "submitted", iif_data(7000, CAN_04=(12, 20, 0), HI_03=(5, 9))),
    ]
    created = {r.id for r in report.created}
    audited = db_session.scalars(select(AuditEntry.record_id).where(AuditEntry.action == "create"))
    assert created <= set(audited)
    # The same file again: every return is a duplicate, nothing is added.
    again = run(db_session, iif_app, GOOD)
    assert again.ok and not again.created
    assert again.lines == [
        f"row 2: duplicate of record {min(created)} (A00001 2025-06, rows 2-3)",
        f"row 4: duplicate of record {max(created)} (A00002 2025-06, rows 4-5)",
    ]
    assert len(returns(db_session)) == 2


def test_any_problem_writes_nothing(db_session, iif_app) -> None:
    bad = (
        GOOD
        + "A00003,CAN-04,9,8,,6000\n"
        + "A00003,ACC-08,1,2,,6000\n"
        + "A00004,HI-03,-2,5,,5000\n"
        + "A00002,HI-03,5,9,,7000\n"
        + "Z99999,CAN-04,1,2,,100\n"
        + "LA001,CAN-04,1,2,,100\n"
    )
    report = run(db_session, iif_app, bad)
    assert report.lines == [
        "row 6, column numerator: CAN-04: the numerator (9) cannot be more than the "
        "denominator (8)",
        "row 7, column indicator: ACC-08 is not an indicator of 2025/26 (CAN-04, HI-03)",
        "row 8, column numerator: HI-03: numerator must be 0 or more",
        "row 9, column indicator: duplicate row: A00002 HI-03 is also in row 5",
        "row 10, column ods: no organisation has the ODS code Z99999",
        "row 11, column ods: IIF tracker is not published to Test Council Safeguarding (LA001)",
    ]
    assert not report.created and returns(db_session) == []


def test_practices_the_user_may_not_write_are_refused_on_their_rows(
    db_session, iif_app, users
) -> None:
    text = HEADER + "A00001,CAN-04,3,4,,9000\nA00003,CAN-04,3,4,,8000\n"
    report = run(db_session, iif_app, text, access=Access(users["practice_manager"]))
    assert report.lines == [
        "row 3, column ods: you may not add records for South Surgery (A00003)",
    ]
    assert returns(db_session) == []


def test_a_practice_that_already_returned_the_month_is_never_overwritten(
    db_session, iif_app, users, orgs
) -> None:
    by_hand = iif_data(9800, CAN_04=(31, 41, 2), HI_03=(18, 25, 1))
    record = create_record(
        db_session,
        SystemAccess(),
        iif_app,
        orgs["A00001"],
        by_hand,
        period="2025-06",
        submit=True,
        actor=users["practice_manager"],
    )
    db_session.commit()
    report = run(db_session, iif_app, GOOD)
    assert report.lines == [
        f"row 2, column numerator: A00001 already has a return for 2025-06 (record "
        f"{record.id}) where this is 31; an import never changes a return: edit record "
        f"{record.id}, or take A00001's rows out of the file"
    ]
    assert returns(db_session) == [("A00001", "2025-06", "submitted", by_hand)]
    # Same figures as the file (plus a forward plan typed since): skipped, the rest imported.
    typed_since = copy.deepcopy(by_hand)
    typed_since["indicators"]["CAN-04"] = {"numerator": 30, "denominator": 41, "exclusions": 2}
    typed_since["indicators"]["HI-03"]["plan"] = {"owner": "Dr Lee", "patients_to_invite": 6}
    record.data = typed_since
    db_session.commit()
    report = run(db_session, iif_app, GOOD)
    assert report.ok, report.lines
    assert report.lines == [f"row 2: duplicate of record {record.id} (A00001 2025-06, rows 2-3)"]
    assert [r.organisation.ods for r in report.created] == ["A00002"]
    assert db_session.scalar(select(func.count()).select_from(Record)) == 2


def test_dry_run_and_a_month_without_a_year_set(db_session, iif_app) -> None:
    report = run(db_session, iif_app, GOOD, dry_run=True)
    assert report.ok and report.summary == "would import 2 records (0 duplicates skipped)"
    assert returns(db_session) == []
    early = run(db_session, iif_app, GOOD, period="2024-06")
    assert early.lines == [
        "period 2024-06: no indicators are loaded for 2024/25: load that year's set first "
        "(miniapps indicators load FILE)"
    ]
    assert returns(db_session) == []
