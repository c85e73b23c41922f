"""Matching through the API and the brand pages, on a seeded catalog in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from accord.accounts.models import Organization
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.creators.generator import seed_demo_creators
from accord.creators.models import CreatorProfile
from tests.conftest import Team, client_for, make_team

pytestmark = pytest.mark.django_db
API = "/api/v1/matching"


@pytest.fixture
def catalog() -> None:
    seed_demo_creators(40, seed=31)


def _campaign(team: Team, **kw: Any) -> Campaign:
    fields: dict[str, Any] = {
        "brand": team.org,
        "name": "Spring trails",
        "description": "hiking camping trails mountains backpacking gear travel",
        "budget": 2_000_000,
        "currency": "EUR",
        "platforms": ["instagram", "tiktok", "youtube"],
        "target": {"countries": ["NL", "BE", "DE"], "age_bands": ["18-24", "25-34"]},
        "brand_categories": [],
    }
    fields.update(kw)
    return Campaign.objects.create(**fields)


def test_campaign_matches_are_ranked_explained_and_paged(team: Team, catalog: None) -> None:
    campaign = _campaign(team)
    client = client_for(team.users["viewer"], team.org)
    first = client.get(f"{API}/campaigns/{campaign.pk}/matches", {"limit": 5}).json()
    assert len(first["items"]) == 5 and first["next_cursor"]
    scores = [item["score"] for item in first["items"]]
    assert scores == sorted(scores, reverse=True)
    parts = first["items"][0]["components"]
    assert {"audience_fit", "topical_fit", "engagement_quality", "authenticity", "price_fit", "reliability"} <= set(
        parts
    )
    assert all("why" in p and "value" in p for p in parts.values())
    second = client.get(f"{API}/campaigns/{campaign.pk}/matches", {"limit": 5, "cursor": first["next_cursor"]}).json()
    ids = [i["creator_id"] for i in first["items"]] + [i["creator_id"] for i in second["items"]]
    assert len(set(ids)) == 10
    assert second["items"][0]["score"] <= first["items"][-1]["score"]


def test_values_conflicts_are_filtered_and_refused(team: Team, catalog: None) -> None:
    campaign = _campaign(team, brand_categories=["gambling"])
    refusing = {p.pk for p in CreatorProfile.objects.all() if "gambling" in p.no_go_categories}
    assert refusing
    client = client_for(team.users["member"], team.org)
    seen = client.get(f"{API}/campaigns/{campaign.pk}/matches", {"limit": 100}).json()["items"]
    assert seen and not refusing & {i["creator_id"] for i in seen}
    shortlist = client.post(f"{API}/shortlists", {"name": "Bets", "campaign_id": campaign.pk}, "application/json")
    sid = shortlist.json()["id"]
    refused = client.post(f"{API}/shortlists/{sid}/entries", {"creator_id": min(refusing)}, "application/json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "values_conflict"
    ok = client.post(f"{API}/shortlists/{sid}/entries", {"creator_id": seen[0]["creator_id"]}, "application/json")
    assert ok.status_code == 201


def test_shortlist_reach_and_optimizer(team: Team, catalog: None) -> None:
    campaign = _campaign(team)
    client = client_for(team.users["member"], team.org)
    top = client.get(f"{API}/campaigns/{campaign.pk}/matches", {"limit": 6}).json()["items"]
    sid = client.post(f"{API}/shortlists", {"name": "Mix", "campaign_id": campaign.pk}, "application/json").json()["id"]
    for item in top:
        assert client.post(f"{API}/shortlists/{sid}/entries", {"creator_id": item["creator_id"]}, "application/json")
    reach = client.get(f"{API}/shortlists/{sid}/reach").json()
    assert len(reach["creators"]) == 6
    assert reach["unique_reach"] <= reach["total_followers"]
    assert len(reach["overlap"]) == 6 and all(len(row) == 6 for row in reach["overlap"])
    body = {"campaign_id": campaign.pk, "candidates": 40, "max_share_pct": "40", "min_creators": 2}
    result = client.post(f"{API}/optimize", body, "application/json").json()
    assert result["method"] == "milp" and result["status"] == "optimal"
    assert result["spent"] <= campaign.budget
    assert all(c["price"] <= campaign.budget * 0.4 for c in result["chosen"])
    assert len(result["chosen"]) >= 2 and result["gap"] < 1e-4
    with_shortlist = client.post(f"{API}/optimize", {**body, "shortlist_id": sid}, "application/json").json()
    assert {c["creator_id"] for c in with_shortlist["chosen"]} <= {i["creator_id"] for i in top}


def test_search_with_audience_constraints(team: Team, catalog: None) -> None:
    client = client_for(team.users["viewer"], team.org)
    body = {
        "audience": [{"dimension": "countries", "keys": ["NL"], "min_share": 0.4}],
        "followers_min": 1000,
        "sort": "followers",
        "limit": 50,
    }
    items = client.post(f"{API}/search", body, "application/json").json()["items"]
    followers = [i["followers"] for i in items]
    assert followers == sorted(followers, reverse=True)
    nl = {p.pk for p in CreatorProfile.objects.all() if p.country == "NL"}
    assert {i["creator_id"] for i in items} >= {pk for pk in nl if pk in {i["creator_id"] for i in items}}
    bad = client.post(f"{API}/search", {"sort": "score"}, "application/json")
    assert bad.status_code == 422


def test_brand_pages(team: Team, catalog: None) -> None:
    campaign = _campaign(team)
    client = client_for(team.users["member"], team.org)
    page = client.get(f"/discover/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    assert b"Audience fit" in page.content and b"Authenticity" in page.content
    first = CreatorProfile.objects.order_by("id").first()
    assert first is not None
    added = client.post(
        "/discover/shortlists/add/",
        {"creator_id": first.pk, "shortlist_id": "new", "campaign_id": campaign.pk, "name": "Picks", "next": "/"},
    )
    assert added.status_code == 302
    shortlist = team.org.shortlists.get()
    assert client.get(f"/discover/shortlists/{shortlist.pk}/").status_code == 200
    creator = make_team(Organization.Kind.CREATOR)
    assert client_for(creator.users["owner"], creator.org).get("/discover/").status_code == 403
    other = make_team()
    assert client_for(other.users["owner"], other.org).get(f"/discover/campaigns/{campaign.pk}/").status_code == 404


def test_new_audience_data_reaches_matching_at_once(team: Team, catalog: None) -> None:
    clock.set_now(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))  # a standing clock: the catalog must still notice the change
    campaign = _campaign(team, target={"countries": ["IE"], "age_bands": ["45-54"]}, platforms=["twitch"])
    creator = make_team(Organization.Kind.CREATOR)
    cc = client_for(creator.users["owner"], creator.org)
    cc.put("/api/v1/creators/me", {"display_name": "Irish Streamer", "bio": "hiking trails"}, "application/json")
    channel = cc.post(
        "/api/v1/creators/me/channels",
        {"platform": "twitch", "handle": "irish", "followers": 9_000, "avg_views": 400, "engagement_rate_bp": 420},
        "application/json",
    ).json()
    brand = client_for(team.users["viewer"], team.org)

    def fit() -> float | None:
        items = brand.get(f"{API}/campaigns/{campaign.pk}/matches", {"limit": 100}).json()["items"]
        mine = [i for i in items if i["display_name"] == "Irish Streamer"]
        return mine[0]["components"]["audience_fit"]["value"] if mine else None

    assert fit() == 0.0  # no audience data yet: nothing is known to be inside the target
    csv = "dimension,key,share\ncountries,IE,1\nage_bands,45-54,1\n"
    assert cc.post(f"/api/v1/creators/me/channels/{channel['id']}/audience/csv", {"csv": csv}, "application/json")
    assert fit() == 1.0  # the whole audience inside the target
