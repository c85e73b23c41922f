"""Incoming Stripe webhooks: verify the ``Stripe-Signature`` header, then apply each event exactly once.

Verification is the ``stripe`` library's own HMAC check of ``t.body`` with the endpoint secret; the timestamp is then
checked against ``accord.core.clock`` (tolerance ``TOLERANCE_S`` either way), so a captured request cannot be replayed
later. Each applied event's id is stored unique (``StripeEvent``): a redelivery, or a replay of a still-fresh request,
is answered 200 "duplicate" and changes nothing. ``payment_intent.succeeded`` books the matching deposit into escrow
(``world → escrow:<campaign>``, through ``services.confirm_deposit``, whose ledger key is per deposit: at most once
even without the event table); ``payment_intent.payment_failed`` marks it failed. Other event types are recorded and
ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import stripe
from django.db import IntegrityError, transaction

from accord.core import clock
from accord.core.errors import DomainError
from accord.escrow import services, stripe_provider
from accord.escrow.models import Deposit, StripeEvent

TOLERANCE_S = 300


@dataclass(frozen=True)
class WebhookResult:
    status: str  # "applied" | "duplicate" | "ignored"
    event_id: str
    type: str
    outcome: str
    deposit_id: int | None = None


def _bad(message: str, code: str = "invalid_signature") -> DomainError:
    return DomainError(message, code=code, status=400)


def verify(payload: bytes, header: str | None, secret: str) -> dict[str, Any]:
    """The event, if ``header`` signs ``payload`` with ``secret`` at a time within ``TOLERANCE_S`` of now."""
    if not header:
        raise _bad("the Stripe-Signature header is missing")
    try:
        # tolerance=None: the library checks the signature only; the age is checked below against our clock.
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    except stripe.SignatureVerificationError as exc:
        raise _bad(f"the Stripe signature does not verify: {exc}") from None
    stamps = [part.split("=", 1)[1] for part in header.split(",") if part.startswith("t=")]
    try:
        timestamp = int(stamps[0])
    except (IndexError, ValueError):
        raise _bad("the Stripe-Signature header has no timestamp") from None
    if abs(clock.now().timestamp() - timestamp) > TOLERANCE_S:
        raise _bad("the Stripe signature's timestamp is outside the tolerance", code="stale_signature")
    try:
        event = json.loads(payload)
    except ValueError:
        raise _bad("the body is not JSON", code="invalid_payload") from None
    if not isinstance(event, dict) or event.get("object") != "event" or not isinstance(event.get("id"), str):
        raise _bad("the body is not a Stripe event", code="invalid_payload")
    return event


def handle(payload: bytes, header: str | None) -> WebhookResult:
    """Verify and apply one webhook delivery (one database transaction)."""
    secret = stripe_provider.webhook_secret()
    if not header:
        raise _bad("the Stripe-Signature header is missing")
    if not secret:
        raise DomainError("Stripe webhooks are not configured", code="stripe_not_configured", status=503)
    event = verify(payload, header, secret)
    event_id, event_type = event["id"][:255], str(event.get("type", ""))[:100]
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = StripeEvent.objects.create(event_id=event_id, type=event_type, outcome="received")
        except IntegrityError:
            seen = StripeEvent.objects.get(event_id=event_id)
            return WebhookResult("duplicate", event_id, event_type, seen.outcome, seen.deposit_id)
        outcome, detail, deposit = _apply(event_id, event_type, event)
        row.outcome, row.detail, row.deposit = outcome, detail[:500], deposit
        row.save(update_fields=["outcome", "detail", "deposit"])
    status = "applied" if deposit is not None and outcome in ("confirmed", "failed") else "ignored"
    return WebhookResult(status, event_id, event_type, outcome, deposit.pk if deposit else None)


def _intent(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return obj if isinstance(obj, dict) and obj.get("object") == "payment_intent" else {}


def _deposit_for(intent: dict[str, Any]) -> tuple[Deposit | None, str]:
    metadata = intent.get("metadata") if isinstance(intent.get("metadata"), dict) else {}
    raw_id = str((metadata or {}).get("deposit_id", ""))
    if not raw_id.isdigit():
        return None, "the PaymentIntent carries no deposit_id"
    deposit = Deposit.objects.filter(pk=int(raw_id), provider="stripe").first()
    if deposit is None:
        return None, f"no Stripe deposit {raw_id}"
    if deposit.provider_ref not in (None, "", intent.get("id")):
        return None, f"deposit {raw_id} belongs to PaymentIntent {deposit.provider_ref}, not {intent.get('id')}"
    return deposit, ""


def _apply(event_id: str, event_type: str, event: dict[str, Any]) -> tuple[str, str, Deposit | None]:
    if event_type not in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        return "ignored", f"event type {event_type} is not handled", None
    intent = _intent(event)
    if not intent:
        return "ignored", "the event carries no PaymentIntent", None
    deposit, why = _deposit_for(intent)
    if deposit is None:
        return "unknown_deposit", why, None
    if event_type == "payment_intent.succeeded":
        received, currency = intent.get("amount_received"), str(intent.get("currency", "")).upper()
        if (received, currency) != (deposit.amount, deposit.currency):
            # Never book a different amount than announced: an operator looks at it (visible as this outcome).
            return "amount_mismatch", f"received {received} {currency}, expected {deposit.amount}", deposit
        confirmed = services.confirm_deposit(
            None, deposit_id=deposit.pk, provider_ref=str(intent["id"]), source=f"stripe:{event_id}"
        )
        return "confirmed", "", confirmed
    error = intent.get("last_payment_error") if isinstance(intent.get("last_payment_error"), dict) else {}
    reason = str((error or {}).get("message") or "the card payment failed")
    failed = services.fail_deposit(deposit_id=deposit.pk, reason=reason)
    outcome = "failed" if failed.status == Deposit.Status.FAILED else f"ignored_{failed.status}"
    return outcome, reason, failed
