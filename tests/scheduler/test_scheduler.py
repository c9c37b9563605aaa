"""The scheduler: the lease, concurrent schedulers delivering each message once, failover,
and a job missed during downtime running once. Real SMTP server, real database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from miniapps.db import db, make_engine
from miniapps.models import DeliveryAttempt, OutboxMessage
from miniapps.scheduler import JOBS, OnceResult, ScheduledJob, SchedulerProcess, lease
from miniapps.scheduler.process import _RUNNERS, LEASE_NAME
from miniapps.services.notifications.outbox import DeliveryReport, deliver_due, queue_email
from miniapps.services.notifications.smtp import SmtpConfig
from sqlalchemy import func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
TTL = timedelta(seconds=60)
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


def _queue(app: Flask, count: int) -> None:
    with db.transaction(app) as session:
        for i in range(count):
            queue_email(session, to=f"p{i}@example.nhs.uk", subject=f"Message {i}", text="x")


def _wait_until(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _statuses(app: Flask) -> dict[str, int]:
    with db.new_session(app) as session:
        rows = session.execute(select(OutboxMessage.status, func.count()).group_by("status"))
        return {status: count for status, count in rows}


def _attempts(app: Flask) -> int:
    with db.new_session(app) as session:
        return session.scalar(select(func.count()).select_from(DeliveryAttempt)) or 0


def _in_threads(*targets: Callable[[], T]) -> list[T]:
    """Run the targets at the same moment in threads; return their results."""
    barrier = threading.Barrier(len(targets))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int, target: Callable[[], T]) -> None:
        try:
            barrier.wait()
            results[index] = target()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return [results[index] for index in range(len(targets))]


def _outbox(outcome: OnceResult) -> DeliveryReport:
    """What the outbox job reported in one run."""
    report = outcome.results["outbox"]
    assert isinstance(report, DeliveryReport)
    return report


# --- the lease ---------------------------------------------------------------------------


def test_only_one_holder_acquires_and_the_holder_renews(db_session: Session) -> None:
    assert lease.acquire(db_session, "jobs", "a", TTL, now=T0)
    assert not lease.acquire(db_session, "jobs", "b", TTL, now=T0 + timedelta(seconds=1))
    assert lease.acquire(db_session, "jobs", "a", TTL, now=T0 + timedelta(seconds=50))
    # Renewed at T0+50s: still a's at T0+61s, when the first term would have ended.
    assert not lease.acquire(db_session, "jobs", "b", TTL, now=T0 + timedelta(seconds=61))
    assert lease.holder_of(db_session, "jobs", now=T0 + timedelta(seconds=61)) == "a"


def test_an_expired_lease_is_handed_over(db_session: Session) -> None:
    assert lease.acquire(db_session, "jobs", "a", TTL, now=T0)
    later = T0 + TTL + timedelta(seconds=1)
    assert lease.holder_of(db_session, "jobs", now=later) is None
    assert lease.acquire(db_session, "jobs", "b", TTL, now=later)
    assert not lease.acquire(db_session, "jobs", "a", TTL, now=later)
    assert lease.holder_of(db_session, "jobs", now=later) == "b"


def test_a_released_lease_is_free_at_once(db_session: Session) -> None:
    assert lease.acquire(db_session, "jobs", "a", TTL, now=T0)
    lease.release(db_session, "jobs", "b")  # not b's to release
    assert not lease.acquire(db_session, "jobs", "b", TTL, now=T0)
    lease.release(db_session, "jobs", "a")
    assert lease.acquire(db_session, "jobs", "b", TTL, now=T0)


def test_two_schedulers_racing_for_a_new_lease_get_one_winner(shared_app: Flask) -> None:
    def take(holder: str) -> Callable[[], bool]:
        def attempt() -> bool:
            with db.transaction(shared_app) as session:
                return lease.acquire(session, "race", holder, TTL)

        return attempt

    assert sorted(_in_threads(take("a"), take("b"), take("c"))) == [False, False, True]


def test_the_clock_decides_who_holds_the_lease(shared_app: Flask) -> None:
    now = [T0]
    first = SchedulerProcess(shared_app, clock=lambda: now[0], holder="first")
    second = SchedulerProcess(shared_app, clock=lambda: now[0], holder="second")
    assert first.try_lease() and not second.try_lease()
    now[0] += timedelta(seconds=shared_app.config["SCHEDULER_LEASE_SECONDS"] + 1)
    assert second.try_lease() and not first.try_lease()


# --- once, concurrently ------------------------------------------------------------------


def test_two_schedulers_run_once_concurrently_and_deliver_each_message_once(
    shared_app: Flask, smtp_server
) -> None:
    _queue(shared_app, 6)
    first, second = SchedulerProcess(shared_app), SchedulerProcess(shared_app)
    outcomes = _in_threads(first.run_once, second.run_once)

    received = smtp_server.wait_for(6)
    time.sleep(0.2)  # a duplicate would arrive now
    assert len(smtp_server.messages) == 6
    assert len({m["Message-ID"] for m in received}) == 6
    assert _statuses(shared_app) == {"sent": 6} and _attempts(shared_app) == 6
    sent = sum(_outbox(o).sent for o in outcomes if o.acquired)
    assert sent == 6 and any(o.acquired for o in outcomes)


def test_concurrent_senders_without_the_lease_still_send_each_message_once(
    shared_app: Flask, smtp_server
) -> None:
    _queue(shared_app, 9)
    config = SmtpConfig.from_config(shared_app.config)

    def sender() -> object:
        sessions = lambda: db.new_session(shared_app)  # noqa: E731
        return [deliver_due(sessions, config, datetime.now(UTC), batch_size=2) for _ in range(6)]

    _in_threads(sender, sender, sender)
    smtp_server.wait_for(9)
    time.sleep(0.2)
    assert len(smtp_server.messages) == 9
    assert _statuses(shared_app) == {"sent": 9} and _attempts(shared_app) == 9


def test_run_once_passes_the_clock_to_the_jobs(shared_app: Flask, closed_port: int) -> None:
    shared_app.config["SMTP_PORT"] = closed_port
    _queue(shared_app, 1)
    now = [datetime.now(UTC) + timedelta(seconds=1)]
    process = SchedulerProcess(shared_app, clock=lambda: now[0])
    assert _outbox(process.run_once()).retrying == 1
    assert _outbox(process.run_once()).attempted == 0
    now[0] += timedelta(minutes=1)
    assert _outbox(process.run_once()).retrying == 1


# --- long-running ------------------------------------------------------------------------


class Running:
    """A scheduler running in a thread until stopped."""

    def __init__(self, app: Flask, holder: str) -> None:
        self.process = SchedulerProcess(app, holder=holder)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.process.run_forever, args=(self.stop_event,))
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(30)
        assert not self.thread.is_alive()


@pytest.fixture
def start(shared_app: Flask) -> Iterator[Callable[[str], Running]]:
    running: list[Running] = []

    def starter(holder: str) -> Running:
        running.append(Running(shared_app, holder))
        return running[-1]

    yield starter
    for scheduler in running:
        scheduler.stop()


def _holder(app: Flask) -> str | None:
    with db.new_session(app) as session:
        return lease.holder_of(session, LEASE_NAME)


def test_two_running_schedulers_one_acts_and_the_other_takes_over(
    shared_app: Flask, smtp_server, start
) -> None:
    first, second = start("first"), start("second")
    _wait_until(lambda: _holder(shared_app) is not None)
    _wait_until(lambda: first.process.active or second.process.active)
    _queue(shared_app, 3)
    smtp_server.wait_for(3)
    acting, idle = (first, second) if first.process.active else (second, first)
    assert not idle.process.active and _holder(shared_app) == acting.process.holder

    acting.stop()  # releases the lease: the other takes over within a heartbeat
    _wait_until(lambda: idle.process.active)
    _queue(shared_app, 2)
    smtp_server.wait_for(5)
    time.sleep(1.5)  # more than one outbox interval: duplicates would show now
    assert len(smtp_server.messages) == 5 and _attempts(shared_app) == 5
    assert _holder(shared_app) == idle.process.holder
    idle.stop()
    assert _holder(shared_app) is None and _RUNNERS == {}


def test_a_job_missed_during_downtime_runs_once(shared_app: Flask, start, monkeypatch) -> None:
    runs: list[datetime] = []
    monkeypatch.setitem(
        JOBS, "count", ScheduledJob(lambda app, now: runs.append(now), timedelta(hours=1), "")
    )
    first = start("first")
    _wait_until(lambda: len(runs) == 1)  # a new job runs on start
    first.stop()

    # Downtime: the job was due five hours ago, and every hour since. (Edited in the job
    # store directly: a started scheduler would process the due job when shut down.)
    store = SQLAlchemyJobStore(
        engine=make_engine(shared_app.config["DATABASE_URL"]), tablename="scheduler_jobs"
    )
    store.start(BackgroundScheduler(timezone=UTC), "default")
    job = store.lookup_job("count")
    job._modify(next_run_time=datetime.now(UTC) - timedelta(hours=5))
    store.update_job(job)
    store.shutdown()

    start("second")
    _wait_until(lambda: len(runs) == 2)
    time.sleep(1.5)
    assert len(runs) == 2  # coalesced: once, not five times
