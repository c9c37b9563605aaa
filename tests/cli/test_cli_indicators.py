"""``miniapps indicators load`` and ``indicators list``."""

from __future__ import annotations

import json
from pathlib import Path

from miniapps.core.definitions.loading import load_definition
from miniapps.services import apps as app_service
from miniapps.services.indicators.year_sets import current_row

from tests.conftest import IIF_DIR

YEAR_FILE = IIF_DIR / "data" / "2025-26.json"


def publish_iif(db_session, orgs) -> None:
    app_service.publish(db_session, load_definition(IIF_DIR), [orgs["QWE"]], actor=None)
    db_session.commit()


def test_load_then_reload_then_list(runner, db_session, orgs) -> None:
    publish_iif(db_session, orgs)
    result = runner.invoke(args=["indicators", "load", str(YEAR_FILE)])  # --app defaults
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "loaded iif_tracker 2025/26 v1 (illustrative): CAN-04, HI-03"
    again = runner.invoke(args=["indicators", "load", str(YEAR_FILE), "--app", "iif_tracker"])
    assert again.stdout.strip() == "unchanged iif_tracker 2025/26 v1 (illustrative)"
    listing = runner.invoke(args=["indicators", "list"]).stdout.splitlines()
    assert listing[0].split() == ["app", "year", "version", "indicators", "status", "loaded"]
    assert listing[1].split()[:5] == ["iif_tracker", "2025/26", "v1", "2", "illustrative"]


def test_a_bad_file_prints_pointer_lines_and_loads_nothing(
    runner, db_session, orgs, tmp_path: Path
) -> None:
    publish_iif(db_session, orgs)
    raw = json.loads(YEAR_FILE.read_text())
    raw["indicators"][0]["lower_threshold"] = 0.9  # LT above UT, higher is better
    raw["indicators"][1]["max_points"] = -1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    result = runner.invoke(args=["indicators", "load", str(bad)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{bad}:/indicators/1/max_points: must be greater than 0"]
    raw["indicators"][1]["max_points"] = 36
    bad.write_text(json.dumps(raw))
    result = runner.invoke(args=["indicators", "load", str(bad)])
    assert result.stdout.splitlines() == [
        f"{bad}:/indicators/0/upper_threshold: must be greater than lower_threshold when "
        "higher is better"
    ]
    assert "nothing was loaded" in result.stderr
    assert current_row(db_session, "iif_tracker", "2025/26") is None


def test_unknown_app_and_unreadable_file(runner, db_session, orgs, tmp_path: Path) -> None:
    result = runner.invoke(args=["indicators", "load", str(YEAR_FILE), "--app", "nope"])
    assert result.exit_code == 1 and "there is no published app 'nope'" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    publish_iif(db_session, orgs)
    result = runner.invoke(args=["indicators", "load", str(broken)])
    assert result.exit_code == 1 and result.stdout.startswith(f"{broken}:: is not valid JSON")


def test_list_says_when_nothing_is_loaded(runner) -> None:
    assert runner.invoke(args=["indicators", "list"]).stdout.strip() == (
        "no indicator year sets loaded"
    )
