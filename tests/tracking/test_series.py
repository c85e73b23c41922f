"""Time series of counters and KPIs per campaign, creator and collaboration: buckets, ranges, totals, tenancy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from accord.accounts.models import Organization, Role
from accord.core import clock
from accord.tracking import services
from accord.tracking.models import Rollup
from accord.tracking.rollups import RollupBatch, series
from tests.conftest import client_for, make_team
from tests.tracking.helpers import Setup, make_campaign, make_setup

T0 = datetime(2026, 5, 4, 10, 15, tzinfo=UTC)


@pytest.fixture
def s(db: None) -> Setup:
    clock.set_now(T0)
    setup = make_setup()
    services.ingest_events(
        setup.brand_principal(),
        [
            {"id": "v1", "type": "view", "link": setup.link.code, "quantity": 20_000, "occurred_at": T0.isoformat()},
            {"id": "e1", "type": "engagement", "link": setup.link.code, "quantity": 900, "occurred_at": T0.isoformat()},
            {"id": "c1", "type": "conversion", "link": setup.link.code, "amount": 12_000, "currency": "EUR",
             "occurred_at": (T0 - timedelta(days=1)).isoformat()},
        ],
    )  # fmt: skip
    batch = RollupBatch()  # what the incentives follower adds for money booked to the creator
    batch.add(T0, (setup.campaign.pk, setup.creator.org.pk, "collab-1"), spend=4_000)
    batch.flush()
    return setup


def get(c: Client, dimension: str, key: object, **query: str) -> dict:
    response = c.get(f"/api/v1/tracking/series/{dimension}/{key}", data=query)
    assert response.status_code == 200, response.content
    return response.json()


def test_campaign_series_per_day_with_kpis_from_totals(s: Setup) -> None:
    body = get(s.brand_client(Role.VIEWER), "campaign", s.campaign.pk, since="2026-05-01T00:00:00Z")
    assert body["since"].startswith("2026-05-01") and len(body["points"]) == 4  # May 1st..4th, up to now
    assert [p["totals"]["views"] for p in body["points"]] == [0, 0, 0, 20_000]
    assert body["points"][2]["totals"]["revenue"] == 12_000
    assert body["totals"]["spend"] == 4_000 and body["totals"]["conversions"] == 1
    kpis = body["kpis"]
    assert (kpis["cpm"], kpis["cpa"], kpis["roas"], kpis["engagement_rate"]) == (
        "200.00",
        "4000.00",
        "3.0000",
        "0.0450",
    )
    today = body["points"][3]["kpis"]
    assert today["cpa"] is None and today["cpm"] == "200.00"  # no conversion that day


def test_hour_buckets_and_range_limits(s: Setup) -> None:
    c = s.brand_client()
    body = get(
        c, "campaign", s.campaign.pk, granularity="hour", since="2026-05-04T08:00:00Z", until="2026-05-04T12:00:00Z"
    )
    assert [p["totals"]["views"] for p in body["points"]] == [0, 0, 20_000, 0]
    too_long = c.get(
        f"/api/v1/tracking/series/campaign/{s.campaign.pk}",
        data={"granularity": "hour", "since": "2025-01-01T00:00:00Z"},
    )
    assert too_long.status_code == 422
    backwards = c.get(
        f"/api/v1/tracking/series/campaign/{s.campaign.pk}",
        data={"since": "2026-05-04T00:00:00Z", "until": "2026-05-03T00:00:00Z"},
    )
    assert backwards.status_code == 422


def test_creator_and_collaboration_series_and_tenancy(s: Setup) -> None:
    creator = client_for(s.creator.users[Role.VIEWER], s.creator.org)
    assert get(creator, "creator", s.creator.org.pk)["totals"]["views"] == 20_000
    assert get(creator, "collaboration", "collab-1")["totals"]["spend"] == 4_000
    assert get(s.brand_client(), "collaboration", "collab-1")["totals"]["views"] == 20_000
    assert creator.get(f"/api/v1/tracking/series/campaign/{s.campaign.pk}").status_code == 404  # other creators' too
    assert s.brand_client().get(f"/api/v1/tracking/series/creator/{s.creator.org.pk}").status_code == 404
    untagged = services.create_link(
        s.brand_principal(),
        campaign_id=s.campaign.pk,
        creator_id=s.creator.org.pk,
        destination="https://shop.example/u",
    )
    assert get(creator, "collaboration", untagged.collaboration_key)["totals"]["views"] == 0  # no facts yet
    rival = make_team(Organization.Kind.BRAND)
    make_campaign(rival.org)
    rival_c = client_for(rival.users[Role.OWNER], rival.org)
    pair = untagged.collaboration_key
    for dimension, key in (("campaign", s.campaign.pk), ("collaboration", "collab-1"), ("collaboration", pair)):
        assert rival_c.get(f"/api/v1/tracking/series/{dimension}/{key}").status_code == 404
    rival_creator = make_team(Organization.Kind.CREATOR)
    rival_cc = client_for(rival_creator.users[Role.OWNER], rival_creator.org)
    for dimension, key in (("creator", s.creator.org.pk), ("collaboration", "collab-1"), ("collaboration", pair)):
        assert rival_cc.get(f"/api/v1/tracking/series/{dimension}/{key}").status_code == 404


def test_series_sums_several_keys_per_bucket(s: Setup) -> None:
    batch = RollupBatch()
    batch.add(T0, (s.campaign.pk, s.creator.org.pk, f"{s.campaign.pk}:{s.creator.org.pk}"), spend=1_000, views=5)
    batch.flush()
    found = series(
        Rollup.objects.all(),
        dimension="collaboration",
        keys=["collab-1", f"{s.campaign.pk}:{s.creator.org.pk}"],
        granularity="day",
        since=T0 - timedelta(days=1),
        until=T0,
    )
    assert [p.totals.spend for p in found.points] == [0, 5_000]
    assert found.totals.views == 20_005 and found.kpis.cpm == Decimal("249.94")  # 5,000 × 1000 / 20,005, half-even
