"""Stripe deposits: a card payment into a campaign's escrow through a PaymentIntent (official ``stripe`` package).

Starting a deposit creates a PaymentIntent (amount in minor units, the currency, the deposit and campaign ids in its
metadata, an idempotency key derived from the deposit) and hands its ``client_secret`` to the brand's checkout. The
deposit stays pending: money is booked into escrow only when Stripe's signed ``payment_intent.succeeded`` webhook
arrives (``accord.escrow.webhooks``). Pure code: no models.

Settings (read with defaults): ``ACCORD_STRIPE_API_KEY`` (secret key ``sk_…``; without it the provider is off) and
``ACCORD_STRIPE_WEBHOOK_SECRET`` (the endpoint's ``whsec_…``). ``HTTP_CLIENT`` is the transport seam: tests put a
client there that replays recorded Stripe responses, so the real library builds the real requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

import stripe
from django.conf import settings

from accord.escrow.providers import DepositStart, new_reference

HTTP_CLIENT: stripe.HTTPClient | None = None

# Refusals that asking again will not change: the deposit fails with Stripe's reason.
PERMANENT = (stripe.InvalidRequestError, stripe.PermissionError, stripe.CardError, stripe.IdempotencyError)


@dataclass(frozen=True)
class CheckoutStart:
    provider_ref: str  # the PaymentIntent id (pi_…)
    client_secret: str
    status: str


class ProviderRefused(Exception):
    """The provider refused the payment for good (bad amount, currency, account); ``str`` is its reason."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or failed on its side; asking again with the same key is safe."""


@runtime_checkable
class CheckoutProvider(Protocol):
    """A provider the payer pays through directly (card checkout), opened once the deposit row exists."""

    @property
    def name(self) -> str: ...

    def open_checkout(
        self, *, deposit_id: int, reference: str, amount: int, currency: str, campaign_id: int
    ) -> CheckoutStart: ...


def api_key() -> str:
    return str(getattr(settings, "ACCORD_STRIPE_API_KEY", "") or "")


def webhook_secret() -> str:
    return str(getattr(settings, "ACCORD_STRIPE_WEBHOOK_SECRET", "") or "")


def make_client(key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, http_client=HTTP_CLIENT, max_network_retries=0 if HTTP_CLIENT else 2)


class StripeDepositProvider:
    """Card deposits through Stripe PaymentIntents; the reference ties the payment to the deposit like a bank one."""

    name: ClassVar[str] = "stripe"

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def start_deposit(self, *, amount: int, currency: str, campaign_id: int) -> DepositStart:
        reference = new_reference()
        return DepositStart(reference, {"method": "card", "reference": reference})

    @staticmethod
    def idempotency_key(deposit_id: int, reference: str) -> str:
        # The reference is random per deposit, so two databases (test, staging) never share a key at Stripe.
        return f"accord-deposit-{deposit_id}-{reference}"

    def open_checkout(
        self, *, deposit_id: int, reference: str, amount: int, currency: str, campaign_id: int
    ) -> CheckoutStart:
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "automatic_payment_methods": {"enabled": True},
                    "description": f"Accord escrow deposit {reference}",
                    "metadata": {
                        "deposit_id": str(deposit_id),
                        "campaign_id": str(campaign_id),
                        "reference": reference,
                    },
                },
                options={"idempotency_key": self.idempotency_key(deposit_id, reference)},
            )
        except PERMANENT as exc:
            raise ProviderRefused(str(exc.user_message or exc)) from exc
        except stripe.StripeError as exc:  # network, rate limit, Stripe 5xx
            raise ProviderUnavailable(str(exc.user_message or exc)) from exc
        return CheckoutStart(intent.id, intent.client_secret or "", intent.status)


def configured() -> StripeDepositProvider | None:
    """The Stripe provider when an API key is set, else None (the provider is then not offered)."""
    key = api_key()
    return StripeDepositProvider(make_client(key)) if key else None
