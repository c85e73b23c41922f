"""Webhook signatures (DESIGN §7): ``Accord-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``.

Pure functions, no Django: the same code signs our outgoing webhooks and documents how a receiver verifies them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Accord-Signature"
DEFAULT_TOLERANCE = 300  # seconds a receiver accepts between the signed time and its own clock


class SignatureError(ValueError):
    pass


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def compute(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1={compute(secret, timestamp, body)}"


def parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            if not value.isdigit():
                raise SignatureError("malformed timestamp")
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("missing t or v1")
    return timestamp, signatures


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = DEFAULT_TOLERANCE) -> int:
    """Check ``header`` against ``body``; return the signed timestamp or raise ``SignatureError``.

    Refuses timestamps further than ``tolerance`` seconds from ``now`` (replays of old deliveries).
    """
    timestamp, signatures = parse(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("signature mismatch")
    return timestamp


def backoff_seconds(attempt: int, base: float = 30.0, cap: float = 6 * 3600.0) -> float:
    """Delay before retry number ``attempt`` (1 = the retry after the first failure): base·2^(attempt-1), capped."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    return float(min(cap, base * 2 ** (attempt - 1)))
