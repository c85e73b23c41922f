"""Discovery for brands: search, campaign matches with explanations, shortlists, unique reach, the budget optimizer.

Ranked lists page with an opaque cursor of their own (the last row's sort value and id), in the same
``{"items", "next_cursor"}`` shape as every other list; shortlists page with the standard ``CursorPagination``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.core.pagination import CursorPagination
from accord.core.schemas import ERRORS, ObjectBody, responses
from accord.core.tenancy import scoped
from accord.matching import queries, services
from accord.matching import search as searching
from accord.matching.models import Shortlist

PREFIX = "/matching"
router = Router(tags=["matching"])


class AudienceConstraintIn(Schema):
    dimension: str = Field(..., description="countries, age_bands, genders, languages or interests")
    keys: list[str] = Field(..., min_length=1, max_length=30)
    min_share: float = Field(..., ge=0, le=1, description="e.g. 0.4 for at least 40 %")


class SearchIn(ObjectBody):
    platforms: list[str] = Field(default_factory=list, max_length=10)
    followers_min: int | None = Field(None, ge=0, strict=True)
    followers_max: int | None = Field(None, ge=0, strict=True)
    engagement_min_bp: int | None = Field(None, ge=0, description="basis points: 300 = 3 %", strict=True)
    engagement_max_bp: int | None = Field(None, ge=0, strict=True)
    countries: list[str] = Field(default_factory=list, max_length=30, description="the creator's home country")
    languages: list[str] = Field(default_factory=list, max_length=20, description="languages the creator posts in")
    categories: list[str] = Field(default_factory=list, max_length=20)
    price_min: int | None = Field(None, ge=0, description="minor units of the currency", strict=True)
    price_max: int | None = Field(None, ge=0, strict=True)
    currency: str = Field("EUR", min_length=3, max_length=3)
    audience: list[AudienceConstraintIn] = Field(default_factory=list, max_length=10)
    available_only: bool = Field(False, strict=True)
    campaign_id: int | None = Field(None, description="score and explain against this campaign", strict=True)
    sort: str = Field("followers", description="score, audience_fit (need a campaign), followers, engagement, price")
    limit: int = Field(20, ge=1, le=100, strict=True)
    cursor: str | None = None


class ChannelBrief(Schema):
    platform: str
    handle: str
    followers: int
    engagement_rate_bp: int
    audience_refreshed_at: datetime | None


class CreatorHit(Schema):
    creator_id: int
    display_name: str
    country: str
    city: str
    categories: list[str]
    languages: list[str]
    availability: str
    followers: int
    channels: list[ChannelBrief]
    price: int | None = Field(None, description="cheapest deliverable on the wanted platforms, minor units")
    currency: str
    score: float | None = None
    components: dict[str, Any] | None = Field(None, description="each score part with its value and why")


class HitPage(Schema):
    items: list[CreatorHit]
    next_cursor: str | None = None
    matched: int = Field(..., description="creators that passed the filters")


class ShortlistIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    campaign_id: int | None = Field(None, strict=True)


class ShortlistPatch(ObjectBody):
    name: str | None = Field(None, min_length=1, max_length=200)
    campaign_id: int | None = Field(None, strict=True)


class ShortlistOut(Schema):
    id: int
    name: str
    campaign_id: int | None
    created_at: datetime
    updated_at: datetime


class EntryOut(Schema):
    creator_id: int
    display_name: str
    note: str
    added_at: datetime


class ShortlistDetail(ShortlistOut):
    entries: list[EntryOut]


class EntryIn(Schema):
    creator_id: int = Field(..., strict=True)
    note: str = Field("", max_length=500)


class ReachOut(Schema):
    shortlist_id: int
    creators: list[CreatorHit]
    total_followers: int
    unique_reach: int
    duplicated: int
    overlap: list[list[int]] = Field(
        ..., description="people each pair of creators shares (row/column order = creators)"
    )
    overlap_share: list[list[float]] = Field(..., description="overlap as a share of the smaller audience")
    marginal: list[int] = Field(..., description="people only this creator adds to the rest of the set")
    model: str


class OptimizeIn(Schema):
    campaign_id: int = Field(..., strict=True)
    shortlist_id: int | None = Field(
        None, description="candidates: this shortlist; default the best matches", strict=True
    )
    candidates: int = Field(500, ge=1, le=queries.MAX_OPTIMIZER_CANDIDATES, strict=True)
    budget: int | None = Field(None, ge=0, description="minor units; default the campaign's budget", strict=True)
    max_share_pct: Decimal = Field(Decimal(100), gt=0, le=100, description="at most this % of the budget per creator")
    min_creators: int = Field(0, ge=0, le=1000, strict=True)
    min_coverage: dict[str, int] = Field(
        default_factory=dict, description="country -> at least this many expected views in that country"
    )


class OptimizeOut(Schema):
    campaign_id: int
    method: str
    status: str
    candidates: int
    chosen: list[CreatorHit]
    expected_outcome: float
    outcome: str
    spent: int
    budget: int
    currency: str
    bound: float
    gap: float = Field(..., description="(bound - outcome) / bound; 0 for a proven optimum")
    seconds: float


def _filters(payload: SearchIn) -> searching.Filters:
    return searching.Filters(
        platforms=payload.platforms,
        followers_min=payload.followers_min,
        followers_max=payload.followers_max,
        engagement_min_bp=payload.engagement_min_bp,
        engagement_max_bp=payload.engagement_max_bp,
        countries=[c.upper() for c in payload.countries],
        languages=payload.languages,
        categories=payload.categories,
        price_min=payload.price_min,
        price_max=payload.price_max,
        audience=[
            searching.AudienceConstraint(
                a.dimension, tuple(k.upper() if a.dimension == "countries" else k for k in a.keys), a.min_share
            )
            for a in payload.audience
        ],
        available_only=payload.available_only,
    )


@router.post("/search", response=responses(HitPage), summary="Search creators with filters, sorted, paged")
def search(request: HttpRequest, payload: SearchIn) -> dict[str, Any]:
    items, next_cursor, matched = queries.search(
        principal(request),
        _filters(payload),
        campaign_id=payload.campaign_id,
        sort=payload.sort,
        limit=payload.limit,
        cursor=payload.cursor,
        currency=payload.currency.upper(),
    )
    return {"items": items, "next_cursor": next_cursor, "matched": matched}


@router.get(
    "/campaigns/{campaign_id}/matches",
    response=responses(HitPage),
    summary="The best creators for a campaign, each score part explained",
)
def campaign_matches(
    request: HttpRequest, campaign_id: int, limit: int = Query(20, ge=1, le=100), cursor: str | None = None
) -> dict[str, Any]:
    _campaign, items, next_cursor, matched = queries.match_campaign(
        principal(request), campaign_id, limit=limit, cursor=cursor
    )
    return {"items": items, "next_cursor": next_cursor, "matched": matched}


@router.get("/shortlists", response=responses(list[ShortlistOut]), summary="The organization's shortlists")
@paginate(CursorPagination)
def list_shortlists(request: HttpRequest) -> QuerySet[Shortlist]:
    p = principal(request)
    queries.require_brand(p)
    return scoped(Shortlist.objects.annotate(size=Count("entries")), p.org_id)


@router.post("/shortlists", response=responses(ShortlistOut, 201), summary="Create a shortlist")
def create_shortlist(request: HttpRequest, payload: ShortlistIn) -> Status:
    return Status(
        201, services.create_shortlist(principal(request), name=payload.name, campaign_id=payload.campaign_id)
    )


def _detail(shortlist: Shortlist) -> dict[str, Any]:
    entries = shortlist.entries.select_related("creator").order_by("id")
    return {
        "id": shortlist.pk,
        "name": shortlist.name,
        "campaign_id": shortlist.campaign_id,
        "created_at": shortlist.created_at,
        "updated_at": shortlist.updated_at,
        "entries": [
            {
                "creator_id": e.creator_id,
                "display_name": e.creator.display_name,
                "note": e.note,
                "added_at": e.added_at,
            }
            for e in entries
        ],
    }


@router.get("/shortlists/{shortlist_id}", response=responses(ShortlistDetail), summary="A shortlist with its creators")
def get_shortlist(request: HttpRequest, shortlist_id: int) -> dict[str, Any]:
    p = principal(request)
    queries.require_brand(p)
    return _detail(queries.shortlist_of(p, shortlist_id))


@router.patch("/shortlists/{shortlist_id}", response=responses(ShortlistDetail), summary="Rename or re-target")
def update_shortlist(request: HttpRequest, shortlist_id: int, payload: ShortlistPatch) -> dict[str, Any]:
    shortlist = services.update_shortlist(
        principal(request), shortlist_id, name=payload.name, campaign_id=payload.campaign_id
    )
    return _detail(shortlist)


@router.delete("/shortlists/{shortlist_id}", response={204: None, **ERRORS}, summary="Delete a shortlist")
def delete_shortlist(request: HttpRequest, shortlist_id: int) -> Status:
    services.delete_shortlist(principal(request), shortlist_id)
    return Status(204, None)


@router.post(
    "/shortlists/{shortlist_id}/entries",
    response=responses(ShortlistDetail, 201),
    summary="Add a creator (refused with values_conflict when they refuse the campaign's brand categories)",
)
def add_entry(request: HttpRequest, shortlist_id: int, payload: EntryIn) -> Status:
    p = principal(request)
    services.add_creator(p, shortlist_id, payload.creator_id, note=payload.note)
    return Status(201, _detail(queries.shortlist_of(p, shortlist_id)))


@router.delete(
    "/shortlists/{shortlist_id}/entries/{creator_id}", response={204: None, **ERRORS}, summary="Remove a creator"
)
def remove_entry(request: HttpRequest, shortlist_id: int, creator_id: int) -> Status:
    services.remove_creator(principal(request), shortlist_id, creator_id)
    return Status(204, None)


@router.get(
    "/shortlists/{shortlist_id}/reach",
    response=responses(ReachOut),
    summary="Audience overlap between the shortlisted creators and their de-duplicated reach",
)
def shortlist_reach(request: HttpRequest, shortlist_id: int) -> dict[str, Any]:
    shortlist, creators, estimate = queries.shortlist_reach(principal(request), shortlist_id)
    return {
        "shortlist_id": shortlist.pk,
        "creators": creators,
        "total_followers": estimate.total_followers,
        "unique_reach": estimate.unique_reach,
        "duplicated": estimate.duplicated,
        "overlap": estimate.overlap,
        "overlap_share": estimate.overlap_share,
        "marginal": estimate.marginal,
        "model": "market x interest cells; followers drawn at random within a cell (see matching/reach.py)",
    }


@router.post(
    "/optimize",
    response=responses(OptimizeOut),
    summary="Choose the creator mix with the largest expected outcome within the budget (exact MILP or greedy+gap)",
)
def optimize(request: HttpRequest, payload: OptimizeIn) -> dict[str, Any]:
    result = queries.optimize(
        principal(request),
        campaign_id=payload.campaign_id,
        shortlist_id=payload.shortlist_id,
        budget=payload.budget,
        max_share_pct=payload.max_share_pct,
        min_creators=payload.min_creators,
        min_coverage={k.upper(): v for k, v in payload.min_coverage.items()},
        candidates=payload.candidates,
    )
    s = result.solution
    return {
        "campaign_id": result.campaign.pk,
        "method": s.method,
        "status": s.status,
        "candidates": result.candidates,
        "chosen": result.chosen,
        "expected_outcome": round(s.value, 2),
        "outcome": result.outcome,
        "spent": s.spent,
        "budget": result.campaign.budget if payload.budget is None else payload.budget,
        "currency": result.campaign.currency,
        "bound": round(s.bound, 2),
        "gap": round(s.gap, 6),
        "seconds": round(s.seconds, 4),
    }
