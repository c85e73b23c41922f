"""Webhook signature checks (pure): Shopify, WooCommerce and Accord's own ``t=…,v1=…`` scheme."""

from __future__ import annotations

import base64
import hashlib
import hmac

REPLAY_WINDOW_SECONDS = 300


def _b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_signature(secret: str, body: bytes) -> str:
    """X-Shopify-Hmac-Sha256: base64 of the HMAC-SHA256 of the raw body with the app's shared secret."""
    return _b64_hmac(secret, body)


def verify_shopify(secret: str, body: bytes, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(shopify_signature(secret, body), (header or "").strip())


def woocommerce_signature(secret: str, body: bytes) -> str:
    """X-WC-Webhook-Signature: base64 of the HMAC-SHA256 of the raw body with the webhook's secret."""
    return _b64_hmac(secret, body)


def verify_woocommerce(secret: str, body: bytes, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(woocommerce_signature(secret, body), (header or "").strip())


def accord_signature(secret: str, body: bytes, timestamp: int) -> str:
    """``Accord-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`` (also used for outgoing webhooks)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_accord(
    secret: str, body: bytes, header: str | None, now_unix: int, window: int = REPLAY_WINDOW_SECONDS
) -> str | None:
    """None when valid; else the reason (``malformed``, ``expired``, ``mismatch``)."""
    if not header:
        return "missing"
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return "malformed"
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return "malformed"
    if abs(now_unix - timestamp) > window:
        return "expired"
    expected = accord_signature(secret, body, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        return "mismatch"
    return None
