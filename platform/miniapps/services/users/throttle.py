"""The sign-in throttle: failures counted per client address and per account, with an
exponential back-off instead of a lock-out.

Each key has ``free`` failures; after those, every further failure makes the key wait
``first_wait`` seconds, then twice that, and so on up to ``max_wait``. A key's count is
forgotten ``forget`` seconds after its last failure; a successful sign-in forgets the
account's (not the client's: signing in to one's own account must not buy an attacker
more guesses at others). Unknown addresses are counted like known ones, so the throttle
says nothing about which exist. The counters live in the database (every worker sees
them); each write is one short transaction of upserts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from miniapps.models import SignInThrottle
from miniapps.services.users.units import as_utc


@dataclass(frozen=True)
class ThrottlePolicy:
    account_free: int = 5
    client_free: int = 20
    first_wait: float = 1.0
    max_wait: float = 300.0
    forget: float = 900.0

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> ThrottlePolicy:
        def number(key: str, default: float) -> float:
            value = config.get(key, default)
            return float(value) if isinstance(value, int | float | str) else default

        return cls(
            account_free=int(number("LOGIN_MAX_FAILURES", cls.account_free)),
            client_free=int(number("LOGIN_CLIENT_MAX_FAILURES", cls.client_free)),
            first_wait=number("LOGIN_FIRST_WAIT_SECONDS", cls.first_wait),
            max_wait=number("LOGIN_MAX_WAIT_SECONDS", cls.max_wait),
            forget=number("LOGIN_WINDOW_SECONDS", cls.forget),
        )

    def wait_after(self, failures: int, free: int) -> timedelta:
        """How long a key with ``failures`` recent failures (``free`` allowed) waits."""
        if failures < free:
            return timedelta(0)
        doublings = min(failures - free, 40)
        return timedelta(seconds=min(self.max_wait, self.first_wait * 2**doublings))


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


def account_key(email: str) -> str:
    return _key("account", email.strip().lower())


def client_key(address: str) -> str:
    return _key("client", address)


def seconds_to_wait(
    session: Session, limits: Mapping[str, int], policy: ThrottlePolicy, now: datetime
) -> float:
    """The longest wait among ``limits`` (key → free failures); 0 when none must wait."""
    rows = session.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(list(limits))))
    longest = 0.0
    for row in rows:
        last = as_utc(row.last_failure_at)
        if (now - last).total_seconds() > policy.forget:
            continue
        until = last + policy.wait_after(row.failures, limits[row.key])
        longest = max(longest, (until - now).total_seconds())
    return longest


def record_failure(
    session: Session, keys: Iterable[str], policy: ThrottlePolicy, now: datetime
) -> None:
    """Count one failure against each key: one upsert each, in key order (so two
    transactions never wait on each other in a circle); flush only."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = cast(Table, SignInThrottle.__table__)
    forgotten = now - timedelta(seconds=policy.forget)
    for key in sorted(set(keys)):
        statement = insert(table).values(key=key, failures=1, last_failure_at=now)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "failures": case(
                        (table.c.last_failure_at < forgotten, 1),
                        else_=table.c.failures + 1,
                    ),
                    "last_failure_at": now,
                },
            )
        )


def forget_key(session: Session, key: str) -> None:
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == key))


def clear_stale(session: Session, policy: ThrottlePolicy, now: datetime) -> None:
    """Drop counters nobody will look at again (their failures are forgotten)."""
    cutoff = now - timedelta(seconds=policy.forget + policy.max_wait)
    session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < cutoff))
