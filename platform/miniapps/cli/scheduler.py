"""``miniapps scheduler``: the scheduler process (``--once`` for cron and tests)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from miniapps.scheduler import run_scheduler


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once, then exit (for cron).")
@with_appcontext
def scheduler(once: bool) -> None:
    """Run scheduled jobs (outbox delivery, ...) until SIGTERM or Ctrl-C.

    Start as many as you like: only the one holding the database lease acts.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        outcome = run_scheduler(app, once=True)
        assert outcome is not None
        if not outcome.acquired:
            click.echo("another scheduler holds the lease; nothing run")
            return
        for name, result in outcome.results.items():
            click.echo(f"{name}: {_describe(result)}")
        for name, error in outcome.errors.items():
            click.echo(f"{name}: failed: {error}", err=True)
        if outcome.errors:
            raise SystemExit(1)
        return
    if not app.config.get("SMTP_HOST"):
        click.echo("warning: SMTP_HOST is not set; emails stay queued until it is", err=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping the scheduler", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        click.echo("scheduler running; Ctrl-C or SIGTERM stops it", err=True)
        run_scheduler(app, stop=stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _describe(result: object) -> str:
    fields = getattr(result, "__dataclass_fields__", None)
    if fields:
        return ", ".join(f"{key} {getattr(result, key)}" for key in fields)
    return "done" if result is None else str(result)
