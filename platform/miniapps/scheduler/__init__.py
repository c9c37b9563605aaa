"""The scheduler: periodic jobs (outbox delivery, later reminders and escalations) run by
whichever ``miniapps scheduler`` process holds the lease."""

from miniapps.scheduler.jobs import JOBS, ScheduledJob
from miniapps.scheduler.process import OnceResult, SchedulerProcess, run_scheduler

__all__ = ["JOBS", "OnceResult", "ScheduledJob", "SchedulerProcess", "run_scheduler"]
