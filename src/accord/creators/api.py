"""Creators manage their own profile, channels, audience data and rate card; brands read public profiles."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.accounts.models import Organization, Role
from accord.core.errors import NotFound
from accord.core.pagination import CursorPagination
from accord.core.schemas import ERRORS, ObjectBody, responses
from accord.core.tenancy import get_scoped, scoped
from accord.creators import services
from accord.creators.models import Channel, CreatorProfile, RateCardItem

PREFIX = "/creators"
router = Router(tags=["creators"])


class ProfileIn(ObjectBody):
    display_name: str | None = Field(None, min_length=1, max_length=150)
    bio: str | None = Field(None, max_length=5000)
    categories: list[str] | None = Field(None, max_length=10)
    languages: list[str] | None = Field(None, max_length=10)
    country: str | None = Field(None, max_length=2)
    city: str | None = Field(None, max_length=100)
    no_go_categories: list[str] | None = Field(None, max_length=20, description="brand categories refused")
    availability: str | None = Field(None, description="open, limited or unavailable")
    available_from: date | None = None


class ProfileOut(Schema):
    id: int
    organization_id: int
    display_name: str
    bio: str
    categories: list[str]
    languages: list[str]
    country: str
    city: str
    no_go_categories: list[str]
    availability: str
    available_from: date | None
    updated_at: datetime


class ChannelIn(Schema):
    platform: str
    handle: str = Field(..., min_length=1, max_length=100)
    followers: int = Field(0, ge=0, strict=True)
    avg_views: int = Field(0, ge=0, strict=True)
    engagement_rate_bp: int = Field(0, ge=0, le=100_000, description="basis points: 350 = 3.5 %", strict=True)
    posts_per_week: Decimal = Field(Decimal(0), ge=0, max_digits=6, decimal_places=2)
    follower_growth_30d_bp: int = Field(0, ge=-10_000, le=1_000_000, strict=True)


class ChannelPatch(ObjectBody):
    followers: int | None = Field(None, ge=0, strict=True)
    avg_views: int | None = Field(None, ge=0, strict=True)
    engagement_rate_bp: int | None = Field(None, ge=0, le=100_000, strict=True)
    posts_per_week: Decimal | None = Field(None, ge=0, max_digits=6, decimal_places=2)
    follower_growth_30d_bp: int | None = Field(None, ge=-10_000, le=1_000_000, strict=True)


class ChannelOut(Schema):
    id: int
    platform: str
    handle: str
    followers: int
    avg_views: int
    engagement_rate_bp: int
    posts_per_week: Decimal
    follower_growth_30d_bp: int
    audience: dict[str, dict[str, float]]
    audience_source: str
    audience_refreshed_at: datetime | None


class AudienceIn(ObjectBody):
    countries: dict[str, float] | None = Field(None, description="ISO country (ZZ = unknown) -> share")
    age_bands: dict[str, float] | None = None
    genders: dict[str, float] | None = None
    languages: dict[str, float] | None = None
    interests: dict[str, float] | None = None
    cities: dict[str, float] | None = Field(None, description="top cities; may sum to less than 1")


class AudienceCsvIn(Schema):
    csv: str = Field(..., min_length=1, max_length=200_000, description="dimension,key,share rows with a header")


class RateIn(Schema):
    platform: str
    deliverable: str
    price: int = Field(..., ge=0, description="minor units", strict=True)
    currency: str = Field(..., min_length=3, max_length=3)


class RateOut(Schema):
    id: int
    platform: str
    deliverable: str
    price: int
    currency: str


class PublicProfileOut(ProfileOut):
    channels: list[ChannelOut]
    rates: list[RateOut]


def _channel(request: HttpRequest, channel_id: int) -> Channel:
    p = principal(request)
    p.require_kind(Organization.Kind.CREATOR)
    return get_scoped(Channel.objects.all(), p.org_id, pk=channel_id)


@router.get("/me", response=responses(ProfileOut), summary="My creator profile")
def my_profile(request: HttpRequest) -> CreatorProfile:
    return services.get_profile(principal(request))


@router.put("/me", response=responses(ProfileOut), summary="Create or update my creator profile")
def save_profile(request: HttpRequest, payload: ProfileIn) -> CreatorProfile:
    return services.save_profile(principal(request), **payload.dict(exclude_unset=True))


@router.get("/me/channels", response=responses(list[ChannelOut]), summary="My channels")
@paginate(CursorPagination)
def list_channels(request: HttpRequest) -> Any:
    p = principal(request)
    p.require_kind(Organization.Kind.CREATOR)
    return scoped(Channel.objects.all(), p.org_id)


@router.post("/me/channels", response=responses(ChannelOut, 201), summary="Add a channel")
def add_channel(request: HttpRequest, payload: ChannelIn) -> Status:
    data = payload.dict()
    return Status(
        201, services.add_channel(principal(request), platform=data.pop("platform"), handle=data.pop("handle"), **data)
    )


@router.patch("/me/channels/{channel_id}", response=responses(ChannelOut), summary="Update a channel's numbers")
def update_channel(request: HttpRequest, channel_id: int, payload: ChannelPatch) -> Channel:
    return services.update_channel(principal(request), channel_id, **payload.dict(exclude_unset=True))


@router.delete("/me/channels/{channel_id}", response={204: None, **ERRORS}, summary="Remove a channel")
def delete_channel(request: HttpRequest, channel_id: int) -> Status:
    services.delete_channel(principal(request), channel_id)
    return Status(204, None)


@router.put(
    "/me/channels/{channel_id}/audience",
    response=responses(ChannelOut),
    summary="Replace a channel's audience distributions (JSON: dimension -> key -> share)",
)
def import_audience(request: HttpRequest, channel_id: int, payload: AudienceIn) -> Channel:
    return services.import_audience(principal(request), channel_id, payload.dict(exclude_none=True))


@router.post(
    "/me/channels/{channel_id}/audience/csv",
    response=responses(ChannelOut),
    summary="Import a channel's audience from CSV (dimension,key,share)",
)
def import_audience_csv(request: HttpRequest, channel_id: int, payload: AudienceCsvIn) -> Channel:
    return services.import_audience_csv(principal(request), channel_id, payload.csv)


@router.get("/me/rates", response=responses(list[RateOut]), summary="My rate card")
@paginate(CursorPagination)
def list_rates(request: HttpRequest) -> Any:
    p = principal(request)
    p.require_kind(Organization.Kind.CREATOR)
    return scoped(RateCardItem.objects.all(), p.org_id)


@router.put("/me/rates", response=responses(list[RateOut]), summary="Replace my rate card")
def set_rates(request: HttpRequest, payload: list[RateIn]) -> list[RateCardItem]:
    rates = [services.Rate(r.platform, r.deliverable, r.price, r.currency.upper()) for r in payload]
    return services.set_rate_card(principal(request), rates)


@router.get(
    "/{creator_id}", response=responses(PublicProfileOut), summary="A creator's public profile (brands and operators)"
)
def public_profile(request: HttpRequest, creator_id: int) -> dict[str, Any]:
    p = principal(request)
    p.require_kind(Organization.Kind.BRAND, Organization.Kind.OPERATOR)
    p.require(Role.VIEWER)
    profile = CreatorProfile.objects.filter(pk=creator_id).first()
    if profile is None:
        raise NotFound("creator not found")
    out = ProfileOut.from_orm(profile).dict()
    out["channels"] = list(profile.channels.order_by("id"))
    out["rates"] = list(profile.rates.order_by("id"))
    return out
