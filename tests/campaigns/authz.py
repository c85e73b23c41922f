from __future__ import annotations

from accord.accounts.auth import Principal
from accord.accounts.models import Role
from accord.campaigns import services
from tests.authz import Expect, World, by_role
from tests.contracts.lazy import lazy_group


def _build(world: World) -> dict[str, int]:
    owner = Principal(organization=world.brand, role=Role.OWNER, user=world.brand_users["owner"])
    campaign = services.create_campaign(
        owner, name="Authz campaign", currency="EUR", budget=500_000, open_for_applications=True
    )
    services.transition(owner, campaign.pk, "open")
    apply_to = services.create_campaign(owner, name="Applications welcome", currency="EUR", open_for_applications=True)
    services.transition(owner, apply_to.pk, "open")
    draft = services.create_campaign(owner, name="Still a draft", currency="EUR")
    return {"campaign_id": campaign.pk, "apply_campaign_id": apply_to.pk, "draft_campaign_id": draft.pk}


def build(world: World) -> None:
    lazy_group(world, "campaigns", ["campaign_id", "apply_campaign_id", "draft_campaign_id"], _build)


MATRIX: dict[str, Expect] = {
    "GET /api/v1/campaigns": by_role("viewer"),
    "POST /api/v1/campaigns": by_role("member", 201, body={"name": "New campaign", "budget": 1000}, operator=403),
    "GET /api/v1/campaigns/open": by_role("viewer", side="creator"),
    "GET /api/v1/campaigns/{campaign_id}": by_role("viewer", scoped=True),
    "PATCH /api/v1/campaigns/{campaign_id}": by_role("member", body={"goals": "More reach"}, scoped=True),
    "DELETE /api/v1/campaigns/{campaign_id}": by_role("member", 204, scoped=True).with_ids(
        campaign_id="draft_campaign_id"
    ),
    "POST /api/v1/campaigns/{campaign_id}/transition": by_role("member", body={"action": "activate"}, scoped=True),
}
