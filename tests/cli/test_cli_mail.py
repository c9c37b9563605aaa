"""``miniapps mail catch``: the development SMTP catcher keeps each message as an .eml file."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from miniapps.services.notifications.mail_catcher import start_catcher

from tests.fixtures_mail import free_port


def _message(subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "miniapps <no-reply@miniapps.test>"
    message["To"] = "practice.manager@demo.miniapps.nhs.uk"
    message["Subject"] = subject
    message.set_content(body)
    return message


def _wait_for_files(directory: Path, count: int, timeout: float = 15) -> list[Path]:
    deadline = time.monotonic() + timeout
    while True:
        found = sorted(directory.glob("*.eml")) if directory.is_dir() else []
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"{len(found)} of {count} messages kept"
        time.sleep(0.05)


def _read(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_each_message_sent_by_smtp_is_kept_as_it_was_received(tmp_path: Path) -> None:
    port = free_port()
    directory = tmp_path / "mail"
    controller = start_catcher("127.0.0.1", port, directory)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(_message("Return due", "Open http://127.0.0.1:5077/apps/x/new"))
            smtp.send_message(_message("Second", "Another"))
        first, second = _wait_for_files(directory, 2)
    finally:
        controller.stop()
    assert _read(first)["Subject"] == "Return due"
    assert _read(first)["To"] == "practice.manager@demo.miniapps.nhs.uk"
    body = _read(first).get_body()
    assert body is not None and "http://127.0.0.1:5077/apps/x/new" in body.get_content()
    assert _read(second)["Subject"] == "Second"
    assert [p.name for p in directory.iterdir() if not p.name.endswith(".eml")] == []


def test_the_command_listens_on_loopback_only(runner) -> None:
    result = runner.invoke(args=["mail", "catch", "--host", "0.0.0.0", "--port", "2525"])
    assert result.exit_code == 2
    assert "loopback only" in result.output


def test_the_command_catches_mail_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    directory = tmp_path / "caught"
    env = {
        **os.environ,
        "MINIAPPS_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "MINIAPPS_SECRET_KEY": "test-secret",
        "MINIAPPS_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    command = [str(Path(sys.executable).parent / "miniapps"), "mail", "catch"]
    log = (tmp_path / "catch.log").open("w")
    process = subprocess.Popen(
        [*command, "--port", str(port), "--dir", str(directory)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "catch.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the catcher never listened"
                time.sleep(0.1)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(_message("Caught", "Hello"))
        [kept] = _wait_for_files(directory, 1)
        assert _read(kept)["Subject"] == "Caught"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, (tmp_path / "catch.log").read_text()
        output = (tmp_path / "catch.log").read_text()
        assert f"catching email on 127.0.0.1:{port} into {directory}" in output
        assert f"mail: Caught to practice.manager@demo.miniapps.nhs.uk -> {kept}" in output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
