"""``miniapps apps from-xlsform``: an XLSForm workbook written as an app that validates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from miniapps.core.definitions.loading import validate_definition

from tests.core.studio.test_xlsform import Rows, kobo_form, workbook


@pytest.fixture
def form(tmp_path: Path) -> Path:
    path = tmp_path / "Staff Training.xlsx"
    path.write_bytes(kobo_form())
    return path


def test_a_kobo_form_is_written_and_passes_apps_validate(
    runner, form: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["apps", "from-xlsform", str(form)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "wrote staff_training/app.json: staff_training v3, 11 top-level field(s)"
    )
    written = tmp_path / "staff_training" / "app.json"
    validate_definition(json.loads(written.read_text(encoding="utf-8")))
    checked = runner.invoke(args=["apps", "validate", str(written.parent)])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.splitlines() == ["ok staff_training v3"]


def test_out_and_force(runner, form: Path, tmp_path: Path) -> None:
    out = tmp_path / "somewhere" / "new"
    first = runner.invoke(args=["apps", "from-xlsform", str(form), "--out", str(out)])
    assert first.exit_code == 0, first.output
    (out / "app.json").write_text("{}", encoding="utf-8")
    again = runner.invoke(args=["apps", "from-xlsform", str(form), "--out", str(out)])
    assert again.exit_code == 1
    assert "already exists (use --force to replace it)" in again.stderr
    assert (out / "app.json").read_text(encoding="utf-8") == "{}"
    forced = runner.invoke(args=["apps", "from-xlsform", str(form), "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "app.json").read_text(encoding="utf-8"))["id"] == "staff_training"


def unsupported_form() -> bytes:
    survey: Rows = [
        ["type", "name", "label::English (en)", "label::Kiswahili (sw)", "relevant"],
        ["start", "start", None, None, None],
        ["text", "name", "Name", "Jina", None],
        ["geopoint", "where", "Where", "Wapi", None],
        ["integer", "age", "Age", "Umri", "${name} + 1 > 2"],
    ]
    return workbook(survey, None, [["form_id", "form_title"], ["visits", "Visits"]])


def test_unsupported_features_are_all_named_and_nothing_is_written(runner, tmp_path: Path) -> None:
    path = tmp_path / "visits.xlsx"
    path.write_bytes(unsupported_form())
    out = tmp_path / "out"
    result = runner.invoke(args=["apps", "from-xlsform", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "survey row 1, column label::Kiswahili (sw): only the first language (English (en)) "
        "is supported",
        "survey row 4, column type: the type 'geopoint' is not supported",
        "survey row 5, column relevant: cannot read '+ 1 > 2'",
    ]
    assert "3 problem(s) (--lenient drops" in result.stderr
    assert (
        "warning: survey row 2, column type: metadata 'start' is not needed: the platform "
        "records who changed a record and when (ignored)"
    ) in result.stderr.splitlines()
    assert not out.exists()


def test_lenient_drops_them_with_warnings_and_writes_a_valid_app(runner, tmp_path: Path) -> None:
    path = tmp_path / "visits.xlsx"
    path.write_bytes(unsupported_form())
    out = tmp_path / "out"
    result = runner.invoke(args=["apps", "from-xlsform", str(path), "--out", str(out), "--lenient"])
    assert result.exit_code == 0, result.output
    warnings = result.stderr.splitlines()
    assert len(warnings) == 4
    assert all(w.startswith("warning: survey row ") for w in warnings)
    ends = [w.rpartition(" (")[2] for w in warnings]
    assert ends == ["dropped)", "ignored)", "dropped)", "dropped)"]
    definition = json.loads((out / "app.json").read_text(encoding="utf-8"))
    assert list(definition["schema"]["properties"]) == ["name", "age"]
    checked = runner.invoke(args=["apps", "validate", str(out)])
    assert checked.stdout.splitlines() == ["ok visits v1"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"id,name\n1,x\n", "workbook: not an .xlsx or .xls workbook"),
        (b"\x00" * 64, "workbook: not an .xlsx or .xls workbook"),
    ],
)
def test_a_file_that_is_not_a_workbook_exits_1_with_a_message(
    runner, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "form.xlsx"
    path.write_bytes(content)
    result = runner.invoke(args=["apps", "from-xlsform", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stdout.startswith(expected)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_missing_file_exits_1(runner, tmp_path: Path) -> None:
    result = runner.invoke(args=["apps", "from-xlsform", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 1
    assert "nope.xlsx: no such file" in result.stderr


def test_the_file_name_is_the_id_when_settings_give_none(runner, tmp_path: Path) -> None:
    path = tmp_path / "Fridge Log 2024.xlsx"
    path.write_bytes(workbook([["type", "name", "label"], ["decimal", "reading", "Reading"]]))
    out = tmp_path / "o"
    result = runner.invoke(args=["apps", "from-xlsform", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "app.json").read_text(encoding="utf-8"))["id"] == "fridge_log_2024"
