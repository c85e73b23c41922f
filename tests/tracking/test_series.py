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


def usd_campaign_with_a_sale(s: Setup) -> int:
    """A second campaign of the same brand and creator, in USD, with a 50.00 sale and 7.00 spend today."""
    usd = make_campaign(s.brand.org, currency="USD")
    link = services.create_link(
        s.brand_principal(), campaign_id=usd.pk, creator_id=s.creator.org.pk, destination="https://shop.example/us"
    )
    result = services.ingest_events(
        s.brand_principal(),
        [{"id": "usd-1", "type": "conversion", "link": link.code, "amount": 5_000, "currency": "USD"},
         {"id": "usd-2", "type": "click", "link": link.code, "quantity": 3}],
    )  # fmt: skip
    assert not result.errors
    batch = RollupBatch()
    batch.add(T0, (usd.pk, s.creator.org.pk, link.collaboration_key, "USD"), spend=700)
    batch.flush()
    return usd.pk


def test_creator_money_is_kept_per_currency(s: Setup) -> None:
    usd = usd_campaign_with_a_sale(s)
    today = T0.replace(hour=0, minute=0)
    rows = Rollup.objects.filter(dimension="creator", key=str(s.creator.org.pk), granularity="day", bucket=today)
    by_currency = {r.currency: (r.revenue, r.spend, r.clicks) for r in rows}
    assert by_currency == {"EUR": (0, 4_000, 0), "USD": (5_000, 700, 3)}  # EUR's sale was yesterday
    assert set(Rollup.objects.filter(campaign_id=usd).values_list("currency", flat=True)) == {"USD"}
    creator = client_for(s.creator.users[Role.VIEWER], s.creator.org)
    mixed = creator.get(f"/api/v1/tracking/series/creator/{s.creator.org.pk}")
    error = mixed.json()["error"]
    assert mixed.status_code == 422 and error["fields"] == {"currency": "required"} and "EUR, USD" in error["message"]
    eur = get(creator, "creator", s.creator.org.pk, currency="EUR")
    assert (eur["currency"], eur["totals"]["revenue"], eur["totals"]["spend"]) == ("EUR", 12_000, 4_000)
    assert eur["kpis"]["currency"] == "EUR" and eur["kpis"]["roas"] == "3.0000"
    assert {p["totals"]["currency"] for p in eur["points"]} == {"EUR"}  # empty days too
    dollars = get(creator, "creator", s.creator.org.pk, currency="USD")
    assert (dollars["totals"]["revenue"], dollars["totals"]["spend"], dollars["kpis"]["roas"]) == (5_000, 700, "7.1429")
    assert dollars["kpis"]["cpc"] is None  # no unique (redirect) clicks: ingested clicks are not unique clicks
    campaign = get(s.brand_client(), "campaign", usd)
    assert (campaign["currency"], campaign["totals"]["revenue"]) == ("USD", 5_000)
    listed = creator.get("/api/v1/tracking/rollups", data={"dimension": "creator", "currency": "USD"}).json()
    assert {(r["currency"], r["revenue"]) for r in listed["items"]} == {("USD", 5_000)}


def test_the_migration_splits_legacy_creator_rows_by_currency(s: Setup) -> None:
    import importlib

    from django.apps import apps

    usd_campaign_with_a_sale(s)
    creator_rows = Rollup.objects.filter(dimension="creator")
    expected = sorted(creator_rows.values_list("key", "currency", "granularity", "bucket", "revenue", "spend"))
    # Before the migration a creator had one row per bucket, EUR and USD added together, and no currency anywhere.
    legacy = {}
    for row in creator_rows:
        old = legacy.setdefault((row.key, row.granularity, row.bucket), row)
        if old is not row:
            old.revenue, old.spend = old.revenue + row.revenue, old.spend + row.spend
            row.delete()
    for row in legacy.values():
        row.save()
    Rollup.objects.update(currency="")
    migration = importlib.import_module("accord.tracking.migrations.0004_rollup_currency")
    migration.split_by_currency(apps, None)
    after = sorted(creator_rows.values_list("key", "currency", "granularity", "bucket", "revenue", "spend"))
    assert after == expected and {c for _k, c, *_ in after} == {"EUR", "USD"}
    assert not Rollup.objects.filter(currency="").exists()
