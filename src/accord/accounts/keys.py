"""API key format: ``acc_<prefix>_<secret>``. The prefix finds the row; only a SHA-256 of the whole key is stored
(the secret has 240 bits of entropy, so a fast hash is enough and keeps authentication off the hot path's CPU)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "acc_"
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes, so keys read back over the phone


def generate() -> tuple[str, str, str]:
    """Return (token, prefix, key_hash). The token is shown once and never stored."""
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    token = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(30)}"
    return token, prefix, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_prefix(token: str) -> str | None:
    if not token.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = token[len(KEY_PREFIX) :].partition("_")
    if not sep or len(prefix) != 10 or not secret:
        return None
    return prefix


def matches(token: str, key_hash: str) -> bool:
    return hmac.compare_digest(digest(token), key_hash)


def token_hash(token: str) -> str:
    """Hash of an invitation or reset token (same construction, separate name for readability at call sites)."""
    return digest(token)
