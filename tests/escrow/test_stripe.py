"""Stripe card deposits: PaymentIntents against recorded Stripe HTTP responses (the real library builds the real
requests), and the signature-verified, replay-safe webhook that books the money into escrow exactly once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import stripe
from django.db import connection
from django.test import Client

from accord.accounts.models import Role
from accord.core import clock
from accord.escrow import services, stripe_provider
from accord.escrow.models import Deposit, StripeEvent
from accord.ledger.models import Transaction
from accord.ledger.verify import verify as ledger_verify
from tests.conftest import Team, client_for, make_team
from tests.escrow.helpers import campaign_for
from tests.stripe_replay import API_KEY, StripeReplay, load

RECORDINGS = load(Path(__file__).parent / "recordings" / "stripe_payment_intents.json")
SECRET = "whsec_test_accord_escrow"
WEBHOOK = "/api/v1/webhooks/stripe"
PI = "pi_3QGa1xLkdIwHu7ix0Zt4Kc8m"
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch, settings: Any) -> StripeReplay:
    replay = StripeReplay(RECORDINGS)
    monkeypatch.setattr(stripe_provider, "HTTP_CLIENT", replay)
    settings.ACCORD_STRIPE_API_KEY = API_KEY
    settings.ACCORD_STRIPE_WEBHOOK_SECRET = SECRET
    clock.set_now(NOW)
    return replay


@pytest.fixture
def brand() -> Team:
    return make_team()


def _post_deposit(team: Team, campaign_id: int, amount: int, key: str) -> Any:
    c = client_for(team.users[Role.MEMBER], team.org, **{"Idempotency-Key": key})
    return c.post(
        f"/api/v1/campaigns/{campaign_id}/escrow/deposits",
        {"amount": amount, "provider": "stripe"},
        content_type="application/json",
    )


def _started(http: StripeReplay, team: Team, amount: int = 250_000) -> Deposit:
    campaign = campaign_for(team.org)
    http.expect("post", "/v1/payment_intents", "payment_intent_created", amount=amount)
    assert _post_deposit(team, campaign.pk, amount, f"fund-{campaign.pk}").status_code == 201
    return Deposit.objects.get(campaign=campaign)


def _event(event_type: str, deposit: Deposit, event_id: str = "evt_3QGa2yLkdIwHu7ix1a2b3c4d", **intent: Any) -> str:
    body = {
        "id": PI,
        "object": "payment_intent",
        "amount": deposit.amount,
        "amount_received": deposit.amount if event_type == "payment_intent.succeeded" else 0,
        "currency": deposit.currency.lower(),
        "status": "succeeded" if event_type == "payment_intent.succeeded" else "requires_payment_method",
        "last_payment_error": None,
        "livemode": False,
        "metadata": {
            "deposit_id": str(deposit.pk),
            "campaign_id": str(deposit.campaign_id),
            "reference": deposit.reference,
        },
    }
    body.update(intent)
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": int(clock.now().timestamp()),
        "data": {"object": body},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    return json.dumps(event)


def _deliver(payload: str, *, secret: str = SECRET, at: datetime | None = None, header: str | None = None) -> Any:
    stamp = int((at or clock.now()).timestamp())
    signature = (
        header
        if header is not None
        else stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=stamp)
    )
    return Client().post(WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def _escrow(deposit: Deposit) -> int:
    return services.campaign_escrow(deposit.campaign).balance


def _ledger_ok() -> None:
    assert ledger_verify() == []


# -- PaymentIntents ---------------------------------------------------------------------------------------------------


def test_a_stripe_deposit_creates_a_payment_intent_and_stays_pending(http: StripeReplay, brand: Team) -> None:
    campaign = campaign_for(brand.org)
    http.expect("post", "/v1/payment_intents", "payment_intent_created", amount=250_000)

    response = _post_deposit(brand, campaign.pk, 250_000, "fund-1")

    assert response.status_code == 201, response.content
    out = response.json()
    deposit = Deposit.objects.get(pk=out["id"])
    (sent,) = http.requests
    assert sent["form"] == {
        "amount": "250000",
        "currency": "eur",
        "automatic_payment_methods[enabled]": "true",
        "description": f"Accord escrow deposit {deposit.reference}",
        "metadata[deposit_id]": str(deposit.pk),
        "metadata[campaign_id]": str(campaign.pk),
        "metadata[reference]": deposit.reference,
    }
    assert sent["headers"]["Idempotency-Key"] == f"accord-deposit-{deposit.pk}-{deposit.reference}"
    assert out["status"] == "pending" and out["provider"] == "stripe"
    assert out["instructions"]["method"] == "card"
    assert out["instructions"]["payment_intent"] == PI
    assert out["instructions"]["client_secret"] == RECORDINGS["payment_intent_created"]["body"]["client_secret"]
    assert deposit.provider_ref == PI and deposit.status == Deposit.Status.PENDING
    assert _escrow(deposit) == 0  # nothing is booked before Stripe says the money arrived

    # The same request again (same Idempotency-Key) returns the same deposit and asks Stripe nothing.
    again = _post_deposit(brand, campaign.pk, 250_000, "fund-1")
    assert again.status_code == 201 and again.json()["id"] == deposit.pk
    assert len(http.requests) == 1 and Deposit.objects.count() == 1


def test_a_stripe_outage_is_a_503_and_the_retry_reuses_the_stripe_idempotency_key(
    http: StripeReplay, brand: Team
) -> None:
    campaign = campaign_for(brand.org)
    http.expect("post", "/v1/payment_intents", "api_error")
    first = _post_deposit(brand, campaign.pk, 9_900, "fund-outage")
    assert first.status_code == 503 and first.json()["error"]["code"] == "payment_provider_unavailable"
    deposit = Deposit.objects.get(campaign=campaign)
    assert deposit.status == Deposit.Status.PENDING and deposit.provider_ref is None

    http.expect("post", "/v1/payment_intents", "payment_intent_created", amount=9_900)
    second = _post_deposit(brand, campaign.pk, 9_900, "fund-outage")
    assert second.status_code == 201 and second.json()["id"] == deposit.pk
    keys = [r["headers"]["Idempotency-Key"] for r in http.requests]
    assert keys == [f"accord-deposit-{deposit.pk}-{deposit.reference}"] * 2
    deposit.refresh_from_db()
    assert deposit.provider_ref == PI


def test_a_deposit_stripe_refuses_fails_with_stripes_reason(http: StripeReplay, brand: Team) -> None:
    campaign = campaign_for(brand.org)
    http.expect("post", "/v1/payment_intents", "amount_too_small")
    response = _post_deposit(brand, campaign.pk, 10, "fund-tiny")
    assert response.status_code == 422 and response.json()["error"]["code"] == "payment_refused"
    deposit = Deposit.objects.get(campaign=campaign)
    assert deposit.status == Deposit.Status.FAILED and "at least" in deposit.failure_reason


def test_stripe_is_not_offered_without_an_api_key(settings: Any, brand: Team) -> None:
    settings.ACCORD_STRIPE_API_KEY = ""
    campaign = campaign_for(brand.org)
    response = _post_deposit(brand, campaign.pk, 1_000, "fund-nokey")
    assert response.status_code == 422 and response.json()["error"]["fields"] == {"provider": "unknown"}


# -- webhooks ---------------------------------------------------------------------------------------------------------


def test_payment_succeeded_books_the_deposit_into_escrow_exactly_once(http: StripeReplay, brand: Team) -> None:
    deposit = _started(http, brand)
    payload = _event("payment_intent.succeeded", deposit)

    response = _deliver(payload)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "applied",
        "event_id": "evt_3QGa2yLkdIwHu7ix1a2b3c4d",
        "type": "payment_intent.succeeded",
        "outcome": "confirmed",
        "deposit_id": deposit.pk,
    }
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.CONFIRMED
    assert deposit.confirmed_by == "stripe:evt_3QGa2yLkdIwHu7ix1a2b3c4d"
    assert _escrow(deposit) == 250_000

    # Stripe redelivers the same event (or someone replays the captured request within the tolerance).
    again = _deliver(payload)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    # Even a second, distinct success event for the same PaymentIntent moves nothing.
    other = _deliver(_event("payment_intent.succeeded", deposit, event_id="evt_3QGa2yLkdIwHu7ixOTHER000"))
    assert other.status_code == 200 and other.json()["outcome"] == "confirmed"
    assert _escrow(deposit) == 250_000
    assert Transaction.objects.filter(kind="deposit").count() == 1
    assert StripeEvent.objects.count() == 2
    _ledger_ok()


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("wrong_secret", "invalid_signature"),
        ("tampered", "invalid_signature"),
        ("missing", "invalid_signature"),
        ("garbage", "invalid_signature"),
        ("stale", "stale_signature"),
        ("future", "stale_signature"),
    ],
)
def test_unverifiable_webhooks_are_refused_and_change_nothing(
    http: StripeReplay, brand: Team, how: str, code: str
) -> None:
    deposit = _started(http, brand)
    payload = _event("payment_intent.succeeded", deposit)
    if how == "wrong_secret":
        response = _deliver(payload, secret="whsec_someone_else")
    elif how == "tampered":
        signed = stripe.WebhookSignature.generate_signature_header(payload, SECRET, int(clock.now().timestamp()))
        response = _deliver(payload.replace("250000", "990000"), header=signed)
    elif how == "missing":
        response = Client().post(WEBHOOK, payload, content_type="application/json")
    elif how == "garbage":
        response = _deliver(payload, header="t=oops,v1=nothing")
    elif how == "stale":
        response = _deliver(payload, at=clock.now() - timedelta(seconds=301))
    else:
        response = _deliver(payload, at=clock.now() + timedelta(seconds=301))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code and set(response.json()["error"]) == {"code", "message", "fields"}
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.PENDING and _escrow(deposit) == 0
    assert not StripeEvent.objects.exists()


def test_a_captured_webhook_replayed_later_is_refused_by_its_timestamp(http: StripeReplay, brand: Team) -> None:
    deposit = _started(http, brand)
    payload = _event("payment_intent.payment_failed", deposit, last_payment_error={"message": "Card declined"})
    signed = stripe.WebhookSignature.generate_signature_header(payload, SECRET, int(clock.now().timestamp()))
    clock.advance(timedelta(minutes=10))
    response = _deliver(payload, header=signed)
    assert response.status_code == 400 and response.json()["error"]["code"] == "stale_signature"
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.PENDING


def test_a_failed_attempt_marks_the_deposit_failed_and_a_later_success_still_books_it(
    http: StripeReplay, brand: Team
) -> None:
    deposit = _started(http, brand)
    declined = {"message": "Your card was declined.", "code": "card_declined", "type": "card_error"}
    failed = _deliver(_event("payment_intent.payment_failed", deposit, "evt_fail_1", last_payment_error=declined))
    assert failed.status_code == 200 and failed.json()["outcome"] == "failed"
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.FAILED and deposit.failure_reason == "Your card was declined."
    assert _escrow(deposit) == 0

    # The brand retries with another card on the same PaymentIntent: the money arrives after all.
    ok = _deliver(_event("payment_intent.succeeded", deposit, "evt_ok_1"))
    assert ok.json()["outcome"] == "confirmed"
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.CONFIRMED and deposit.failure_reason == ""
    assert _escrow(deposit) == 250_000

    # A late failure report (out-of-order delivery) cannot undo money that arrived.
    late = _deliver(_event("payment_intent.payment_failed", deposit, "evt_fail_late", last_payment_error=declined))
    assert late.status_code == 200 and late.json()["outcome"] == "ignored_confirmed"
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.CONFIRMED and _escrow(deposit) == 250_000
    _ledger_ok()


def test_a_different_amount_or_a_foreign_payment_intent_books_nothing(http: StripeReplay, brand: Team) -> None:
    deposit = _started(http, brand)
    short = _deliver(_event("payment_intent.succeeded", deposit, "evt_short", amount_received=100_000))
    assert short.json()["outcome"] == "amount_mismatch"
    foreign = _deliver(_event("payment_intent.succeeded", deposit, "evt_foreign", id="pi_someone_else"))
    assert foreign.json()["outcome"] == "unknown_deposit"
    unrelated = _deliver(_event("charge.refunded", deposit, "evt_other"))
    assert unrelated.json() == {**unrelated.json(), "status": "ignored", "outcome": "ignored"}
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.PENDING and _escrow(deposit) == 0
    assert set(StripeEvent.objects.values_list("outcome", flat=True)) == {
        "amount_mismatch",
        "unknown_deposit",
        "ignored",
    }


def test_without_a_webhook_secret_stripe_webhooks_are_refused_with_503(http: StripeReplay, settings: Any) -> None:
    settings.ACCORD_STRIPE_WEBHOOK_SECRET = ""
    response = _deliver(json.dumps({"id": "evt_1", "object": "event"}))
    assert response.status_code == 503 and response.json()["error"]["code"] == "stripe_not_configured"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_book_once(http: StripeReplay, brand: Team) -> None:
    deposit = _started(http, brand)
    payload = _event("payment_intent.succeeded", deposit)
    statuses: list[str] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        try:
            barrier.wait()
            statuses.append(_deliver(payload).json()["status"])
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == ["applied", "duplicate", "duplicate", "duplicate"]
    assert _escrow(deposit) == 250_000 and Transaction.objects.filter(kind="deposit").count() == 1
    _ledger_ok()
