"""The channel dashboard's figures: who sees which items, counts by provider, channel,
category and month, and the times to acknowledge and to decide (checked by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.models import ChannelItem, Record, User
from miniapps.services.channels.analytics import FigureFilters, channel_figures
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records.lifecycle import create_record
from sqlalchemy.orm import Session

from tests.fixtures_channels import concern_definition
from tests.publishing import publish_app

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # GMT: London time is UTC


def item_of(record: Record) -> ChannelItem:
    [item] = record.channel_items
    return item


def set_times(session: Session, record: Record, sent: datetime, **stopped: Any) -> ChannelItem:
    """Give a record's one item deterministic clocks."""
    item = item_of(record)
    item.sent_at = sent
    for name in ("acknowledged_at", "decided_at", "closed_at"):
        setattr(item, name, stopped.get(name))
    item.breached = stopped.get("breached", False)
    session.commit()
    return item


def figures(session: Session, user: User, **filters: str) -> dict[str, Any]:
    return channel_figures(session, Access(user), FigureFilters(**filters))


@pytest.fixture
def provider(users: dict[str, User]) -> User:
    return users["practice_manager"]  # A00001


def test_median_and_p90_times_are_worked_out_by_hand(db_session, send_concern, stakeholder_users):
    ack_hours = [1, 2, 3, 4, 10]
    for hours in ack_hours:
        set_times(
            db_session,
            send_concern("adult"),
            MONDAY,
            acknowledged_at=MONDAY + timedelta(hours=hours),
        )
    # Decided two and three working days later (Wednesday and Thursday, same time of day).
    decided = send_concern("adult")
    set_times(
        db_session,
        decided,
        MONDAY,
        acknowledged_at=MONDAY + timedelta(hours=1),
        decided_at=MONDAY + timedelta(days=2),
    )
    set_times(db_session, send_concern("adult"), MONDAY, decided_at=MONDAY + timedelta(days=3))
    result = figures(db_session, stakeholder_users["LAADULT"])
    acknowledge, decide = result["times"]["acknowledge"], result["times"]["decide"]
    # Acknowledged after 1, 2, 3, 4, 10 and 1 hours: sorted 1, 1, 2, 3, 4, 10.
    # Median: between the 3rd and 4th (2 and 3) = 2.5. p90: rank 0.9 * 5 = 4.5, between
    # the 5th and 6th (4 and 10): 4 + 0.5 * 6 = 7.
    assert acknowledge["count"] == 6
    assert acknowledge["median_hours"] == 2.5
    assert acknowledge["p90_hours"] == 7.0
    assert acknowledge["median_working_days"] == 0  # all the same day
    assert acknowledge["p90_working_days"] == 0
    # Decided after 48 and 72 hours, 2 and 3 working days: median 60 h / 2.5 days; p90 at
    # rank 0.9: 48 + 0.9 * 24 = 69.6 h, 2 + 0.9 = 2.9 days.
    assert decide == {
        "count": 2,
        "median_hours": 60.0,
        "p90_hours": 69.6,
        "median_working_days": 2.5,
        "p90_working_days": 2.9,
    }


def test_working_days_skip_the_christmas_bank_holidays(db_session, send_concern, stakeholder_users):
    # Sent Thursday 24 December 2026; Friday 25 and Monday 28 (Boxing Day's substitute)
    # are bank holidays: acknowledged on Tuesday 29 December is one working day.
    sent = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)
    acknowledged = datetime(2026, 12, 29, 15, 0, tzinfo=UTC)
    decided = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)
    record = send_concern("adult")
    set_times(db_session, record, sent, acknowledged_at=acknowledged, decided_at=decided)
    times = figures(db_session, stakeholder_users["LAADULT"])["times"]
    assert times["acknowledge"]["median_working_days"] == 1
    assert times["acknowledge"]["median_hours"] == 120.0
    assert times["decide"]["median_working_days"] == 3  # 29, 30, 31 December
    assert times["decide"]["median_hours"] == 162.0


def test_a_stakeholder_sees_only_its_own_items(db_session, send_concern, stakeholder_users, users):
    send_concern("adult")
    send_concern("adult", ods="A00003", actor=users["practice_manager_2"])
    send_concern("child")
    send_concern("quality")
    adult = figures(db_session, stakeholder_users["LAADULT"])
    assert adult["summary"]["items"] == 2
    assert [row["channel"] for row in adult["by_channel"]] == ["adult_safeguarding"]
    assert {row["ods"]: row["items"] for row in adult["by_provider"]} == {"A00001": 1, "A00003": 1}
    assert adult["choices"]["channels"] == {"adult_safeguarding": "Adult safeguarding"}
    kids = figures(db_session, stakeholder_users["LAKIDS"])
    assert kids["summary"]["items"] == 1
    assert [row["channel"] for row in kids["by_channel"]] == ["child_safeguarding"]
    other = figures(db_session, stakeholder_users["LAOTHER"])  # another area: nothing
    assert other["summary"]["items"] == 0
    assert other["by_provider"] == other["by_channel"] == other["by_month"] == []
    assert other["choices"] == {"channels": {}, "providers": {}}


def test_a_provider_sees_only_its_own_sent_items(
    db_session, send_concern, stakeholder_users, users
):
    send_concern("adult")
    send_concern("quality", ods="A00002", actor=users["pcn_manager"])
    send_concern("child", ods="A00003", actor=users["practice_manager_2"])
    own = figures(db_session, users["practice_manager"])  # A00001
    assert own["summary"]["items"] == 1
    assert [row["ods"] for row in own["by_provider"]] == ["A00001"]
    assert own["choices"]["providers"] == {"A00001": "North Surgery"}
    pcn = figures(db_session, users["pcn_manager"])  # U00001: A00001 and A00002
    assert {row["ods"] for row in pcn["by_provider"]} == {"A00001", "A00002"}
    assert figures(db_session, users["practice_manager_2"])["summary"]["items"] == 1
    assert figures(db_session, users["icb_viewer"])["summary"]["items"] == 3


def test_categories_are_counted_by_option_title(db_session, send_concern, users, stakeholder_users):
    send_concern("adult")
    send_concern("adult")
    send_concern("child")
    send_concern("quality")
    result = figures(db_session, users["practice_manager"])
    assert result["by_category"] == {
        "counts": [
            {"category": "An adult at risk", "items": 2},
            {"category": "A child at risk", "items": 1},
            {"category": "Quality of care", "items": 1},
        ],
        "uncategorised": 0,
    }
    # An answer cleared after sending (an older record) counts as "No answer".
    record = send_concern("adult")
    record.data = {"summary": "no kind any more"}
    db_session.commit()
    counts = figures(db_session, users["practice_manager"], channel="adult_safeguarding")
    assert counts["by_category"]["counts"] == [
        {"category": "An adult at risk", "items": 2},
        {"category": "No answer", "items": 1},
    ]


def test_counts_of_open_and_breached_items(db_session, send_concern, stakeholder_users):
    set_times(db_session, send_concern(), MONDAY, breached=True)
    set_times(
        db_session,
        send_concern(),
        MONDAY,
        acknowledged_at=MONDAY,
        breached=True,
        decided_at=MONDAY,
        closed_at=MONDAY,
    )
    set_times(db_session, send_concern(), MONDAY, acknowledged_at=MONDAY)
    summary = figures(db_session, stakeholder_users["LAADULT"])["summary"]
    assert summary == {
        "items": 3,
        "open": 2,
        "breached": 2,
        "awaiting_acknowledgement": 1,
        "awaiting_decision": 2,
        "breached_open": 1,
    }


def test_months_are_london_months_with_none_missing(db_session, send_concern, stakeholder_users):
    # 23:30 UTC on 31 May is 00:30 on 1 June in London (summer time).
    set_times(db_session, send_concern(), datetime(2026, 5, 31, 23, 30, tzinfo=UTC), breached=True)
    set_times(db_session, send_concern(), datetime(2026, 3, 15, 12, 0, tzinfo=UTC))
    set_times(db_session, send_concern(), datetime(2026, 3, 31, 22, 59, tzinfo=UTC))  # 23:59 BST
    officer = stakeholder_users["LAADULT"]
    assert figures(db_session, officer)["by_month"] == [
        {"month": "2026-03", "items": 2, "breached": 0},
        {"month": "2026-04", "items": 0, "breached": 0},
        {"month": "2026-05", "items": 0, "breached": 0},
        {"month": "2026-06", "items": 1, "breached": 1},
    ]
    june = figures(db_session, officer, month_from="2026-06", month_to="2026-06")
    assert june["summary"]["items"] == 1
    spring = figures(db_session, officer, month_from="2026-03", month_to="2026-05")
    assert spring["summary"]["items"] == 2
    assert [m["month"] for m in spring["by_month"]] == ["2026-03"]


def test_filters_by_channel_and_provider(db_session, send_concern, users, stakeholder_users):
    send_concern("adult")
    send_concern("quality")
    send_concern("adult", ods="A00002", actor=users["pcn_manager"])
    pcn = users["pcn_manager"]
    assert figures(db_session, pcn, channel="quality")["summary"]["items"] == 1
    by_a2 = figures(db_session, pcn, provider="A00002")
    assert by_a2["summary"]["items"] == 1
    assert [row["ods"] for row in by_a2["by_provider"]] == ["A00002"]
    both = figures(db_session, pcn, channel="adult_safeguarding", provider="A00001")
    assert both["summary"]["items"] == 1
    # The choices stay those of every visible item, whatever the filters.
    assert set(both["choices"]["providers"]) == {"A00001", "A00002"}


def test_bad_filters_are_refused_with_pointers(db_session, send_concern, users, stakeholder_users):
    send_concern("adult")
    with pytest.raises(DataInvalid) as refused:
        figures(
            db_session,
            users["practice_manager"],
            channel="nope",
            provider="A00003",  # exists, but sent nothing this user sees
            month_from="2026-13",
            month_to="April",
        )
    assert [issue.pointer for issue in refused.value.issues] == [
        "/channel",
        "/provider",
        "/from",
        "/to",
    ]
    with pytest.raises(DataInvalid) as backwards:
        figures(db_session, users["practice_manager"], month_from="2026-05", month_to="2026-04")
    assert [issue.pointer for issue in backwards.value.issues] == ["/to"]


def test_someone_with_neither_side_is_refused(db_session, users, stakeholder_users):
    nobody = User(email="nobody@example.nhs.uk", name="Nobody")
    db_session.add(nobody)
    db_session.flush()
    with pytest.raises(Forbidden):
        figures(db_session, nobody)
    # The LA001 stakeholder (no items at all) sees an empty dashboard, not a refusal.
    assert figures(db_session, users["stakeholder"])["summary"]["items"] == 0


def test_an_apps_read_roles_narrow_what_a_provider_sees(
    db_session, orgs, users, stakeholder_users, send_concern
):
    definition = concern_definition()
    definition["id"] = "restricted_concern"
    definition["permissions"] = {"read": ["practice_manager", "practice_staff"]}
    restricted = publish_app(db_session, definition, [orgs["QWE"]])
    staff = users["practice_staff"]
    data = {"kind": "adult", "summary": "x"}
    create_record(
        db_session, Access(staff), restricted, orgs["A00001"], data, submit=True, actor=staff
    )
    db_session.commit()
    send_concern("adult")
    viewer = figures(db_session, users["icb_viewer"])  # may not read restricted_concern
    assert [(row["app_id"], row["items"]) for row in viewer["by_channel"]] == [
        ("safeguarding_concern", 1)
    ]
    assert figures(db_session, users["practice_manager"])["summary"]["items"] == 2
    assert figures(db_session, stakeholder_users["LAADULT"])["summary"]["items"] == 2
