"""``miniapps mail catch``: a local SMTP server for development that keeps every message.

``make run`` starts it beside the scheduler and points ``SMTP_HOST``/``SMTP_PORT`` at it,
so emails really go through SMTP and can be read: each message is written as it was
received to ``DIR/<UTC time>-<n>.eml`` (open it in any mail client, or read it as text),
and the outbox row it was sent from keeps the same subject and body (``/admin/outbox``).
It listens on loopback only and never relays anything onwards.

aiosmtpd (the ``dev`` extra) is imported only when the command runs, so an installation
without it still starts.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup

from miniapps.services.notifications.mail_catcher import is_loopback, start_catcher

mail_group = AppGroup("mail", help="Email in development: a local SMTP catcher.")


@mail_group.command("catch")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address.")
@click.option("--port", default=1025, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where messages are kept (default: instance/mail).",
)
def catch(host: str, port: int, directory: Path | None) -> None:
    """Receive email on HOST:PORT and keep each message as an .eml file, until SIGTERM
    or Ctrl-C. For development: point MINIAPPS_SMTP_HOST/MINIAPPS_SMTP_PORT at it."""
    if not is_loopback(host):
        raise click.BadParameter("the catcher listens on loopback only", param_hint="--host")
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        raise click.ClickException(
            "aiosmtpd is not installed: pip install -e '.[dev]' (make run does)"
        ) from None
    directory = directory or Path(current_app.instance_path) / "mail"
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        controller = start_catcher(host, port, directory, lambda line: click.echo(line, err=True))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    try:
        click.echo(f"catching email on {host}:{port} into {directory}", err=True)
        stop.wait()
    finally:
        controller.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
