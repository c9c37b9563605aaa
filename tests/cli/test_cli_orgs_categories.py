"""``miniapps orgs import`` with the optional ``category`` column, ``orgs list`` and
``orgs categories``: stakeholders with a category and an area."""

from __future__ import annotations

from pathlib import Path

from miniapps.models import Organisation
from sqlalchemy import func, select

TREE = """ods,name,type,parent_ods,category
QWE,Test ICB,icb,,
PLACE-TEST,Test Place,place,QWE,
U11111,Riverside PCN,pcn,PLACE-TEST,
A11111,Riverside Surgery,practice,U11111,
LA-ADULT,Council Adult Safeguarding,stakeholder,PLACE-TEST,la_adult_safeguarding
ICB-Q,ICB Quality Team,stakeholder,QWE,icb_quality
CARE-1,Care Provider Forum,stakeholder,PLACE-TEST,care_service_managers
LA-LONE,Lone Council Team,stakeholder,,
"""


def _write(tmp_path: Path, text: str, name: str = "orgs.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _org(db_session, ods: str) -> Organisation:
    org = db_session.scalar(select(Organisation).where(Organisation.ods == ods))
    assert org is not None, ods
    return org


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Organisation)) or 0


def test_import_stores_categories_and_says_each_stakeholders_area(
    runner, db_session, tmp_path
) -> None:
    result = runner.invoke(args=["orgs", "import", _write(tmp_path, TREE)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("8 created, 0 updated")
    assert (
        "LA-ADULT  Council Adult Safeguarding: category la_adult_safeguarding, "
        "area PLACE-TEST (Test Place)"
    ) in lines
    assert "ICB-Q  ICB Quality Team: category icb_quality, area QWE (Test ICB)" in lines
    assert "LA-LONE  Lone Council Team: no category, no area (no parent)" in lines
    assert _org(db_session, "LA-ADULT").category == "la_adult_safeguarding"
    assert _org(db_session, "CARE-1").category == "care_service_managers"  # any such name
    assert _org(db_session, "A11111").category is None


def test_a_reimport_changes_a_category(runner, db_session, tmp_path) -> None:
    assert runner.invoke(args=["orgs", "import", _write(tmp_path, TREE)]).exit_code == 0
    changed = TREE.replace("ICB-Q,ICB Quality Team,stakeholder,QWE,icb_quality",
                           "ICB-Q,ICB Quality Team,stakeholder,QWE,icb_safeguarding")  # fmt: skip
    result = runner.invoke(args=["orgs", "import", _write(tmp_path, changed, "again.csv")])
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated" in result.stdout
    db_session.expire_all()
    assert _org(db_session, "ICB-Q").category == "icb_safeguarding"


def test_bad_categories_are_reported_and_nothing_is_written(runner, db_session, tmp_path) -> None:
    text = (
        TREE
        + "A22222,Hill Surgery,practice,U11111,la_adult_safeguarding\n"  # row 10: not a stakeholder
        + "LA-BAD,Bad Council,stakeholder,PLACE-TEST,Adult Safeguarding\n"  # row 11: bad name
        + "LA-BAD2,Bad Council 2,stakeholder,PLACE-TEST,9lives\n"  # row 12: starts with a digit
    )
    result = runner.invoke(args=["orgs", "import", _write(tmp_path, text)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        "row 10, column category: only stakeholder organisations have a category; leave it empty"
        in lines
    )
    assert any(line.startswith("row 11, column category: must be lower-case") for line in lines)
    assert any(line.startswith("row 12, column category: must be lower-case") for line in lines)
    assert len(lines) == 3  # the good rows are not reported
    assert "nothing was imported" in result.stderr
    assert _count(db_session) == 0  # not even the good rows


def test_a_bad_category_on_a_reimport_leaves_the_old_one(runner, db_session, tmp_path) -> None:
    assert runner.invoke(args=["orgs", "import", _write(tmp_path, TREE)]).exit_code == 0
    bad = TREE.replace("Council Adult Safeguarding,stakeholder,PLACE-TEST,la_adult_safeguarding",
                       "Renamed Council,stakeholder,PLACE-TEST,la-adult")  # fmt: skip
    bad = bad.replace("Riverside Surgery", "Riverside Medical Centre")
    result = runner.invoke(args=["orgs", "import", _write(tmp_path, bad, "bad.csv")])
    assert result.exit_code == 1
    assert result.stdout.startswith("row 6, column category: ")
    db_session.expire_all()
    adult = _org(db_session, "LA-ADULT")
    assert (adult.name, adult.category) == ("Council Adult Safeguarding", "la_adult_safeguarding")
    assert _org(db_session, "A11111").name == "Riverside Surgery"  # no half-applied rename


def test_list_shows_categories_beneath_each_area(runner, db_session, tmp_path) -> None:
    assert runner.invoke(args=["orgs", "import", _write(tmp_path, TREE)]).exit_code == 0
    result = runner.invoke(args=["orgs", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        "    LA-ADULT  Council Adult Safeguarding  (stakeholder, category la_adult_safeguarding)"
        in lines
    )
    assert lines.index("QWE  Test ICB  (icb)") < lines.index(
        "  ICB-Q  ICB Quality Team  (stakeholder, category icb_quality)"
    )
    assert "LA-LONE  Lone Council Team  (stakeholder)" in lines


def test_categories_lists_the_standard_ones_and_those_in_use(runner, db_session, tmp_path) -> None:
    assert runner.invoke(args=["orgs", "import", _write(tmp_path, TREE)]).exit_code == 0
    result = runner.invoke(args=["orgs", "categories"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "la_adult_safeguarding  Local Authority adult safeguarding team: 1 stakeholder(s)",
        "  LA-ADULT  Council Adult Safeguarding: category la_adult_safeguarding, "
        "area PLACE-TEST (Test Place)",
    ]
    assert "icb_safeguarding  ICB safeguarding team: 0 stakeholder(s)" in lines
    assert "care_service_managers  (not a standard category): 1 stakeholder(s)" in lines
    assert lines[-2:] == [
        "no category (named by ODS code only): 1 stakeholder(s)",
        "  LA-LONE  Lone Council Team: no category, no area (no parent)",
    ]


def test_import_help_names_the_category_column(runner) -> None:
    result = runner.invoke(args=["orgs", "import", "--help"])
    assert result.exit_code == 0
    assert "category" in result.output and "la_adult_safeguarding" in result.output
