"""``miniapps serve``: the production web server (gunicorn, run from code)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication


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
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Run the web application under gunicorn (production server)."""
    address = f"[{host}]" if ":" in host and not host.startswith("[") else host  # IPv6
    options = {"bind": f"{address}:{port}", "workers": workers, "accesslog": "-"}
    click.echo(f"miniapps on http://{host}:{port} with {workers} worker(s)", err=True)
    GunicornServer(options).run()
