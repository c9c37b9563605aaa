"""Frameworks stored centrally: idempotent, never changed once loaded, audited, replaced by data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from miniapps.core.errors import DefinitionInvalid
from miniapps.models import AuditEntry, Framework
from miniapps.services.compliance.frameworks import (
    FrameworkVersionTaken,
    load_framework,
    stored_frameworks,
    stored_row,
)
from sqlalchemy import func, select

from tests.core.compliance.test_frameworks import SAF_FILE, next_version


def saf() -> dict[str, Any]:
    return json.loads(SAF_FILE.read_text(encoding="utf-8"))


def count(db_session, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def test_load_stores_audits_and_loading_again_is_a_no_op(db_session, users) -> None:
    admin = users["platform_admin"]
    first = load_framework(db_session, saf(), source="saf-2024.json", actor=admin)
    db_session.commit()
    assert first.created and len(first.framework.statements) == 34
    row = stored_row(db_session, "cqc-saf", "2024")
    assert row is not None and row.id == first.row.id and row.loaded_by_id == admin.id
    assert row.title == "CQC single assessment framework" and len(row.content_hash) == 64
    assert [q["id"] for q in row.content["key_questions"]] == [  # file order kept
        "safe",
        "effective",
        "caring",
        "responsive",
        "well_led",
    ]
    audits = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "framework_loaded"))
    (audit,) = list(audits)
    assert audit.actor_id == admin.id and audit.record_id is None
    assert audit.changes[0]["pointer"] == "/frameworks/cqc-saf"
    assert audit.changes[0]["new"] == "2024" and audit.changes[0]["statements"] == 34

    again = load_framework(db_session, saf(), actor=admin)
    db_session.commit()
    assert not again.created and again.row.id == first.row.id
    assert count(db_session, Framework) == 1
    assert (
        db_session.scalar(select(func.count()).where(AuditEntry.action == "framework_loaded")) == 1
    )


def test_a_different_content_for_a_stored_version_is_refused(db_session) -> None:
    load_framework(db_session, saf())
    db_session.commit()
    changed = saf()
    changed["key_questions"][0]["statements"][0]["title"] = "Learning culture (edited)"
    with pytest.raises(FrameworkVersionTaken) as caught:
        load_framework(db_session, changed, source="f.json")
    assert caught.value.kind == "conflict"
    assert caught.value.lines()[0].startswith(
        "f.json:/version: cqc-saf version 2024 is already loaded with a different content"
    )
    db_session.rollback()
    row = stored_row(db_session, "cqc-saf", "2024")
    assert row is not None and count(db_session, Framework) == 1
    assert row.content["key_questions"][0]["statements"][0]["title"] == "Learning culture"


def test_a_next_version_is_a_data_load_checked_against_the_stored_one(db_session) -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        load_framework(db_session, next_version())  # 2024 not loaded yet
    assert [i.pointer for i in caught.value.issues] == ["/replaces/version"]
    assert "cqc-saf version 2024 is not loaded" in caught.value.issues[0].message

    load_framework(db_session, saf())
    stray = next_version()
    stray["replaces"]["mapping"]["not_a_2024_statement"] = ["is_led"]
    with pytest.raises(DefinitionInvalid) as caught:
        load_framework(db_session, stray)
    assert [(i.pointer, i.message) for i in caught.value.issues] == [
        (
            "/replaces/mapping/not_a_2024_statement",
            "'not_a_2024_statement' is not a statement of cqc-saf version 2024",
        )
    ]
    assert count(db_session, Framework) == 1

    later = load_framework(db_session, next_version())
    db_session.commit()
    assert later.created and later.framework.mapping["safeguarding"] == ()
    assert [(r.framework_id, r.version) for r in stored_frameworks(db_session)] == [
        ("cqc-saf", "2024"),
        ("cqc-saf", "2026-draft"),
    ]
    assert stored_frameworks(db_session, "other") == []
