"""SMTP transport for the outbox: settings from the app config and one session per batch."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    mail_from: str = "miniapps <no-reply@localhost>"
    timeout: float = 10

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpConfig:
        def text(key: str) -> str | None:  # env values may arrive as JSON numbers
            value = config.get(key)
            return None if value in (None, "") else str(value)

        return cls(
            host=text("SMTP_HOST"),
            port=int(config.get("SMTP_PORT") or 25),
            starttls=bool(config.get("SMTP_STARTTLS")),
            username=text("SMTP_USERNAME"),
            password=text("SMTP_PASSWORD"),
            mail_from=text("MAIL_FROM") or cls.mail_from,
            timeout=float(config.get("SMTP_TIMEOUT") or 10),
        )


class SmtpConnection:
    """One SMTP session for a batch, opened on first use and reopened after a failure.

    If the server cannot be reached, the rest of the batch fails with the same error at
    once rather than waiting for a timeout per message.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: str | None = None

    @property
    def unreachable(self) -> bool:
        return self._unreachable is not None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def send(self, email: EmailMessage) -> tuple[str | None, bool]:
        """Hand ``email`` over; answer ``(error or None, whether retrying is pointless)``."""
        if self._unreachable is not None:
            return self._unreachable, False
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except OSError as exc:
                self._unreachable = _describe(exc)
                return self._unreachable, False
        try:
            refused = self._smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return _describe(exc), all(code >= 500 for code in codes)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            self._close()
            return _describe(exc), exc.smtp_code >= 500
        except OSError as exc:  # disconnected, timed out
            self._close()
            return _describe(exc), False
        if refused:
            return f"refused: {refused}", False
        return None, False

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config.host or "", config.port, timeout=config.timeout)
        try:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except OSError:
            smtp.close()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
