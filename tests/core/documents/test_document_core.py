"""The pure parts of document control: review dates (months added to a day, past and
beyond three years refused) and the difference between central and local text."""

from __future__ import annotations

from datetime import date

from miniapps.core.documents.differences import difference, text_lines
from miniapps.core.documents.settings import add_months, review_date_problem


def test_months_are_calendar_months() -> None:
    assert add_months(date(2026, 3, 2), 12) == date(2027, 3, 2)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 15), 3) == date(2028, 3, 15)


def test_a_review_date_in_the_past_or_beyond_three_years_is_refused() -> None:
    today = date(2026, 5, 3)
    assert review_date_problem(today, today) is None
    assert review_date_problem(date(2029, 5, 3), today) is None
    past = review_date_problem(date(2026, 5, 2), today)
    assert past == "The review date must not be in the past (2 May 2026 has gone)"
    assert "within 3 years" in (review_date_problem(date(2029, 5, 4), today) or "")


def test_difference_blocks_read_in_order() -> None:
    central = "Intro\nWash hands\nUse gloves\n\n"
    local = "Intro\nWash hands with gel\nUse gloves\nCheck stations daily"
    found = difference(central, local)
    assert [(b.kind, b.central, b.local) for b in found.blocks] == [
        ("same", ("Intro",), ("Intro",)),
        ("changed", ("Wash hands",), ("Wash hands with gel",)),
        ("same", ("Use gloves",), ("Use gloves",)),
        ("added", (), ("Check stations daily",)),
    ]
    assert found.changed and found.counts == {"changed": 1, "added": 1, "removed": 0}
    assert not difference("a\r\nb  \n", "a\nb\n\n").changed  # line ends, trailing spaces
    assert text_lines(None) == []
