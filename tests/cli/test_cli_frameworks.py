"""``miniapps frameworks load`` and ``frameworks list``."""

from __future__ import annotations

import json
from pathlib import Path

from miniapps.models import Framework
from sqlalchemy import func, select

from tests.core.compliance.test_frameworks import SAF_FILE


def test_load_then_reload_then_list(runner, db_session) -> None:
    assert runner.invoke(args=["frameworks", "list"]).stdout.strip() == "no frameworks loaded"
    result = runner.invoke(args=["frameworks", "load", str(SAF_FILE)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "loaded cqc-saf 2024: 5 key questions, 34 statements "
        "(safe 8, effective 6, caring 5, responsive 7, well_led 8)"
    )
    again = runner.invoke(args=["frameworks", "load", str(SAF_FILE)])
    assert again.exit_code == 0 and again.stdout.strip() == "unchanged cqc-saf 2024"
    listing = runner.invoke(args=["frameworks", "list"]).stdout.splitlines()
    assert listing[0].split() == [
        "framework", "version", "key_questions", "statements", "replaces", "loaded", "title"
    ]  # fmt: skip
    assert listing[1].split()[:5] == ["cqc-saf", "2024", "5", "34", "-"]
    assert listing[1].endswith("CQC single assessment framework")
    assert len(listing) == 2


def test_bad_files_print_pointer_lines_exit_1_and_store_nothing(
    runner, db_session, tmp_path: Path
) -> None:
    raw = json.loads(SAF_FILE.read_text(encoding="utf-8"))
    raw["key_questions"][4]["statements"][0]["id"] = "learning_culture"  # Safe's first
    raw["key_questions"][3]["statements"].pop()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    result = runner.invoke(args=["frameworks", "load", str(bad)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{bad}:/expected_counts/statements/responsive: expects 7 statements for responsive; "
        "the file has 6",
        f"{bad}:/key_questions/4/statements/0/id: id 'learning_culture' is already used at "
        "/key_questions/0/statements/0",
    ]
    assert "2 problem(s) found; nothing was loaded" in result.stderr
    assert db_session.scalar(select(func.count()).select_from(Framework)) == 0

    missing = runner.invoke(args=["frameworks", "load", str(tmp_path / "none.json")])
    assert missing.exit_code == 1
    assert missing.stdout.strip() == f"{tmp_path / 'none.json'}:: file not found"


def test_a_changed_stored_version_is_refused_with_its_pointer(runner, db_session, tmp_path) -> None:
    assert runner.invoke(args=["frameworks", "load", str(SAF_FILE)]).exit_code == 0
    raw = json.loads(SAF_FILE.read_text(encoding="utf-8"))
    raw["title"] = "Edited"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(raw), encoding="utf-8")
    result = runner.invoke(args=["frameworks", "load", str(changed)])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{changed}:/version: cqc-saf version 2024 is already loaded")
    rows = list(db_session.scalars(select(Framework)))
    assert [r.title for r in rows] == ["CQC single assessment framework"]
