"""Authorization matrix entries for the tracking API (see tests/authz.py)."""

from __future__ import annotations

from typing import Any

from accord.accounts.auth import Principal
from accord.accounts.models import Role
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.tracking import services
from accord.tracking.models import Click, FraudFlag
from tests.authz import PRINCIPALS, Expect, World, by_role, operator_only


def build(world: World) -> None:
    p = Principal(organization=world.brand, role=Role.OWNER, user=world.brand_users[Role.OWNER])
    campaign = Campaign.objects.create(brand=world.brand, name="Tracked", currency="EUR", budget=100_000)
    link = services.create_link(
        p, campaign_id=campaign.pk, creator_id=world.creator.pk, destination="https://shop.example.com/"
    )
    services.create_promo_code(p, campaign_id=campaign.pk, creator_id=world.creator.pk, code="MATRIX10")
    now = clock.now()
    burst = Click.objects.create(
        click_id="authz-click", link=link, at=now, hour=now.replace(minute=0, second=0, microsecond=0),
        ip_hash="0" * 64, visitor_hash="1" * 64, excluded=True,
    )  # fmt: skip
    flag = FraudFlag.objects.create(
        target_type="click", target_id=burst.pk, rule="click_burst", reason="burst", campaign=campaign,
        creator=world.creator,
    )  # fmt: skip
    world.ids.update(
        tracking_campaign_id=campaign.pk,
        tracking_link_code=link.code,
        link_id=link.pk,
        fraud_flag_id=flag.pk,
        series_dimension="campaign",
        shopify_integration_id=services.create_integration(p, platform="shopify", name="s").pk,
        woocommerce_integration_id=services.create_integration(p, platform="woocommerce", name="w").pk,
        postback_integration_id=services.create_integration(p, platform="postback", name="p").pk,
    )


def _link_body(world: World, who: str) -> dict[str, Any]:
    return {
        "campaign_id": world.ids["tracking_campaign_id"],
        "creator_id": world.creator.pk,
        "destination": "https://shop.example.com/new",
    }


def _code_body(world: World, who: str) -> dict[str, Any]:
    return {"campaign_id": world.ids["tracking_campaign_id"], "creator_id": world.creator.pk, "code": "NEW10"}


def _events_body(world: World, who: str) -> list[dict[str, Any]]:
    return [{"id": "authz-1", "type": "view", "link": world.ids["tracking_link_code"], "quantity": 10}]


def _snapshot_body(world: World, who: str) -> dict[str, Any]:
    return {
        "campaign_id": world.ids["tracking_campaign_id"],
        "creator_id": world.creator.pk,
        "platform": "instagram",
        "post_id": "authz-post",
        "views": 100,
    }


def _csv_body(world: World, who: str) -> str:
    return (
        "campaign_id,creator_id,platform,post_id,captured_at,views\n"
        f"{world.ids['tracking_campaign_id']},{world.creator.pk},youtube,authz-vid,2026-01-01T00:00:00+00:00,10\n"
    )


def _unsigned(body: dict[str, Any]) -> Expect:
    """Webhooks authenticate by signature, not by caller: without one everyone is refused alike."""
    return Expect({p: 401 for p in PRINCIPALS}, body)


MATRIX: dict[str, Expect] = {
    "GET /api/v1/tracking/links": by_role(Role.VIEWER),
    "POST /api/v1/tracking/links": by_role(Role.MEMBER, 201, body=_link_body, other_tenant=404, operator=403),
    "GET /api/v1/tracking/links/{link_id}": by_role(Role.VIEWER, scoped=True),
    "POST /api/v1/tracking/links/{link_id}/deactivate": by_role(Role.MEMBER, scoped=True, operator=403),
    "GET /api/v1/tracking/promo-codes": by_role(Role.VIEWER),
    "POST /api/v1/tracking/promo-codes": by_role(Role.MEMBER, 201, body=_code_body, other_tenant=404, operator=403),
    "POST /api/v1/events": by_role(Role.MEMBER, 200, body=_events_body, operator=403),
    "GET /api/v1/tracking/conversions": by_role(Role.VIEWER),
    "GET /api/v1/tracking/integrations": by_role(Role.ADMIN, operator=403),
    "POST /api/v1/tracking/integrations": by_role(
        Role.ADMIN, 201, body={"platform": "shopify", "name": "Shop"}, operator=403
    ),
    "POST /api/v1/tracking/webhooks/shopify/{shopify_integration_id}": _unsigned({"id": 1}),
    "POST /api/v1/tracking/webhooks/woocommerce/{woocommerce_integration_id}": _unsigned({"id": 1}),
    "POST /api/v1/tracking/webhooks/postback/{postback_integration_id}": _unsigned({"order_id": "1"}),
    "POST /api/v1/tracking/metrics/snapshots": by_role(
        Role.MEMBER, 201, body=_snapshot_body, other_tenant=404, operator=403
    ),
    "POST /api/v1/tracking/metrics/snapshots/csv": Expect(
        by_role(Role.MEMBER, 200, operator=403).statuses, _csv_body, content_type="text/csv"
    ),
    "GET /api/v1/tracking/metrics/snapshots": by_role(Role.VIEWER),
    "GET /api/v1/tracking/rollups": by_role(Role.VIEWER),
    "GET /api/v1/tracking/series/{dimension}/{key}": by_role(Role.VIEWER, scoped=True).with_ids(
        dimension="series_dimension", key="tracking_campaign_id"
    ),
    "GET /api/v1/tracking/fraud-flags": by_role(Role.VIEWER),
    "POST /api/v1/tracking/fraud-flags/{fraud_flag_id}/clear": operator_only(200, body={"note": "verified"}),
}
