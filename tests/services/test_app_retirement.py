"""Retiring an app: who may, what it stops (new records through the form, the API and
imports; return reminders and what is owed) and what it keeps (the app listed and
marked retired, its records readable and exportable); the version history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from miniapps.models import App, AuditEntry, OutboxMessage, Record
from miniapps.services import app_visibility
from miniapps.services import apps as app_service
from miniapps.services.app_retirement import (
    AppRetired,
    RetireRefused,
    may_retire,
    retire_app,
    version_history,
)
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.records import lifecycle
from miniapps.services.returns import tracking
from miniapps.services.returns.reminders import queue_reminders
from sqlalchemy import func, select

from tests.conftest import load_example
from tests.publishing import publish_app
from tests.sample_definitions import MONTHLY_RETURN

MESSAGE = "Vaccine fridge log is retired: no new records can be added"


@pytest.fixture
def north_fridge(db_session, orgs):
    """The fridge log published to North PCN (its PCN manager may change it)."""
    return publish_app(db_session, load_example("fridge_log"), [orgs["U00001"]])


def add_reading(db_session, users, orgs, app: App, reading: float = 4) -> Record:
    user = users["practice_manager"]
    return lifecycle.create_record(
        db_session, Access(user), app, orgs["A00001"], {"reading": reading}, submit=True, actor=user
    )


def count(db_session, app_id: str = "fridge_log") -> int:
    return db_session.scalar(select(func.count(Record.id)).where(Record.app_id == app_id))


def test_the_pcn_manager_retires_their_app_audited(db_session, users, north_fridge):
    pcn = users["pcn_manager"]
    assert may_retire(db_session, Access(pcn), north_fridge)
    retire_app(db_session, Access(pcn), pcn, north_fridge)
    assert north_fridge.status == "retired"
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "retire")).one()
    assert (entry.app_id, entry.actor_id, entry.changes) == (
        "fridge_log",
        pcn.id,
        [{"pointer": "/status", "old": "published", "new": "retired"}],
    )
    with pytest.raises(RetireRefused, match="is retired, so it cannot be retired"):
        retire_app(db_session, Access(pcn), pcn, north_fridge)


@pytest.mark.parametrize("role", ["practice_manager", "practice_staff", "icb_viewer"])
def test_those_who_may_not_publish_may_not_retire(db_session, users, north_fridge, role):
    user = users[role]
    assert not may_retire(db_session, Access(user), north_fridge)
    with pytest.raises(Forbidden, match="You may not retire Vaccine fridge log"):
        retire_app(db_session, Access(user), user, north_fridge)
    assert north_fridge.status == "published"


def test_a_pcn_manager_may_not_retire_an_app_published_above_their_pcn(
    db_session, users, orgs, fridge_app
):
    pcn = users["pcn_manager"]
    with pytest.raises(Forbidden, match=r"also published to Test ICB \(QWE\)"):
        retire_app(db_session, Access(pcn), pcn, fridge_app)
    retire_app(db_session, Access(users["platform_admin"]), users["platform_admin"], fridge_app)
    assert fridge_app.status == "retired"


def test_no_new_record_once_retired_but_old_ones_stay_readable(
    db_session, users, orgs, north_fridge
):
    kept = add_reading(db_session, users, orgs, north_fridge)
    retire_app(db_session, Access(users["pcn_manager"]), None, north_fridge)
    with pytest.raises(AppRetired, match=MESSAGE) as caught:
        add_reading(db_session, users, orgs, north_fridge, 5)
    assert caught.value.kind == "conflict"
    assert count(db_session) == 1
    reader = Access(users["practice_manager"])
    assert north_fridge in app_visibility.visible_apps(db_session, reader)
    assert app_visibility.sees_app(db_session, reader, north_fridge)
    from miniapps.services.records.listing import visible_app, visible_record

    assert visible_app(db_session, reader, "fridge_log") is north_fridge
    assert visible_record(db_session, reader, kept.id) is kept


def test_a_record_before_retiring_may_still_be_edited(db_session, users, orgs, north_fridge):
    user = users["practice_manager"]
    draft = lifecycle.create_record(
        db_session, Access(user), north_fridge, orgs["A00001"], {"reading": 3}, actor=user
    )
    retire_app(db_session, Access(users["pcn_manager"]), None, north_fridge)
    lifecycle.update_record(
        db_session, Access(user), draft, {"reading": 6}, expected_version=draft.version, actor=user
    )
    assert draft.data == {"reading": 6}


def test_an_import_is_refused_before_reading_the_file(db_session, users, orgs, north_fridge):
    retire_app(db_session, Access(users["pcn_manager"]), None, north_fridge)
    for dry_run in (True, False):
        with pytest.raises(AppRetired, match=MESSAGE):
            import_records(
                db_session,
                Access(users["practice_manager"]),
                north_fridge,
                b"ods,reading\nA00001,4\n",
                "readings.csv",
                dry_run=dry_run,
                actor=users["practice_manager"],
            )
    assert count(db_session) == 0


def test_reminders_stop_and_nothing_is_owed(db_session, users, orgs):
    monthly = publish_app(db_session, MONTHLY_RETURN, [orgs["U00001"]], since=date(2025, 1, 1))
    now = datetime(2025, 5, 14, 9, tzinfo=UTC)  # April's return overdue, May's due soon
    pm = users["practice_manager"]
    owed = tracking.due_for(db_session, Access(pm), orgs["A00001"], now.date(), [monthly])
    assert owed  # before: something is owed
    retire_app(db_session, Access(users["pcn_manager"]), None, monthly)
    assert tracking.due_for(db_session, Access(pm), orgs["A00001"], now.date(), [monthly]) == []
    queue_reminders(db_session, now, base_url="https://example.nhs.uk")
    db_session.flush()
    assert db_session.scalars(select(OutboxMessage)).all() == []
    monthly.status = "published"  # the same, not retired: April's return is escalated
    queue_reminders(db_session, now, base_url="https://example.nhs.uk")
    db_session.flush()
    assert db_session.scalars(select(OutboxMessage)).all() != []


def test_publishing_a_new_version_brings_it_back(db_session, users, orgs, north_fridge):
    retire_app(db_session, Access(users["pcn_manager"]), None, north_fridge)
    publish_app(db_session, load_example("fridge_log") | {"version": 2}, [orgs["U00001"]])
    assert north_fridge.status == "published"
    add_reading(db_session, users, orgs, north_fridge)
    assert count(db_session) == 1


def test_version_history_names_the_publishers_newest_first(db_session, users, orgs):
    raw = load_example("fridge_log")
    pcn = users["pcn_manager"]
    app_service.publish_raw(db_session, raw, targets=None, actor=pcn, access=Access(pcn))
    publish_app(db_session, raw | {"version": 2, "title": "Fridge log"}, [orgs["U00001"]])
    app = db_session.get(App, "fridge_log")
    history = version_history(db_session, app)
    assert [(v.version, v.title, v.published_by) for v in history] == [
        (2, "Fridge log", None),
        (1, "Vaccine fridge log", "Pcn Manager"),
    ]
    assert all(v.published_at is not None and len(v.content_hash) == 64 for v in history)


def test_record_deadlines_are_chased_no_more(db_session, users, orgs):
    from datetime import timedelta

    from miniapps.services.records.deadline_reminders import chase_deadlines

    from tests.cqc_deadlines import complaint, complaints_definition, ensure_saf

    ensure_saf(db_session)
    app = publish_app(db_session, complaints_definition(), [orgs["U00001"]])
    today = date.today()
    complaint(db_session, app, orgs["A00001"], users["practice_staff"], today - timedelta(days=10))
    retire_app(db_session, Access(users["platform_admin"]), None, app)
    now = datetime.now(UTC)
    assert chase_deadlines(db_session, now, "https://example.nhs.uk").emails == 0
    app.status = "published"  # the same, not retired: the late acknowledgement is chased
    assert chase_deadlines(db_session, now, "https://example.nhs.uk").emails > 0
