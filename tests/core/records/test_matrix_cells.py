"""The people-by-items matrix, pure: a cell's status from the latest completion, the
refresh period and the roles' required items; totals per item; cells in words."""

from __future__ import annotations

from datetime import date

from miniapps.core.records.matrix import Cell, MatrixSpec, cell_for, cell_text, item_totals

SPEC = MatrixSpec.from_json(
    {
        "person": "/person",
        "item": "/course",
        "date": "/completed_on",
        "refresh_months": {"bls": 12, "ig": 12},
        "required": {"practice_staff": ["bls", "ig"], "practice_manager": ["bls", "sg3"]},
    }
)
TODAY = date(2026, 6, 15)
STAFF = SPEC.required_of(["practice_staff"])


def test_required_items_come_from_every_role_held() -> None:
    assert SPEC.required_of(["practice_staff", "practice_manager"]) == {"bls", "ig", "sg3"}
    assert SPEC.required_of(["pcn_manager"]) == set()


def test_in_date_due_soon_and_out_of_date_by_the_refresh_period() -> None:
    assert cell_for(SPEC, "bls", date(2026, 1, 10), STAFF, TODAY) == Cell(
        "in_date", date(2026, 1, 10), date(2027, 1, 10)
    )
    # Expires 10 July 2026, 25 days away: within the default 30.
    assert cell_for(SPEC, "bls", date(2025, 7, 10), STAFF, TODAY).status == "due_soon"
    # The last day in date is the expiry day itself; the day after it is out of date.
    assert cell_for(SPEC, "bls", date(2025, 6, 15), STAFF, TODAY).status == "due_soon"
    assert cell_for(SPEC, "bls", date(2025, 6, 14), STAFF, TODAY).status == "out_of_date"


def test_never_done_is_missing_only_where_required() -> None:
    assert cell_for(SPEC, "ig", None, STAFF, TODAY).status == "missing"
    assert cell_for(SPEC, "sg3", None, STAFF, TODAY).status == "not_required"


def test_an_item_without_a_refresh_period_never_expires() -> None:
    cell = cell_for(SPEC, "sg3", date(2019, 1, 1), STAFF, TODAY)
    assert (cell.status, cell.expires) == ("in_date", None)
    assert cell_text(cell) == "In date (done 1 Jan 2019, does not expire)"


def test_due_soon_days_is_configurable() -> None:
    spec = MatrixSpec.from_json({**{"person": "/p", "item": "/i", "date": "/d"},
                                 "refresh_months": {"bls": 12}, "due_soon_days": 7})  # fmt: skip
    assert cell_for(spec, "bls", date(2025, 7, 10), set(), TODAY).status == "in_date"


def test_totals_per_item() -> None:
    rows = [
        {"bls": Cell("in_date"), "ig": Cell("missing"), "sg3": Cell("not_required")},
        {"bls": Cell("due_soon"), "ig": Cell("out_of_date"), "sg3": Cell("not_required")},
        {"bls": Cell("out_of_date"), "ig": Cell("in_date"), "sg3": Cell("in_date")},
    ]
    items = [("bls", "Basic life support"), ("ig", "IG"), ("sg3", "Safeguarding 3")]
    bls, ig, sg3 = item_totals(items, rows)
    assert (bls.in_date, bls.due_soon, bls.out_of_date, bls.applicable) == (2, 1, 1, 3)
    assert bls.percent_in_date == 67
    assert (ig.missing, ig.out_of_date, ig.problems, ig.percent_in_date) == (1, 1, 2, 33)
    assert (sg3.applicable, sg3.percent_in_date) == (1, 100)
    assert item_totals([("x", "X")], rows)[0].percent_in_date is None


def test_cells_in_words() -> None:
    assert cell_text(Cell("missing")) == "Missing"
    expired = Cell("out_of_date", date(2024, 3, 4), date(2025, 3, 4))
    assert cell_text(expired) == "Out of date (done 4 Mar 2024, expired 4 Mar 2025)"
    valid = Cell("in_date", date(2026, 3, 4), date(2027, 3, 4))
    assert cell_text(valid) == "In date (done 4 Mar 2026, until 4 Mar 2027)"
