"""What is stored of a secret token: its sha256."""

from __future__ import annotations

import hashlib


def token_digest(token: str) -> str:
    """The sha256 of a secret token (API tokens, session ids, invitation links). They are
    long random strings, so a fast hash is enough (nothing to brute-force)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
