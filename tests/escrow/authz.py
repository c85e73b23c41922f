"""Authorization matrix for the escrow API (brand: fund and see escrow; creator: balances; operator: confirm)."""

from __future__ import annotations

from accord.campaigns.models import Campaign
from accord.escrow.models import Deposit
from tests.authz import PRINCIPALS, Expect, World, by_role, operator_only


def build(world: World) -> None:
    campaign = Campaign.objects.create(brand=world.brand, name="Escrow authz", currency="EUR", budget=100_000)
    world.ids["escrow_campaign_id"] = campaign.pk
    deposit = Deposit.objects.create(
        campaign=campaign,
        brand=world.brand,
        amount=5_000,
        currency="EUR",
        reference="ACC-AUTH-Z000",
        idempotency_key="authz-build",
    )
    world.ids["escrow_deposit_id"] = deposit.pk


_KEY = {"Idempotency-Key": "authz-escrow"}


def _campaign(expect: Expect) -> Expect:
    return expect.with_ids(campaign_id="escrow_campaign_id")


MATRIX: dict[str, Expect] = {
    "POST /api/v1/campaigns/{campaign_id}/escrow/deposits": _campaign(
        by_role("member", 201, body={"amount": 10_000}, scoped=True, headers=_KEY)
    ),
    "GET /api/v1/campaigns/{campaign_id}/escrow/deposits": _campaign(by_role("viewer", scoped=True)),
    "GET /api/v1/campaigns/{campaign_id}/escrow": _campaign(by_role("viewer", scoped=True)),
    "GET /api/v1/campaigns/{campaign_id}/escrow/holds": _campaign(by_role("viewer", scoped=True)),
    "GET /api/v1/escrow/balances": by_role("viewer", side="creator", operator=403),
    "POST /api/v1/operator/escrow/deposits/{deposit_id}/confirm": operator_only(
        body={"provider_ref": "BANK-42"}, headers=_KEY
    ).with_ids(deposit_id="escrow_deposit_id"),
    # Authenticated by the Stripe-Signature header, not by the caller: unsigned, everyone is refused alike (400).
    "POST /api/v1/webhooks/stripe": Expect({p: 400 for p in PRINCIPALS}, {"id": "evt_authz", "object": "event"}),
}
