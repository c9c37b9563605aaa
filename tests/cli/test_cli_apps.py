"""``miniapps apps validate``, ``apps publish`` and ``apps list``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from miniapps.models import AppTarget, AppVersion
from miniapps.services import apps as app_service
from miniapps.services import users as user_service
from miniapps.services.permissions import Access
from miniapps.services.records.lifecycle import create_record


def definition(version: int = 1, with_note: bool = True) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "reading": {"type": "number", "title": "Reading", "minimum": 0, "maximum": 10}
    }
    if with_note:
        properties["note"] = {"type": "string", "title": "Note"}
    return {
        "id": "checks",
        "title": "Daily checks",
        "version": version,
        "schema": {"type": "object", "required": ["reading"], "properties": properties},
    }


@pytest.fixture
def write(tmp_path: Path):
    def write(raw: Any, name: str = "app.json", directory: str | None = None) -> Path:
        folder = tmp_path / directory if directory else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(json.dumps(raw) if not isinstance(raw, str) else raw, encoding="utf-8")
        return path

    return write


def test_validate_a_directory_and_a_file(runner, write) -> None:
    app_dir = write(definition(), directory="checks").parent
    other = write({**definition(3), "id": "other"}, name="other.json")
    result = runner.invoke(args=["apps", "validate", str(app_dir), str(other)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["ok checks v1", "ok other v3"]


def test_invalid_definitions_give_file_pointer_message_lines(runner, write) -> None:
    bad = write({**definition(0), "id": "Bad id", "colour": "red"}, name="bad.json")
    broken = write('{"id": "x",', name="broken.json")
    good = write(definition(), directory="checks").parent
    missing = bad.parent / "missing.json"
    paths = [bad, good, broken, missing]
    result = runner.invoke(args=["apps", "validate", *map(str, paths)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "ok checks v1" in lines  # every path is checked before exiting
    errors = [line for line in lines if not line.startswith("ok ")]
    shape = re.compile(r"^(?P<file>[^:]+\.json):(?P<pointer>(/[^:]*)?): (?P<message>.+)$")
    assert all(shape.match(line) for line in errors), errors
    by_file: dict[str, list[str]] = {}
    for line in errors:
        match = shape.match(line)
        assert match is not None
        by_file.setdefault(match["file"], []).append(match["pointer"])
    assert sorted(by_file[str(bad)]) == ["/colour", "/id", "/version"]
    assert by_file[str(broken)] == [""]
    assert by_file[str(missing)] == [""]
    assert f"{bad}:/version: must be at least 1" in lines
    assert f"{missing}:: file not found" in lines
    assert "5 problem(s)" in result.stderr


def test_validate_needs_a_path(runner) -> None:
    assert runner.invoke(args=["apps", "validate"]).exit_code == 2


def test_publish_to_named_orgs_then_republish_unchanged(runner, db_session, orgs, write) -> None:
    path = write(definition(), directory="checks").parent
    result = runner.invoke(args=["apps", "publish", str(path), "--to", "U00001,a00003"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "published checks v1 to A00003, U00001"
    again = runner.invoke(args=["apps", "publish", str(path), "--to", "U00001"])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == "unchanged checks v1 to A00003, U00001"
    assert db_session.query(AppVersion).filter_by(app_id="checks").count() == 1


def test_publish_defaults_to_every_organisation(runner, db_session, orgs, write) -> None:
    result = runner.invoke(args=["apps", "publish", str(write(definition()))])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "published checks v1 to LA001, QWE"  # the roots of all trees
    targets = db_session.query(AppTarget).filter_by(app_id="checks").count()
    assert targets == 2


def test_publish_refuses_invalid_definitions_and_unknown_orgs(runner, orgs, write) -> None:
    bad = write({**definition(), "version": "one"}, name="bad.json")
    result = runner.invoke(args=["apps", "publish", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:/version: must be an integer" in result.stdout.splitlines()
    good = write(definition(), name="good.json")
    unknown = runner.invoke(args=["apps", "publish", str(good), "--to", "QWE,NOPE1"])
    assert unknown.exit_code == 1
    assert "NOPE1" in unknown.stderr


def test_data_losing_change_is_refused_naming_the_field(runner, db_session, orgs, write) -> None:
    v1 = write(definition(1), name="v1.json")
    assert runner.invoke(args=["apps", "publish", str(v1)]).exit_code == 0
    admin = user_service.create_user(
        db_session, "admin@example.nhs.uk", "Admin", None, "platform_admin", orgs["QWE"]
    )
    app = app_service.get_app(db_session, "checks")
    assert app is not None
    create_record(
        db_session,
        Access(admin),
        app,
        orgs["A00001"],
        {"reading": 4.5, "note": "door seal checked"},
        submit=True,
        actor=admin,
    )
    db_session.commit()

    v2 = write(definition(2, with_note=False), name="v2.json")
    result = runner.invoke(args=["apps", "publish", str(v2)])
    assert result.exit_code == 1
    problem_lines = result.stdout.splitlines()
    assert problem_lines and all(line.startswith(f"{v2}:/") for line in problem_lines)
    assert any("note" in line for line in problem_lines)
    assert "checks v2 was not published" in result.stderr
    listed = runner.invoke(args=["apps", "list"]).stdout
    assert "v1" in listed and "v2" not in listed


def test_list_shows_aligned_columns(runner, orgs, write) -> None:
    empty = runner.invoke(args=["apps", "list"])
    assert empty.exit_code == 0 and "no apps yet" in empty.output
    runner.invoke(args=["apps", "publish", str(write(definition(), name="a.json"))])
    other = {**definition(4), "id": "fridge", "title": "Fridge log"}
    runner.invoke(args=["apps", "publish", str(write(other, name="b.json"))])
    result = runner.invoke(args=["apps", "list"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ID      TITLE         VERSION  STATUS",
        "checks  Daily checks  v1       published",
        "fridge  Fridge log    v4       published",
    ]


def test_publish_from_a_date_and_replace_targets(runner, db_session, orgs, write) -> None:
    path = write(definition(), directory="checks").parent
    first = runner.invoke(
        args=["apps", "publish", str(path), "--to", "U00001", "--from", "2025-04-01"]
    )
    assert first.exit_code == 0, first.output
    target = db_session.query(AppTarget).filter_by(app_id="checks").one()
    assert target.targeted_from.isoformat() == "2025-04-01"
    moved = runner.invoke(args=["apps", "publish", str(path), "--to", "U00002", "--replace"])
    assert moved.exit_code == 0, moved.output
    assert moved.stdout.strip() == "unchanged checks v1 to U00002"
    bad = runner.invoke(args=["apps", "publish", str(path), "--from", "April"])
    assert bad.exit_code == 2 and "April" in bad.output
