"""The inbox query: the month filter is a London calendar month."""

from __future__ import annotations

from datetime import UTC, datetime

from miniapps.services.channels.inbox import InboxFilters, inbox_page
from miniapps.services.permissions import Access


def test_the_month_filter_is_a_london_month(db_session, send_concern, stakeholder_users):
    record = send_concern("adult")
    (item,) = record.channel_items
    item.sent_at = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 June in London
    db_session.commit()
    access = Access(stakeholder_users["LAADULT"])

    def month(period: str) -> int:
        return inbox_page(
            db_session, access, InboxFilters(period=period), page=1, page_size=10
        ).total

    assert (month("2026-05"), month("2026-06")) == (0, 1)
