"""``miniapps evidence pack ODS --out FILE.zip [--framework F]``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from miniapps.models import AuditEntry
from miniapps.services.compliance import sources
from sqlalchemy import select

from tests.compliance_pack_data import FakeSource, pack_world, register_only


@pytest.fixture
def world(app, db_session, orgs, users, monkeypatch):
    register_only(monkeypatch, FakeSource())
    return pack_world(db_session, orgs, users, app.config["UPLOADS_DIR"])


def test_the_pack_is_written_whole_audited_and_summed_up(
    runner, db_session, world, tmp_path: Path
) -> None:
    target = tmp_path / "inspection.zip"
    result = runner.invoke(args=["evidence", "pack", "a00001", "--out", str(target)])

    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    assert line.startswith("inspection pack for A00001 (cqc-saf 2024): ")
    assert "3 records, 1 attachments, 2 summary tables; 10 files" in line
    assert line.endswith(f" s -> {target}")
    assert [p.name for p in tmp_path.iterdir()] == ["inspection.zip"]  # no temporary left
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        html = archive.read("index.html").decode()
    assert "the command line (miniapps evidence pack)" in html
    # The platform reads everything about the practice: the neighbour's peer review too.
    assert f"attachments/{world.kept.id}/Staff_meeting_May.pdf" in html
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "evidence_pack_built"))
    assert entry is not None and entry.actor_id is None
    assert entry.changes[0]["new"] == "cqc-saf 2024" and entry.changes[0]["records"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ZZZ999"], "error: No organisation has the ODS code 'ZZZ999'."),
        (["U00001"], "error: North PCN (U00001) is a pcn, not a practice"),
        (["A00001", "--framework", "nice-qs"], "error: framework 'nice-qs' is not loaded"),
    ],
)
def test_an_unknown_practice_or_framework_exits_1_and_writes_nothing(
    runner, db_session, world, tmp_path: Path, args: list[str], message: str
) -> None:
    target = tmp_path / "pack.zip"
    result = runner.invoke(args=["evidence", "pack", *args, "--out", str(target)])
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert list(tmp_path.iterdir()) == []
    assert (
        db_session.scalar(select(AuditEntry).where(AuditEntry.action == "evidence_pack_built"))
        is None
    )


def test_a_missing_folder_or_a_failing_source_leaves_nothing_behind(
    runner, db_session, world, tmp_path: Path, monkeypatch
) -> None:
    missing = runner.invoke(
        args=["evidence", "pack", "A00001", "--out", str(tmp_path / "no" / "pack.zip")]
    )
    assert missing.exit_code == 1
    assert f"the folder {tmp_path / 'no'} does not exist" in missing.stderr

    monkeypatch.setitem(sources.SOURCES, "fake", FakeSource(fail=True))
    target = tmp_path / "pack.zip"
    failed = runner.invoke(args=["evidence", "pack", "A00001", "--out", str(target)])
    assert failed.exit_code != 0 and isinstance(failed.exception, RuntimeError)
    assert list(tmp_path.iterdir()) == []
