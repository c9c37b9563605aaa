"""The inspection pack: index.html by key question and statement with working links,
records per app as CSV and XLSX (this practice's only), attachments, summaries from the
registered sources; unknown practices and frameworks refused; never half-written."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from miniapps.models import AuditEntry
from miniapps.services.compliance import sources
from miniapps.services.compliance.assessment import UnknownFramework
from miniapps.services.compliance.pack import PackRefused, build_pack, practice_for_pack
from miniapps.services.compliance.pack_index import AppFiles, PackIndex, SummaryFile
from miniapps.services.compliance.sources import EvidenceItem, PackTable
from openpyxl import load_workbook
from sqlalchemy import select

from tests.compliance_evidence import NOW
from tests.compliance_pack_data import (
    ATTACHED,
    FakeSource,
    add_attachment,
    pack_world,
    register_only,
)


@pytest.fixture
def world(app, db_session, orgs, users, monkeypatch):
    register_only(monkeypatch, FakeSource())
    return pack_world(db_session, orgs, users, app.config["UPLOADS_DIR"])


def build(db_session, app, world, out, **options):
    return build_pack(
        db_session,
        world.practice,
        "cqc-saf",
        out,
        now=NOW,
        uploads_dir=app.config["UPLOADS_DIR"],
        **options,
    )


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def section(html: str, anchor: str) -> str:
    """The HTML of the element with id ``anchor`` up to the next one of its kind."""
    start = html.index(f'id="{anchor}"')
    tag = html.rfind("<", 0, start)
    kind = html[tag + 1 : start].strip()
    end = html.find(f"<{kind} id=", start)
    return html[start : end if end > 0 else len(html)]


def test_the_pack_holds_the_index_the_records_the_files_and_the_summaries(
    app, db_session, world, users, tmp_path: Path
) -> None:
    target = tmp_path / "pack.zip"
    summary = build(db_session, app, world, target, actor=users["pcn_manager"])

    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        attached = f"attachments/{world.kept.id}/Staff_meeting_May.pdf"
        assert sorted(names) == sorted(
            [
                "records/cqc_compliance.csv",
                "records/cqc_compliance.xlsx",
                "records/cqc_checks.csv",
                "records/cqc_checks.items.csv",
                "records/cqc_checks.xlsx",
                attached,
                "summaries/policies.csv",
                "summaries/complaints.csv",
                "summaries.xlsx",
                "index.html",
            ]
        )  # nothing of the fridge log: neither in the bundle nor mapped to the framework
        assert archive.read(attached) == ATTACHED

        log_rows = csv_rows(archive, "records/cqc_compliance.csv")
        assert [int(r["id"]) for r in log_rows] == [world.kept.id]  # not old, draft, A00002's
        assert log_rows[0]["ods"] == "A00001" and log_rows[0]["attachment"] == world.attachment.id
        checks = csv_rows(archive, "records/cqc_checks.csv")
        assert [int(r["id"]) for r in checks] == [world.check.id, world.peer_review.id]
        assert checks[1]["ods"] == "A00002"  # made by the neighbour, about this practice
        items = csv_rows(archive, "records/cqc_checks.items.csv")
        assert [(r["record_id"], r["item"]) for r in items] == [
            (str(world.check.id), "Sharps bin"),
            (str(world.check.id), "Sink"),
        ]
        book = load_workbook(io.BytesIO(archive.read("records/cqc_checks.xlsx")), read_only=True)
        assert book.sheetnames == ["records", "items"]
        assert len(list(book["records"].iter_rows(values_only=True))) == 3  # header + 2
        book.close()

        policies = csv_rows(archive, "summaries/policies.csv")
        assert [p["Policy"] for p in policies] == ["Fire safety", '\'=HYPERLINK("http://x")']
        summaries = load_workbook(io.BytesIO(archive.read("summaries.xlsx")), read_only=True)
        assert summaries.sheetnames == ["Policies", "Complaints- last 12 months"]
        rows = list(summaries["Policies"].iter_rows(values_only=True))
        assert rows[0] == ("Policy", "Version", "Adopted", "Read and signed")
        assert rows[2][0] == '\'=HYPERLINK("http://x")'  # text, never a formula
        summaries.close()

        html = archive.read("index.html").decode("utf-8")

    assert "North Surgery" in html and "A00001" in html
    assert "cqc-saf, version 2024" in html and users["pcn_manager"].name in html
    assert "15 June 2026" in html  # built at (and evidence up to)
    questions = re.findall(r'<section id="kq-(\w+)"', html)
    assert questions == ["safe", "effective", "caring", "responsive", "well_led"]
    assert len(re.findall(r'<article id="st-', html)) == 34
    assert '<a href="#st-learning_culture">' in html  # the contents list
    learning = section(html, "st-learning_culture")
    assert "Staff meeting minutes &lt;May&gt;" in learning  # escaped
    assert "<May>" not in html
    assert users["practice_manager"].name in learning  # the owner
    assert "5 June 2026" in learning  # the date
    links = [unquote(h) for h in re.findall(r'href="([^"#]+)"', learning)]
    assert links == ["records/cqc_compliance.csv", "records/cqc_compliance.xlsx", attached]
    assert all(link in names for link in links)  # every link of the pack leads somewhere
    every_link = {unquote(h) for h in re.findall(r'href="([^"#]+)"', html)}
    assert every_link <= set(names)
    safe = section(html, "kq-safe")
    assert "Legionella policy: review overdue since 3 May 2026" in safe  # a gap
    governance = section(html, "st-governance_management_and_sustainability")
    assert "Fire safety policy v3 adopted" in governance
    assert 'href="summaries/policies.csv"' in governance  # a source's item: its tables
    assert "Hill Surgery" not in html

    assert (summary.records, summary.attachments, summary.tables) == (3, 1, 2)
    assert summary.files == len(names) and summary.bytes == target.stat().st_size
    assert summary.items == 2  # the log's record and the fake source's item
    assert summary.seconds > 0 and "A00001" in summary.line()
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "evidence_pack_built"))
    assert entry is not None and entry.actor_id == users["pcn_manager"].id
    assert entry.changes[0]["pointer"] == "/organisations/A00001/inspection_pack"
    assert entry.changes[0]["files"] == len(names)


def test_attachment_names_cannot_leave_their_folder_and_missing_files_are_listed(
    app, db_session, world, orgs, tmp_path: Path
) -> None:
    a1 = world.practice
    evil = add_attachment(
        db_session, app.config["UPLOADS_DIR"], "cqc_compliance", a1, "../../x.sh", b"x"
    )
    gone = add_attachment(
        db_session, tmp_path / "elsewhere", "cqc_compliance", a1, "gone.pdf", b"g"
    )
    other = add_attachment(
        db_session, app.config["UPLOADS_DIR"], "cqc_compliance", orgs["A00002"], "theirs.pdf", b"t"
    )
    world.kept.data = {**world.kept.data, "attachment": evil.id, "also": [gone.id, other.id]}
    db_session.commit()

    out = io.BytesIO()
    summary = build(db_session, app, world, out)

    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        html = archive.read("index.html").decode()
    assert f"attachments/{world.kept.id}/x.sh" in names
    assert not any(".." in n or n.startswith("/") or "\\" in n for n in names)
    assert not any(n.endswith("theirs.pdf") for n in names)  # another practice's file
    assert "gone.pdf <strong>(the file store no longer holds this file)</strong>" in html
    assert summary.attachments == 1 and summary.bytes == len(out.getvalue())


def test_an_unknown_practice_or_framework_is_refused_before_anything_is_written(
    app, db_session, world, orgs, tmp_path: Path
) -> None:
    with pytest.raises(PackRefused, match="No organisation has the ODS code 'ZZZ999'"):
        practice_for_pack(db_session, "ZZZ999")
    with pytest.raises(PackRefused, match="North PCN \\(U00001\\) is a pcn, not a practice"):
        practice_for_pack(db_session, "U00001")
    assert practice_for_pack(db_session, " a00001 ") == world.practice

    target = tmp_path / "pack.zip"
    with pytest.raises(UnknownFramework, match="framework 'nice-qs' is not loaded"):
        build_pack(db_session, world.practice, "nice-qs", target, now=NOW)
    with pytest.raises(PackRefused):
        build_pack(db_session, orgs["U00001"], "cqc-saf", target, now=NOW)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_half_way_leaves_the_previous_file_and_no_partial_one(
    app, db_session, world, tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "pack.zip"
    target.write_bytes(b"last week's pack")
    monkeypatch.setitem(sources.SOURCES, "fake", FakeSource(fail=True))

    with pytest.raises(RuntimeError, match="the document store is unavailable"):
        build(db_session, app, world, target)

    assert target.read_bytes() == b"last week's pack"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.zip"]


def test_a_person_gets_only_the_records_they_may_read(
    app, db_session, world, users, tmp_path: Path
) -> None:
    # A00001's manager cannot read A00002's records: the peer review about them is left out.
    target = tmp_path / "pack.zip"
    build(db_session, app, world, target, actor=users["practice_manager"])
    with zipfile.ZipFile(target) as archive:
        checks = csv_rows(archive, "records/cqc_checks.csv")
    assert [int(r["id"]) for r in checks] == [world.check.id]


def test_an_item_links_to_its_record_files_only_when_its_record_is_in_the_pack() -> None:
    index = PackIndex(org=None, assessment=None, since=NOW, now=NOW, built_by="test")  # type: ignore[arg-type]
    index.apps["cqc_x"] = AppFiles(
        "cqc_x", "X log", 1, ["records/cqc_x.csv"], "records/cqc_x.xlsx", {7}
    )
    table = PackTable("policies", "Policies", ["Policy"])
    index.summaries.append(SummaryFile(table, "documents", "summaries/policies.csv", "Policies"))

    def item(source: str, app_id: str | None, record_id: int | None) -> EvidenceItem:
        return EvidenceItem(1, "cqc-saf", ("safeguarding",), "processes", "t", NOW, source,
                            app_id=app_id, record_id=record_id)  # fmt: skip

    assert [link.href for link in index.item_links(item("records", "cqc_x", 7))] == [
        "records/cqc_x.csv",
        "records/cqc_x.xlsx",
    ]
    assert index.item_links(item("records", "cqc_x", 8)) == []  # a record left out
    assert [link.href for link in index.item_links(item("documents", None, None))] == [
        "summaries/policies.csv"
    ]
