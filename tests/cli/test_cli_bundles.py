"""``miniapps apps validate`` and ``apps publish`` on a bundle directory: every definition,
and nothing published when any is invalid or refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from miniapps.models import App, AppVersion
from sqlalchemy import select

from tests.compliance_evidence import CQC_DIR, SAF_FILE


def definition(app_id: str, version: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "id": app_id,
        "title": app_id.replace("_", " ").capitalize(),
        "version": version,
        "schema": {"type": "object", "properties": {"note": {"type": "string"}}},
        **extra,
    }


def bundle(root: Path, home: dict[str, Any], members: dict[str, dict[str, Any]]) -> Path:
    (root / "definitions").mkdir(parents=True)
    (root / "app.json").write_text(json.dumps(home))
    for app_id, raw in members.items():
        (root / "definitions" / f"{app_id}.json").write_text(json.dumps(raw))
    return root


EVIDENCE = [{"framework": "cqc-saf", "statements": ["safe_environments"], "category": "processes"}]


def test_validate_prints_ok_for_each_definition(runner, tmp_path: Path) -> None:
    root = bundle(
        tmp_path / "b",
        definition("b_home"),
        {"b_two": definition("b_two", 3), "b_one": definition("b_one")},
    )
    result = runner.invoke(args=["apps", "validate", str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["ok b_home v1", "ok b_one v1", "ok b_two v3"]


def test_validate_names_the_member_file_of_each_error(runner, tmp_path: Path) -> None:
    root = bundle(
        tmp_path / "b",
        definition("b_home"),
        {"b_bad": {**definition("b_bad"), "version": 0}, "b_good": definition("b_good")},
    )
    result = runner.invoke(args=["apps", "validate", str(root)])
    assert result.exit_code == 1
    bad_file = root / "definitions" / "b_bad.json"
    assert result.stdout.splitlines() == [
        "ok b_home v1",
        f"{bad_file}:/version: must be at least 1",
        "ok b_good v1",
    ]


def test_publish_publishes_every_definition(runner, db_session, orgs, tmp_path: Path) -> None:
    root = bundle(tmp_path / "b", definition("b_home"), {"b_one": definition("b_one")})
    result = runner.invoke(args=["apps", "publish", str(root), "--to", "U00001"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "published b_home v1 to U00001",
        "published b_one v1 to U00001",
    ]


def test_nothing_is_published_when_one_is_invalid(runner, db_session, orgs, tmp_path) -> None:
    root = bundle(
        tmp_path / "b",
        definition("b_home"),
        {"b_bad": {**definition("b_bad"), "colour": "red"}, "b_good": definition("b_good")},
    )
    result = runner.invoke(args=["apps", "publish", str(root)])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{root / 'definitions' / 'b_bad.json'}:/colour: ")
    assert db_session.scalars(select(App)).all() == []


def test_nothing_is_published_when_one_is_refused(runner, db_session, orgs, tmp_path) -> None:
    """The second definition names a framework that is not loaded: the first is not kept."""
    root = bundle(
        tmp_path / "b", definition("b_home"), {"b_fire": definition("b_fire", evidence=EVIDENCE)}
    )
    result = runner.invoke(args=["apps", "publish", str(root)])
    assert result.exit_code == 1
    fire = root / "definitions" / "b_fire.json"
    assert result.stdout.splitlines() == [
        f"{fire}:/evidence/0/framework: framework 'cqc-saf' is not loaded: "
        "load it with miniapps frameworks load FILE"
    ]
    assert "nor anything else of the bundle" in result.stderr
    assert db_session.scalars(select(AppVersion)).all() == []


def test_the_cqc_bundle_publishes_once_its_framework_is_loaded(runner, db_session, orgs) -> None:
    assert runner.invoke(args=["frameworks", "load", str(SAF_FILE)]).exit_code == 0
    result = runner.invoke(args=["apps", "publish", str(CQC_DIR), "--to", "U00001"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "published cqc_compliance v1 to U00001"
    assert all(line.startswith("published cqc_") for line in lines)
