"""A local SMTP server for development that keeps every message it receives.

Each message is written as it was received to ``DIR/<UTC time>-<n>.eml``; nothing is
relayed onwards. ``miniapps mail catch`` runs it (``make run`` starts that beside the
scheduler); aiosmtpd (the ``dev`` extra) is imported only when a catcher starts.
"""

from __future__ import annotations

import ipaddress
import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiosmtpd.controller import Controller


class MailCatcher:
    """aiosmtpd handler: every message received becomes one ``.eml`` file in ``directory``."""

    def __init__(self, directory: Path, report: Callable[[str], None] | None = None) -> None:
        self.directory = directory
        self.report = report  # told one line per message received
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        path = self.store(content)
        if self.report is not None:
            message = message_from_bytes(content, policy=policy.default)
            recipients = ", ".join(envelope.rcpt_tos)
            subject = str(message["Subject"] or "").strip()
            self.report(f"mail: {subject} to {recipients} -> {path}")
        return "250 Message accepted for delivery"

    def store(self, content: bytes) -> Path:
        """Write one message: to a hidden file first, then renamed, so a reader never sees
        half a message."""
        with self._lock:
            number = next(self._numbers)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.directory / f"{stamp}-{number:04d}.eml"
        partial = self.directory / f".{path.name}.part"
        partial.write_bytes(content)
        partial.replace(path)
        return path


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (the catcher listens nowhere else)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start_catcher(
    host: str, port: int, directory: Path, report: Callable[[str], None] | None = None
) -> Controller:
    """Start an SMTP server on ``host:port`` keeping messages in ``directory``; the caller
    stops it (``controller.stop()``)."""
    from aiosmtpd.controller import Controller

    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(MailCatcher(directory, report), hostname=host, port=port)
    controller.start()
    return controller
