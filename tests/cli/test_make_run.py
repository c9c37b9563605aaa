"""``make run`` (and ``make demo``) with HOST and PORT: the demo, the scheduler and the web
server agree on the base URL, the scheduler delivers to the local mail catcher, and the
banner says where to sign in and read emails. Each ``miniapps`` command is a stand-in
that prints the environment it was given; nothing is installed or built."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _make(tmp_path: Path, *args: str, base_url: str | None = None) -> str:
    fake = tmp_path / "bin"
    fake.mkdir(parents=True)
    script = fake / "miniapps"
    # The stand-in for ``serve`` waits (10 s at most) until the background commands have
    # printed: make's EXIT trap would otherwise stop them before they do.
    script.write_text(
        "#!/bin/sh\n"
        'echo "miniapps $* BASE=$MINIAPPS_BASE_URL SMTP=$MINIAPPS_SMTP_HOST:$MINIAPPS_SMTP_PORT"\n'
        f'touch "{fake}/done-$1"\n'
        'if [ "$1" = serve ]; then i=0; while [ $i -lt 100 ] && '
        f'! {{ [ -e "{fake}/done-scheduler" ] && [ -e "{fake}/done-mail" ]; }}; '
        "do sleep 0.1; i=$((i+1)); done; fi\n"
    )
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIAPPS_")}
    if base_url is not None:
        env["MINIAPPS_BASE_URL"] = base_url
    # -o: take the installed venv and the built assets as they are (never rebuilt here).
    old = ["-o", ".venv/.installed", "-o", "platform/miniapps/static/vendor/.built"]
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", *old, *args, f"BIN={fake}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_make_run_uses_host_and_port_everywhere(tmp_path: Path) -> None:
    out = _make(tmp_path, "run", "PORT=5077", "MAIL_PORT=2526")
    base = "BASE=http://127.0.0.1:5077"
    assert f"miniapps demo load {base}" in out
    assert f"miniapps scheduler {base} SMTP=127.0.0.1:2526" in out
    assert f"miniapps mail catch --port 2526 --dir instance/mail {base}" in out
    assert f"miniapps serve --host 127.0.0.1 --port 5077 {base}" in out
    assert "Sign in at http://127.0.0.1:5077 " in out
    assert "Emails: http://127.0.0.1:5077/admin/outbox (sign in as the admin" in out


def test_make_demo_takes_host_and_an_exported_base_url_wins(tmp_path: Path) -> None:
    assert "BASE=http://0.0.0.0:8000" in _make(tmp_path, "demo", "HOST=0.0.0.0", "PORT=8000")
    explicit = _make(tmp_path / "x", "demo", base_url="https://example.nhs.uk")
    assert "BASE=https://example.nhs.uk" in explicit
