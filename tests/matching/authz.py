"""Authorization matrix for matching: brands only; shortlists and campaigns are scoped to the brand."""

from __future__ import annotations

from typing import Any

from accord.campaigns.models import Campaign
from accord.creators.models import CreatorProfile
from accord.matching.models import Shortlist, ShortlistEntry
from tests.authz import Expect, World, by_role


def _brand(minimum: str, **kw: Any) -> Expect:
    return by_role(minimum, operator=403, **kw)


def _entry_body(world: World, principal: str) -> dict[str, Any]:
    return {"creator_id": world.ids["matching_new_creator_id"]}


def _optimize_body(world: World, principal: str) -> dict[str, Any]:
    return {"campaign_id": world.ids["matching_campaign_id"], "candidates": 10}


MATRIX: dict[str, Expect] = {
    "POST /api/v1/matching/search": _brand("viewer", body={"followers_min": 1000}),
    "GET /api/v1/matching/campaigns/{campaign_id}/matches": _brand("viewer", scoped=True).with_ids(
        campaign_id="matching_campaign_id"
    ),
    "GET /api/v1/matching/shortlists": _brand("viewer"),
    "POST /api/v1/matching/shortlists": _brand("member", ok=201, body={"name": "Summer picks"}),
    "GET /api/v1/matching/shortlists/{shortlist_id}": _brand("viewer", scoped=True).with_ids(
        shortlist_id="matching_shortlist_id"
    ),
    "PATCH /api/v1/matching/shortlists/{shortlist_id}": _brand("member", scoped=True, body={"name": "B"}).with_ids(
        shortlist_id="matching_shortlist_id"
    ),
    "DELETE /api/v1/matching/shortlists/{shortlist_id}": _brand("member", ok=204, scoped=True).with_ids(
        shortlist_id="matching_shortlist_id"
    ),
    "POST /api/v1/matching/shortlists/{shortlist_id}/entries": _brand(
        "member", ok=201, scoped=True, body=_entry_body
    ).with_ids(shortlist_id="matching_shortlist_id"),
    "DELETE /api/v1/matching/shortlists/{shortlist_id}/entries/{creator_id}": Expect(
        _brand("member", ok=204, scoped=True).statuses,
        path_ids={"shortlist_id": "matching_shortlist_id", "creator_id": "matching_listed_creator_id"},
    ),
    "GET /api/v1/matching/shortlists/{shortlist_id}/reach": _brand("viewer", scoped=True).with_ids(
        shortlist_id="matching_shortlist_id"
    ),
    # The rival brand names a campaign that is not theirs: 404.
    "POST /api/v1/matching/optimize": _brand("viewer", other_tenant=404, body=_optimize_body),
}


def build(world: World) -> None:
    campaign = Campaign.objects.create(
        brand=world.brand,
        name="Matching authz campaign",
        budget=500_000,
        currency="EUR",
        platforms=["instagram"],
        target={"countries": ["NL"]},
    )
    # tests/creators/authz.py may already have given both creator organizations a profile
    listed = CreatorProfile.objects.filter(organization=world.creator).first() or CreatorProfile.objects.create(
        organization=world.creator, display_name="Listed"
    )
    fresh = CreatorProfile.objects.filter(organization=world.rival_creator).first() or CreatorProfile.objects.create(
        organization=world.rival_creator, display_name="Fresh"
    )
    shortlist = Shortlist.objects.create(organization=world.brand, campaign=campaign, name="Picks")
    ShortlistEntry.objects.create(shortlist=shortlist, creator=listed)
    world.ids["matching_campaign_id"] = campaign.pk
    world.ids["matching_shortlist_id"] = shortlist.pk
    world.ids["matching_listed_creator_id"] = listed.pk
    world.ids["matching_new_creator_id"] = fresh.pk
