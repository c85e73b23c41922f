"""Reputation API (trust scores, creator tiers, rate suggestions), added to ``accord.reputation.api.router``."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema

from accord.accounts.api import principal
from accord.accounts.models import Organization, Role
from accord.core.errors import NotFound
from accord.core.schemas import responses
from accord.reputation import figures, growth, tiers
from accord.reputation.api import router
from accord.reputation.models import CreatorTier


class RateOut(Schema):
    ok: int
    total: int
    rate: float | None
    weighted_rate: float | None = Field(None, description="Recent observations weigh more (half-life 180 days)")
    label: str


class TrustOut(Schema):
    organization_id: int
    kind: str
    score: int | None = Field(None, description="0–100; null while there are too few data points")
    confidence: str
    data_points: int
    explanation: list[str]
    rates: dict[str, RateOut]
    days_to_pay: float | None
    contracts: int
    disputes: dict[str, int]
    dispute_rate: float | None


class BenefitsOut(Schema):
    commission_lock_days: int
    payout_frequency: str
    platform_fee_bps: int


class TierOut(Schema):
    tier: str
    since: datetime | None
    figures: dict[str, Any]
    benefits: BenefitsOut
    next_tier: str | None
    missing_for_next: list[str]


class SuggestionOut(Schema):
    platform: str
    deliverable: str
    currency: str
    current_price: int
    suggested_price: int
    creator_cpm: float
    market_cpm: float
    peers: int
    impressions: int
    paid: int
    explanation: str


@router.get("/reputation/organizations/{org_id}/trust", response=responses(TrustOut))
def trust(request: HttpRequest, org_id: int) -> dict[str, Any]:
    """Any signed-in caller: a brand's or creator's trust score with its explanation (shown on profiles and offers)."""
    principal(request).require(Role.VIEWER)
    return figures.figures(org_id).as_dict()


@router.get("/reputation/tier", response=responses(TierOut))
def my_tier(request: HttpRequest) -> dict[str, Any]:
    """A creator's tier, the benefits new contracts get, and what the next tier needs."""
    p = principal(request)
    p.require(Role.VIEWER)
    p.require_kind(Organization.Kind.CREATOR)
    row = CreatorTier.objects.filter(organization_id=p.org_id).first()  # refreshed daily by the tiers job
    result = growth.tier_for(tiers.inputs(p.org_id))
    tier = tiers.current_tier(p.org_id)
    return {
        "tier": tier.name,
        "since": row.since if row else None,
        "figures": row.figures if row else {},
        "benefits": tier.benefits,
        "next_tier": result.next_tier.name if result.next_tier else None,
        "missing_for_next": result.missing,
    }


@router.get("/reputation/rate-suggestions", response=responses(list[SuggestionOut]))
def rate_suggestions(request: HttpRequest) -> list[dict[str, Any]]:
    """A creator's rate-card prices that their delivered performance says are too low, with the numbers."""
    p = principal(request)
    p.require(Role.VIEWER)
    p.require_kind(Organization.Kind.CREATOR)
    return tiers.rate_suggestions(p.org_id)


@router.get("/reputation/organizations/{org_id}/rate-suggestions", response=responses(list[SuggestionOut]))
def creator_rate_suggestions(request: HttpRequest, org_id: int) -> list[dict[str, Any]]:
    """The creator itself, or a brand that has a contract with the creator: the suggested rates with the numbers."""
    p = principal(request)
    p.require(Role.VIEWER)
    if not tiers.may_see_rates(p.org_id, org_id):
        raise NotFound("creator not found")
    return tiers.rate_suggestions(org_id)
