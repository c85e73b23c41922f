"""The tracking API: who sees which links, codes, conversions and rollups; secrets shown once; conflicts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from accord.accounts.models import Organization, Role
from accord.core import clock
from accord.core.models import AuditRecord
from accord.tracking.models import Click
from tests.conftest import client_for, make_team
from tests.tracking import payloads
from tests.tracking.helpers import Setup, click, make_campaign, make_setup, post_shopify

T0 = datetime(2026, 5, 4, 10, 15, tzinfo=UTC)


@pytest.fixture
def s(db: None) -> Setup:
    clock.set_now(T0)
    return make_setup()


def items(c: Client, path: str, **query: object) -> list[dict]:
    response = c.get(path, data=query)
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_brand_creator_and_rival_see_what_is_theirs(s: Setup) -> None:
    click(Client(), s.link.code)
    post_shopify(Client(), s.shopify, "orders/paid", payloads.shopify_order(codes=("ANNA10",)))
    brand = s.brand_client(Role.VIEWER)
    creator = client_for(s.creator.users[Role.VIEWER], s.creator.org)
    rival = make_team(Organization.Kind.BRAND)
    make_campaign(rival.org)
    rival_c = client_for(rival.users[Role.OWNER], rival.org)
    other_creator = make_team(Organization.Kind.CREATOR)
    other_c = client_for(other_creator.users[Role.OWNER], other_creator.org)

    assert [link["code"] for link in items(brand, "/api/v1/tracking/links")] == [s.link.code]
    assert items(brand, "/api/v1/tracking/links")[0]["url"] == f"/t/{s.link.code}"
    assert [link["code"] for link in items(creator, "/api/v1/tracking/links")] == [s.link.code]
    assert items(rival_c, "/api/v1/tracking/links") == []
    assert items(other_c, "/api/v1/tracking/links") == []
    assert rival_c.get(f"/api/v1/tracking/links/{s.link.pk}").status_code == 404
    assert creator.get(f"/api/v1/tracking/links/{s.link.pk}").status_code == 200

    assert [c["code"] for c in items(creator, "/api/v1/tracking/promo-codes")] == ["ANNA10"]
    assert items(rival_c, "/api/v1/tracking/promo-codes") == []
    assert [c["base"] for c in items(brand, "/api/v1/tracking/conversions")] == [108_00]
    assert [c["base"] for c in items(creator, "/api/v1/tracking/conversions")] == [108_00]
    assert items(other_c, "/api/v1/tracking/conversions") == []

    brand_dims = {r["dimension"] for r in items(brand, "/api/v1/tracking/rollups")}
    creator_dims = {r["dimension"] for r in items(creator, "/api/v1/tracking/rollups")}
    assert brand_dims == {"campaign", "collaboration"}  # a creator's totals across other brands stay private
    assert creator_dims == {"creator", "collaboration"}
    assert items(rival_c, "/api/v1/tracking/rollups") == []
    day = items(brand, "/api/v1/tracking/rollups", dimension="campaign", key=str(s.campaign.pk))[0]
    assert (day["clicks"], day["unique_clicks"], day["conversions"], day["revenue_net"]) == (1, 1, 1, 108_00)
    assert day["conversion_rate"] == "1.0000" or float(day["conversion_rate"]) == 1.0
    hours = items(brand, "/api/v1/tracking/rollups", granularity="hour", since="2026-05-04T10:00:00Z")
    assert {h["bucket"][:13] for h in hours} == {"2026-05-04T10"}
    assert items(brand, "/api/v1/tracking/rollups", granularity="hour", until="2026-05-04T10:00:00+00:00") == []
    bad = brand.get("/api/v1/tracking/rollups", data={"since": "yesterday"})
    assert bad.status_code == 422


def test_links_codes_and_integrations_through_the_api(s: Setup) -> None:
    member = s.brand_client(Role.MEMBER)
    body = {"campaign_id": s.campaign.pk, "creator_id": s.creator.org.pk, "destination": "https://shop.example.com/x"}
    created = member.post("/api/v1/tracking/links", data=body, content_type="application/json")
    assert created.status_code == 201
    assert len(created.json()["code"]) == 8
    taken = member.post("/api/v1/tracking/links", data={**body, "code": s.link.code}, content_type="application/json")
    assert taken.status_code == 409
    bad = member.post(
        "/api/v1/tracking/links", data={**body, "destination": "javascript:alert(1)"}, content_type="application/json"
    )
    assert bad.status_code == 422
    code = {"campaign_id": s.campaign.pk, "creator_id": s.creator.org.pk, "code": "Anna10"}
    assert member.post("/api/v1/tracking/promo-codes", data=code, content_type="application/json").status_code == 409
    admin = s.brand_client(Role.ADMIN)
    made = admin.post(
        "/api/v1/tracking/integrations",
        data={"platform": "woocommerce", "name": "Woo"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert len(made.json()["secret"]) >= 32
    assert made.json()["webhook_url"] == f"/api/v1/tracking/webhooks/woocommerce/{made.json()['id']}"
    listed = items(admin, "/api/v1/tracking/integrations")
    assert all("secret" not in i for i in listed)
    assert member.get("/api/v1/tracking/integrations").status_code == 403


def test_events_endpoint_takes_ndjson_over_http(s: Setup) -> None:
    lines = "\n".join(json.dumps({"id": f"n{i}", "type": "view", "link": s.link.code}) for i in range(3))
    response = s.brand_client().post("/api/v1/events", data=lines, content_type="application/x-ndjson")
    assert response.json()["accepted"] == 3


def test_a_brand_stops_a_link_for_good_and_its_clicks_so_far_stay(s: Setup) -> None:
    visitor = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
    assert visitor.get(f"/t/{s.link.code}").status_code == 302
    member = s.brand_client(Role.MEMBER)
    stopped = member.post(f"/api/v1/tracking/links/{s.link.pk}/deactivate")
    assert stopped.status_code == 200 and stopped.json()["active"] is False
    assert member.post(f"/api/v1/tracking/links/{s.link.pk}/deactivate").status_code == 200  # stopping twice: same
    assert visitor.get(f"/t/{s.link.code}").status_code == 404
    assert Click.objects.filter(link=s.link).count() == 1
    assert AuditRecord.objects.filter(action="tracking.link_deactivated").count() == 1
    assert s.brand_client(Role.VIEWER).post(f"/api/v1/tracking/links/{s.link.pk}/deactivate").status_code == 403
    creator = client_for(s.creator.users[Role.OWNER], s.creator.org)
    assert creator.post(f"/api/v1/tracking/links/{s.link.pk}/deactivate").status_code == 403
