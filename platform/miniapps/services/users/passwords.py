"""Passwords: argon2id hashes, and a check that costs the same whoever is asked about.

An email address nobody has, an account that is deactivated or has no password yet:
the password is still verified, against a dummy hash of the same cost, so the time a
sign-in takes says nothing about whether the address exists.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10


class _Hashing:
    """The hasher in use and a dummy hash made with it (tests swap in a cheaper one)."""

    def __init__(self) -> None:
        self.hasher = PasswordHasher()
        self._dummy: tuple[PasswordHasher, str] | None = None

    def dummy_hash(self) -> str:
        if self._dummy is None or self._dummy[0] is not self.hasher:
            self._dummy = (self.hasher, self.hasher.hash(secrets.token_urlsafe(24)))
        return self._dummy[1]


_hashing = _Hashing()


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash and verify with ``hasher`` from now on (the test suite uses a cheap one)."""
    _hashing.hasher = hasher


def current_hasher() -> PasswordHasher:
    return _hashing.hasher


def hash_password(password: str) -> str:
    return _hashing.hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``. With no hash, the password is checked
    against a dummy hash anyway (always False), so both paths take the same time."""
    try:
        matched = _hashing.hasher.verify(stored_hash or _hashing.dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """The hash was made with other parameters than the hasher's (re-hash on sign-in)."""
    try:
        return _hashing.hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
