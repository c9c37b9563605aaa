"""The scheduler process: APScheduler with a database job store, behind a lease.

Several schedulers may be started (two hosts, a restart overlapping the old process);
only the holder of the ``scheduler`` lease runs an APScheduler, so the job store is only
ever driven by one scheduler, as APScheduler 3 requires. The others idle and retry the
lease every third of its lifetime. Each job run renews the lease first and is skipped
if it was lost; the outbox claims messages itself, so even an overlapping run sends
each message once.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from miniapps.db import db, make_engine
from miniapps.scheduler import lease
from miniapps.scheduler.jobs import JOBS, interval

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
JOBS_TABLE = "scheduler_jobs"
Clock = Callable[[], datetime]

# Job-store rows name a function by import path and pickle their arguments, so the live
# Flask app cannot travel with them: running schedulers register here by holder id.
_RUNNERS: dict[str, SchedulerProcess] = {}


@dataclass
class OnceResult:
    holder: str
    acquired: bool
    results: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class SchedulerProcess:
    def __init__(self, app: Flask, *, clock: Clock | None = None, holder: str | None = None):
        self.app = app
        self.clock = clock or _utcnow
        self.holder = holder or default_holder()
        self.ttl_seconds = float(app.config["SCHEDULER_LEASE_SECONDS"])
        self._scheduler: BackgroundScheduler | None = None
        self._store_engine: Engine | None = None

    @property
    def active(self) -> bool:
        return self._scheduler is not None

    def try_lease(self) -> bool:
        """Take or renew the lease; a busy database counts as "not now"."""
        try:
            with db.transaction(self.app) as session:
                return lease.acquire(
                    session,
                    LEASE_NAME,
                    self.holder,
                    timedelta(seconds=self.ttl_seconds),
                    now=self.clock(),
                )
        except OperationalError as exc:
            log.warning("scheduler %s could not reach the lease: %s", self.holder, exc)
            return False

    def release(self) -> None:
        try:
            with db.transaction(self.app) as session:
                lease.release(session, LEASE_NAME, self.holder)
        except OperationalError as exc:  # it expires by itself
            log.warning("scheduler %s could not release the lease: %s", self.holder, exc)

    def run_job(self, name: str) -> object | None:
        """Run job ``name`` now if this scheduler holds (and renews) the lease."""
        if not self.try_lease():
            log.info("job %s skipped: scheduler %s does not hold the lease", name, self.holder)
            return None
        with self.app.app_context():
            return JOBS[name].run(self.app, self.clock())

    def run_once(self) -> OnceResult:
        """Every job once, under the lease, then give the lease up (``--once``, cron)."""
        outcome = OnceResult(self.holder, acquired=self.try_lease())
        if not outcome.acquired:
            return outcome
        try:
            for name, job in JOBS.items():
                try:
                    with self.app.app_context():
                        outcome.results[name] = job.run(self.app, self.clock())
                except Exception as exc:  # one broken job must not stop the others
                    log.exception("job %s failed", name)
                    outcome.errors[name] = f"{type(exc).__name__}: {exc}"
        finally:
            self.release()
        return outcome

    def run_forever(self, stop: threading.Event) -> None:
        """Hold the lease and run the jobs, or wait for the lease, until ``stop`` is set."""
        _RUNNERS[self.holder] = self
        heartbeat = self.ttl_seconds / 3
        try:
            while True:
                if self.try_lease():
                    self._activate()
                else:
                    self._deactivate()
                if stop.wait(heartbeat):
                    break
        finally:
            self._deactivate()
            self.release()
            _RUNNERS.pop(self.holder, None)
            log.info("scheduler %s stopped", self.holder)

    def _activate(self) -> None:
        if self._scheduler is not None:
            return
        self._store_engine = make_engine(self.app.config["DATABASE_URL"])
        store = SQLAlchemyJobStore(engine=self._store_engine, tablename=JOBS_TABLE)
        scheduler = BackgroundScheduler(
            timezone=UTC,
            jobstores={"default": store},
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        scheduler.start(paused=True)
        self._sync_jobs(scheduler)
        scheduler.resume()
        self._scheduler = scheduler
        log.info("scheduler %s holds the lease: running %s", self.holder, ", ".join(JOBS))

    def _sync_jobs(self, scheduler: BackgroundScheduler) -> None:
        """Point the stored jobs at this scheduler, keeping their next run times, so a run
        missed while no scheduler was up happens once (coalesce) on start."""
        for name in JOBS:
            every = interval(self.app, name)
            trigger = IntervalTrigger(seconds=every.total_seconds(), timezone=UTC)
            # Late by up to one interval still runs; coalescing makes any backlog one run.
            options = {
                "kwargs": {"holder": self.holder, "name": name},
                "misfire_grace_time": max(int(every.total_seconds()), 60),
            }
            existing = scheduler.get_job(name)
            if existing is None:
                scheduler.add_job(
                    run_registered_job,
                    trigger,
                    id=name,
                    name=name,
                    next_run_time=datetime.now(UTC),
                    **options,
                )
                continue
            scheduler.modify_job(name, func=run_registered_job, **options)
            if getattr(existing.trigger, "interval", None) != every:
                scheduler.reschedule_job(name, trigger=trigger)
        for job in scheduler.get_jobs():
            if job.id not in JOBS:
                job.remove()

    def _deactivate(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)
            # APScheduler disposes the job store's engine before its thread's last pass
            # over the store: dispose again so no connection outlives the scheduler.
            if self._store_engine is not None:
                self._store_engine.dispose()
            log.info("scheduler %s is idle", self.holder)


def run_registered_job(holder: str, name: str) -> object | None:
    """What the job store calls: the job ``name`` of the running scheduler ``holder``."""
    runner = _RUNNERS.get(holder)
    if runner is None:
        log.warning("job %s skipped: scheduler %s is not running here", name, holder)
        return None
    return runner.run_job(name)


def run_scheduler(
    app: Flask,
    *,
    clock: Clock | None = None,
    once: bool = False,
    stop: threading.Event | None = None,
    holder: str | None = None,
) -> OnceResult | None:
    """Run the scheduler: every job once (``once``), or until ``stop`` is set."""
    process = SchedulerProcess(app, clock=clock, holder=holder)
    if once:
        return process.run_once()
    process.run_forever(stop or threading.Event())
    return None
