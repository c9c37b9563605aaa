"""``miniapps serve``: gunicorn configured from the command's options."""

from __future__ import annotations

from flask import Flask
from miniapps.cli import serve as serve_module
from miniapps.cli.serve import WORKER_CLASS, GunicornServer
from miniapps.cli.serve_worker import BufferedThreadWorker


def test_options_become_gunicorn_settings() -> None:
    server = GunicornServer({"bind": "0.0.0.0:8000", "workers": 3, "unknown": 1})
    assert server.cfg.bind == ["0.0.0.0:8000"]
    assert server.cfg.workers == 3


def test_serve_runs_gunicorn_with_host_port_and_workers(runner, monkeypatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(self: GunicornServer) -> None:
        seen.update(
            bind=self.cfg.bind,
            workers=self.cfg.workers,
            worker_class=self.cfg.worker_class_str,
            threads=self.cfg.threads,
        )

    monkeypatch.setattr(serve_module.GunicornServer, "run", fake_run)
    result = runner.invoke(args=["serve", "--host", "::1", "--port", "8080", "--workers", "4"])
    assert result.exit_code == 0, result.output
    # Threaded workers: an inbox's event stream holds a thread, not a whole worker; a
    # request reaches a thread only once it has arrived (tests/security/test_slow_clients).
    assert seen == {
        "bind": ["[::1]:8080"],
        "workers": 4,
        "worker_class": WORKER_CLASS,
        "threads": 8,
    }
    assert "4 worker(s) x 8 thread(s)" in result.stderr
    result = runner.invoke(args=["serve", "--threads", "32"])
    assert result.exit_code == 0 and seen["threads"] == 32, result.output
    assert runner.invoke(args=["serve", "--port", "0"]).exit_code == 2
    assert runner.invoke(args=["serve", "--threads", "0"]).exit_code == 2


def test_serve_help_explains_threads(runner) -> None:
    result = runner.invoke(args=["serve", "--help"])
    assert result.exit_code == 0
    assert "--threads" in result.output and "gthread" in result.output


def test_threaded_worker_settings_reach_gunicorn() -> None:
    server = GunicornServer(
        {"worker_class": WORKER_CLASS, "threads": 8, "timeout": 60, "keepalive": 5}
    )
    assert server.cfg.worker_class is BufferedThreadWorker and server.cfg.threads == 8
    assert (server.cfg.timeout, server.cfg.keepalive) == (60, 5)


def test_each_worker_loads_a_fresh_app(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MINIAPPS_SECRET_KEY", "test-secret")
    monkeypatch.setenv("MINIAPPS_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    assert isinstance(GunicornServer({}).load(), Flask)


def test_serve_names_the_base_url_and_warns_when_it_is_another_local_port(
    runner, app, monkeypatch
) -> None:
    monkeypatch.setattr(serve_module.GunicornServer, "run", lambda self: None)
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    result = runner.invoke(args=["serve", "--port", "5077"])
    assert result.exit_code == 0, result.output
    assert "links in emails: http://127.0.0.1:5000" in result.stderr
    assert "warning: BASE_URL http://127.0.0.1:5000 is not port 5077" in result.stderr
    for base_url in ("http://127.0.0.1:5077", "https://miniapps.example.nhs.uk"):
        monkeypatch.setitem(app.config, "BASE_URL", base_url)
        result = runner.invoke(args=["serve", "--port", "5077"])
        assert result.exit_code == 0 and "warning" not in result.stderr, result.stderr
