"""Objects the tracking tests share: a brand with a campaign, a creator, a link, a promo code, shop integrations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role, User
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.tracking import services, signatures
from accord.tracking.models import Integration, PromoCode, TrackingLink
from tests.conftest import Team, client_for, make_team


@dataclass
class Setup:
    brand: Team
    creator: Team
    campaign: Campaign
    link: TrackingLink
    code: PromoCode
    shopify: Integration
    woo: Integration
    postback: Integration

    @property
    def brand_owner(self) -> User:
        return self.brand.users[Role.OWNER]

    def brand_principal(self, role: str = Role.OWNER) -> Principal:
        return Principal(organization=self.brand.org, role=role, user=self.brand.users[role])

    def creator_principal(self) -> Principal:
        return Principal(organization=self.creator.org, role=Role.OWNER, user=self.creator.users[Role.OWNER])

    def brand_client(self, role: str = Role.OWNER) -> Client:
        return client_for(self.brand.users[role], self.brand.org)


def make_campaign(brand: Organization, currency: str = "EUR") -> Campaign:
    return Campaign.objects.create(brand=brand, name="Spring drop", currency=currency, budget=500_000)


def make_setup() -> Setup:
    brand = make_team(Organization.Kind.BRAND)
    creator = make_team(Organization.Kind.CREATOR)
    campaign = make_campaign(brand.org)
    p = Principal(organization=brand.org, role=Role.OWNER, user=brand.users[Role.OWNER])
    link = services.create_link(
        p,
        campaign_id=campaign.pk,
        creator_id=creator.org.pk,
        destination="https://shop.example.com/spring?ref=x",
        collaboration="collab-1",
    )
    code = services.create_promo_code(p, campaign_id=campaign.pk, creator_id=creator.org.pk, code="anna10")
    return Setup(
        brand=brand,
        creator=creator,
        campaign=campaign,
        link=link,
        code=code,
        shopify=services.create_integration(p, platform="shopify", name="shop"),
        woo=services.create_integration(p, platform="woocommerce", name="woo"),
        postback=services.create_integration(p, platform="postback", name="server"),
    )


def click(client: Client, code: str, ip: str = "203.0.113.7", ua: str = "Mozilla/5.0 (iPhone)", **headers: str) -> Any:
    return client.get(f"/t/{code}", REMOTE_ADDR=ip, HTTP_USER_AGENT=ua, **headers)


def post_shopify(
    client: Client, integration: Integration, topic: str, payload: dict[str, Any], secret: str = ""
) -> Any:
    body = json.dumps(payload).encode()
    return client.post(
        f"/api/v1/tracking/webhooks/shopify/{integration.pk}",
        data=body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC=topic,
        HTTP_X_SHOPIFY_HMAC_SHA256=signatures.shopify_signature(secret or integration.secret, body),
        HTTP_X_SHOPIFY_SHOP_DOMAIN="spring-shop.myshopify.com",
    )


def post_woo(client: Client, integration: Integration, payload: dict[str, Any], topic: str = "order.updated") -> Any:
    body = json.dumps(payload).encode()
    return client.post(
        f"/api/v1/tracking/webhooks/woocommerce/{integration.pk}",
        data=body,
        content_type="application/json",
        HTTP_X_WC_WEBHOOK_TOPIC=topic,
        HTTP_X_WC_WEBHOOK_SIGNATURE=signatures.woocommerce_signature(integration.secret, body),
    )


def post_postback(client: Client, integration: Integration, payload: dict[str, Any], at: int | None = None) -> Any:
    body = json.dumps(payload).encode()
    ts = at if at is not None else int(clock.now().timestamp())
    return client.post(
        f"/api/v1/tracking/webhooks/postback/{integration.pk}",
        data=body,
        content_type="application/json",
        HTTP_ACCORD_SIGNATURE=signatures.accord_signature(integration.secret, body, ts),
    )


def rollup(dimension: str, key: object, granularity: str = "day") -> dict[str, int]:
    from accord.tracking.models import COUNTERS, Rollup

    rows = Rollup.objects.filter(dimension=dimension, key=str(key), granularity=granularity)
    return {c: sum(getattr(r, c) for r in rows) for c in COUNTERS}
