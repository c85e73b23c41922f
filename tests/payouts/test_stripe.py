"""The Stripe Connect adapter against recorded Stripe API responses, at the HTTP level: the real ``stripe`` library
builds the real requests (method, path, form body, Idempotency-Key) and parses the recorded answers. No network."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from accord.core import clock
from accord.payouts import services
from accord.payouts.models import Payout, PayoutRun
from accord.payouts.providers import ManualProvider, StripeProvider
from tests.payouts.helpers import assert_ledger_ok, creator, in_transit, payable

RECORDINGS = json.loads((Path(__file__).parent / "recordings" / "stripe_transfers.json").read_text())
pytestmark = pytest.mark.django_db


class ReplayHTTPClient(stripe.HTTPClient):
    """Answers each request with the next recorded response after checking what the library sent."""

    name = "replay"

    def __init__(self) -> None:
        super().__init__()
        self.script: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []

    def expect(self, recording: str, *, form: dict[str, str], **overrides: Any) -> None:
        response = copy.deepcopy(RECORDINGS[recording])
        response["body"].update(overrides)
        self.script.append(({"method": "post", "path": "/v1/transfers", "form": form}, response))

    def request(
        self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None
    ) -> tuple[str, int, dict[str, str]]:
        assert self.script, f"unexpected request {method} {url}"
        wanted, response = self.script.pop(0)
        parts = urlsplit(url)
        form = {k: v[0] for k, v in parse_qs(post_data or "", keep_blank_values=True).items()}
        self.requests.append({"method": method, "url": url, "headers": dict(headers or {}), "form": form})
        assert parts.scheme == "https" and parts.netloc == "api.stripe.com"
        assert (method, parts.path) == (wanted["method"], wanted["path"])
        assert form == wanted["form"]
        assert headers["Authorization"] == "Bearer sk_test_replay"
        return json.dumps(response["body"]), response["status"], response["headers"]

    def close(self) -> None:
        pass


@pytest.fixture
def http() -> ReplayHTTPClient:
    return ReplayHTTPClient()


@pytest.fixture
def providers(http: ReplayHTTPClient) -> dict[str, Any]:
    client = stripe.StripeClient("sk_test_replay", http_client=http, max_network_retries=0)
    return {"stripe": StripeProvider(client), "manual": ManualProvider()}


def form_for(p: Payout, run: PayoutRun) -> dict[str, str]:
    return {
        "amount": str(p.amount),
        "currency": "eur",
        "destination": p.method.stripe_account_id,
        "transfer_group": f"accord-run-{run.pk}",
        "description": f"Accord payout {p.pk}",
        "metadata[payout_id]": str(p.pk),
        "metadata[organization_id]": str(p.organization_id),
    }


def plan(orgs: list[Any]) -> PayoutRun:
    """Select and move money without submitting, so the test can script the exact requests expected."""
    run = services._run_for("EUR", clock.today(), "test")
    services._select(run, 100)
    services._move(run, 100)
    return run


def test_transfers_are_created_with_idempotency_keys_and_failures_return_money(
    http: ReplayHTTPClient, providers: dict[str, Any]
) -> None:
    clock.set_now(datetime(2026, 11, 23, 9, tzinfo=UTC))
    ok, refused = creator(4000, method="stripe"), creator(2500, method="stripe")
    run = plan([ok, refused])
    p_ok = Payout.objects.select_related("method").get(run=run, organization=ok)
    p_refused = Payout.objects.select_related("method").get(run=run, organization=refused)
    http.expect(
        "transfer_created",
        form=form_for(p_ok, run),
        amount=4000,
        destination=p_ok.method.stripe_account_id,
        metadata={"payout_id": str(p_ok.pk)},
    )
    http.expect("insufficient_capabilities", form=form_for(p_refused, run))

    run = services.run_payouts("EUR", providers=providers)

    assert [r["headers"]["Idempotency-Key"] for r in http.requests] == [
        f"accord-payout-{p_ok.pk}",
        f"accord-payout-{p_refused.pk}",
    ]
    p_ok.refresh_from_db()
    p_refused.refresh_from_db()
    assert p_ok.state == Payout.State.PAID and p_ok.provider_reference == "tr_1QFvZ2LkdIwHu7ixRbT2cB9c"
    assert p_refused.state == Payout.State.FAILED
    assert "transfers" in p_refused.failure_reason and "capabilities" in p_refused.failure_reason
    assert payable(ok) == 0 and payable(refused) == 2500 and in_transit() == 0
    assert run.state == PayoutRun.State.DONE
    assert not http.script
    assert_ledger_ok()


def test_a_stripe_outage_leaves_the_payout_processing_and_the_retry_reuses_the_key(
    http: ReplayHTTPClient, providers: dict[str, Any]
) -> None:
    clock.set_now(datetime(2026, 11, 23, 9, tzinfo=UTC))
    org = creator(4000, method="stripe")
    run = plan([org])
    p = Payout.objects.select_related("method").get(run=run, organization=org)
    http.expect("api_error", form=form_for(p, run))
    run = services.run_payouts("EUR", providers=providers)
    p.refresh_from_db()
    assert run.state == PayoutRun.State.SUBMITTING and p.state == Payout.State.PROCESSING
    assert in_transit() == 4000

    # Resuming the run asks Stripe again with the same Idempotency-Key: had the first request reached Stripe,
    # Stripe would replay its transfer instead of creating a second one.
    http.expect("transfer_created", form=form_for(p, run), amount=4000)
    run = services.run_payouts("EUR", providers=providers)
    p.refresh_from_db()
    assert run.state == PayoutRun.State.DONE and p.state == Payout.State.PAID
    keys = [r["headers"]["Idempotency-Key"] for r in http.requests]
    assert keys == [f"accord-payout-{p.pk}", f"accord-payout-{p.pk}"]
    assert in_transit() == 0
    assert_ledger_ok()
