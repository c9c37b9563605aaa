"""Every definition ``miniapps apps from-spreadsheet`` and ``from-xlsform`` write passes
``miniapps apps validate`` (issue 16, "Done when"), run as the real command line; bad
workbooks are refused by name with exit status 1 and nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.studio_workbooks import (
    CPD_XLSFORM,
    FRIDGE_XLSFORM,
    NOT_A_WORKBOOK,
    TRAINING_FIELDS,
    hidden_first_sheet,
    merged_header,
    no_header_row,
    training_workbook,
    with_formulas,
    workbook_bytes,
    write,
)

MINIAPPS = str(Path(sys.executable).parent / "miniapps")


def miniapps(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MINIAPPS, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_spreadsheets_and_xlsforms_become_definitions_validate_accepts(tmp_path: Path) -> None:
    csv = b"Staff name,Role,Hours\nAnn,GP,3\nBob,HCA,2.5\nCat,GP,\n"
    sources = {
        "training.xlsx": ("spreadsheet", training_workbook(), "staff_training"),
        "rota.csv": ("spreadsheet", csv, "rota"),
        "two sheets.xlsx": (
            "spreadsheet",
            workbook_bytes({"Log": [["Date", "Done"], ["01/02/2025", "yes"]], "Other": [["x"]]}),
            "two_sheets",
        ),
        "cpd.xlsx": ("xlsform", CPD_XLSFORM, "cpd_log"),
        "fridge.xlsx": ("xlsform", FRIDGE_XLSFORM, "fridge_check"),
    }
    outs: list[str] = []
    expected: list[str] = []
    for name, (kind, content, app_id) in sources.items():
        source = write(tmp_path / name, content)
        out = f"out_{app_id}"
        args = (
            ["apps", "from-spreadsheet", str(source), "--id", app_id, "--out", out]
            if kind == "spreadsheet"
            else ["apps", "from-xlsform", str(source), "--out", out]
        )
        made = miniapps(*args, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        outs.append(out)
        version = json.loads((tmp_path / out / "app.json").read_text())["version"]
        expected.append(f"ok {app_id} v{version}")
    checked = miniapps("apps", "validate", *outs, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines() == expected
    assert expected[3] == "ok cpd_log v3"  # settings.version carried over
    training = json.loads((tmp_path / "out_staff_training" / "app.json").read_text())
    assert list(training["schema"]["properties"]) == TRAINING_FIELDS


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (no_header_row(), "row 1 is empty"),
        (merged_header(), "cells A1:B1 of the header (row 1) are merged"),
        (with_formulas(), "cell C2 holds a formula"),
        (hidden_first_sheet(), "the first sheet, 'Old', is hidden"),
        (NOT_A_WORKBOOK, "is not an Excel workbook"),
    ],
    ids=["no-header", "merged", "formulas", "hidden", "not-a-workbook"],
)
def test_bad_spreadsheets_are_refused_by_name(tmp_path: Path, content: bytes, message: str) -> None:
    source = write(tmp_path / "bad.xlsx", content)
    made = miniapps(
        "apps", "from-spreadsheet", str(source), "--id", "bad", "--out", "out", cwd=tmp_path
    )
    assert made.returncode == 1
    assert message in made.stdout + made.stderr
    assert "Traceback" not in made.stderr
    assert not (tmp_path / "out").exists()


def test_a_bad_xlsform_names_the_row_and_column_and_writes_nothing(tmp_path: Path) -> None:
    survey = [
        ["type", "name", "label", "calculation"],
        ["integer", "a", "A", ""],
        ["calculate", "b", "", "${a} * 2"],
    ]
    source = write(tmp_path / "calc.xlsx", workbook_bytes({"survey": survey}))
    made = miniapps("apps", "from-xlsform", str(source), "--out", "out", cwd=tmp_path)
    assert made.returncode == 1
    assert "survey row 3" in made.stdout + made.stderr
    assert not (tmp_path / "out").exists()
    lenient = miniapps(
        "apps", "from-xlsform", str(source), "--lenient", "--out", "out", cwd=tmp_path
    )
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    checked = miniapps("apps", "validate", "out", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.startswith("ok ")
