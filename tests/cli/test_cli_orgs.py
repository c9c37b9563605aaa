"""``miniapps orgs import`` and ``orgs list``."""

from __future__ import annotations

from pathlib import Path

from miniapps.models import Organisation
from sqlalchemy import func, select

GOOD = """ods,name,type,parent_ods
QWE,Test ICB,icb,
PLACE-TEST,Test Place,place,QWE
U11111,Riverside PCN,pcn,PLACE-TEST
A11111,Riverside Surgery,practice,U11111
"""


def _write(tmp_path: Path, text: str, name: str = "orgs.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Organisation))


def test_import_creates_the_tree(runner, db_session, tmp_path) -> None:
    result = runner.invoke(args=["orgs", "import", _write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert "4 created, 0 updated" in result.output
    practice = db_session.scalar(select(Organisation).where(Organisation.ods == "A11111"))
    pcn = db_session.scalar(select(Organisation).where(Organisation.ods == "U11111"))
    assert practice.parent_id == pcn.id
    assert practice.path.startswith(pcn.path)


def test_reimport_updates_a_name_and_creates_nothing(runner, db_session, tmp_path) -> None:
    assert runner.invoke(args=["orgs", "import", _write(tmp_path, GOOD)]).exit_code == 0
    renamed = GOOD.replace("Riverside Surgery", "Riverside Medical Centre")
    result = runner.invoke(args=["orgs", "import", _write(tmp_path, renamed, "again.csv")])
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated" in result.output
    practice = db_session.scalar(select(Organisation).where(Organisation.ods == "A11111"))
    db_session.refresh(practice)
    assert practice.name == "Riverside Medical Centre"
    assert _count(db_session) == 4


def test_bad_rows_are_all_reported_and_nothing_is_written(runner, db_session, tmp_path) -> None:
    text = (
        "ods,name,type,parent_ods\n"
        "QWE,Test ICB,icb,\n"  # row 2: fine
        "U22222,,pcn,\n"  # row 3: no name; a PCN needs a Place parent
        "A22222,Hill Surgery,surgery,QWE\n"  # row 4: unknown type
        "A33333,Vale Surgery,practice,ZZZ99\n"  # row 5: unknown parent
    )
    result = runner.invoke(args=["orgs", "import", _write(tmp_path, text)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "row 3, column name: a name is required" in lines
    assert any(line.startswith("row 3, column parent_ods: ") for line in lines)
    assert any(line.startswith("row 4, column type: must be one of: ") for line in lines)
    assert "row 5, column parent_ods: unknown ODS code ZZZ99" in lines
    assert not any(line.startswith("row 2") for line in lines)
    assert "nothing was imported" in result.stderr
    assert _count(db_session) == 0  # not even the good ICB row


def test_a_missing_column_is_one_clear_error(runner, db_session, tmp_path) -> None:
    path = _write(tmp_path, "ods,name,type\nQWE,Test ICB,icb\n")
    result = runner.invoke(args=["orgs", "import", path])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["row 1: missing column(s): parent_ods"]
    assert _count(db_session) == 0


def test_a_missing_file_is_misuse(runner, tmp_path) -> None:
    result = runner.invoke(args=["orgs", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2


def test_list_shows_the_tree_indented(runner, orgs) -> None:
    result = runner.invoke(args=["orgs", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[lines.index("QWE  Test ICB  (icb)") + 1] == "  PLC01  Test Place  (place)"
    assert "      A00001  North Surgery  (practice)" in lines
    assert "LA001  Test Council Safeguarding  (stakeholder)" in lines


def test_activity_dates_are_recorded_and_checked(runner, db_session, orgs) -> None:
    result = runner.invoke(
        args=["orgs", "activity", "A00002", "--from", "2020-01-01", "--closed-on", "2025-09-30"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("open from 2020-01-01, closed: 2025-09-30")
    db_session.refresh(orgs["A00002"])
    assert not orgs["A00002"].active
    wrong = runner.invoke(
        args=["orgs", "activity", "A00001", "--from", "2025-01-01", "--closed-on", "2024-01-01"]
    )
    assert wrong.exit_code == 1
    assert "/closed_on: The closing date must be after the opening date" in wrong.stdout
    db_session.refresh(orgs["A00001"])
    assert orgs["A00001"].active and orgs["A00001"].closed_on is None
    unknown = runner.invoke(args=["orgs", "activity", "ZZZ99"])
    assert unknown.exit_code == 1 and "unknown ODS code: ZZZ99" in unknown.stderr
