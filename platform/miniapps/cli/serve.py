"""``miniapps serve``: the production web server (gunicorn, run from code)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication

from miniapps.services.notifications.mail_catcher import is_loopback

WORKER_TIMEOUT_SECONDS = 60
KEEPALIVE_SECONDS = 5
WORKER_CLASS = "miniapps.cli.serve_worker.BufferedThreadWorker"


class GunicornServer(BaseApplication):
    """Gunicorn with its settings given in code; each worker builds its own app."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if self.cfg is not None and key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    # types-gunicorn's start_response is narrower than the WSGI one Flask accepts.
    def load(self) -> Flask:  # type: ignore[override]
        # Built in each worker (no preload), so no database connection crosses a fork.
        from miniapps.app import create_app

        return create_app()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes (each with its own threads).",
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads per worker: requests served at once by each worker.",
)
@with_appcontext
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Run the web application under gunicorn (production server).

    Gunicorn's threaded workers (gthread): each request holds one thread, so an open
    inbox's live stream (at most about a minute before the browser reconnects) ties up
    one thread, not a whole worker. Workers x threads requests run at once: count one for
    every open inbox page on top of the usual traffic. A request reaches a thread only
    once its head (and a body up to 256 KiB) has arrived, within deadlines, so slow or
    idle clients hold none (see miniapps.cli.serve_worker). In production, put a
    buffering proxy in front all the same (docs/security.md).

    Links in emails use BASE_URL (MINIAPPS_BASE_URL), not the address served: behind a
    proxy they differ. A local BASE_URL naming another port is warned about."""
    address = f"[{host}]" if ":" in host and not host.startswith("[") else host  # IPv6
    options = {
        "bind": f"{address}:{port}",
        "workers": workers,
        # gthread whose poller reads each request head (and a small body) before a
        # thread takes it, with deadlines: no slow or idle client can hold a thread.
        "worker_class": WORKER_CLASS,
        "threads": threads,
        # gthread's main loop, not a request, keeps a worker alive: a long event stream
        # is never mistaken for a hung worker. A worker silent for this long is restarted.
        "timeout": WORKER_TIMEOUT_SECONDS,
        # Idle keep-alive connections wait in the worker's poller, holding no thread.
        "keepalive": KEEPALIVE_SECONDS,
        # On stop, open event streams are cut after this long (browsers reconnect).
        "graceful_timeout": 10,
        "accesslog": "-",
        # No gunicornc control socket: one shared path per user, so two servers clash.
        "control_socket_disable": True,
    }
    base_url = str(current_app.config["BASE_URL"])
    click.echo(
        f"miniapps on http://{address}:{port} with {workers} worker(s) x {threads} thread(s)",
        err=True,
    )
    click.echo(f"links in emails: {base_url}", err=True)
    if _local_elsewhere(base_url, port):
        click.echo(
            f"warning: BASE_URL {base_url} is not port {port}: emails will link elsewhere; "
            f"set MINIAPPS_BASE_URL (make run sets it from HOST and PORT)",
            err=True,
        )
    GunicornServer(options).run()


def _local_elsewhere(base_url: str, port: int) -> bool:
    """Whether ``base_url`` is this machine (loopback) on a port other than ``port``."""
    parts = urlsplit(base_url)
    if not is_loopback(parts.hostname or ""):
        return False
    default = 443 if parts.scheme == "https" else 80
    return (parts.port or default) != port
