"""Tracking API: links, promo codes, batch events, shop integrations and webhooks, post metrics, rollups, fraud."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.core.errors import NotFound, PermissionDenied, ValidationFailed
from accord.core.pagination import CursorPagination
from accord.core.schemas import responses
from accord.core.tenancy import get_scoped, scoped
from accord.tracking import services
from accord.tracking.models import (
    Conversion,
    FraudFlag,
    Integration,
    PostMetricSnapshot,
    PromoCode,
    Rollup,
    TrackingLink,
)
from accord.tracking.redirect import public_url
from accord.tracking.rollups import MixedCurrencies, Series, derived, series

router = Router(tags=["tracking"])


def _visible(qs: QuerySet[Any], p: Principal, brand_field: str, creator_field: str) -> QuerySet[Any]:
    """Brands see what belongs to their campaigns, creators what is theirs; other organizations see nothing."""
    if p.organization.kind == Organization.Kind.BRAND:
        return scoped(qs, p.org_id, brand_field)
    if p.organization.kind == Organization.Kind.CREATOR:
        return scoped(qs, p.org_id, creator_field)
    return qs.none()


# --- links and codes -------------------------------------------------------------------------------------------------


TAG = (
    "The collaboration it is made for, contract:<id>; empty: the contract of this campaign and creator when they "
    "have exactly one, else none (its facts then count for the campaign and the creator only)"
)


class LinkIn(Schema):
    campaign_id: int
    creator_id: int
    destination: str = Field(..., min_length=1, max_length=2048)
    collaboration: str = Field("", max_length=64, description=TAG)
    code: str | None = Field(None, min_length=3, max_length=32, pattern=r"^[A-Za-z0-9-]+$")


class LinkOut(Schema):
    id: int
    code: str
    url: str
    destination: str
    campaign_id: int
    creator_id: int
    collaboration: str
    active: bool
    created_at: datetime

    @staticmethod
    def resolve_url(obj: TrackingLink) -> str:
        return public_url(obj.code)


@router.get("/tracking/links", response=responses(list[LinkOut]), summary="Tracking links (brand: its campaigns')")
@paginate(CursorPagination)
def list_links(request: HttpRequest, campaign_id: int | None = None) -> object:
    qs = _visible(TrackingLink.objects.all(), principal(request), "campaign__brand", "creator")
    return qs.filter(campaign_id=campaign_id) if campaign_id else qs


@router.post("/tracking/links", response=responses(LinkOut, 201), summary="Create a tracking link for a creator")
def create_link(request: HttpRequest, payload: LinkIn) -> Status[TrackingLink]:
    return Status(201, services.create_link(principal(request), **payload.dict()))


@router.get("/tracking/links/{link_id}", response=responses(LinkOut))
def get_link(request: HttpRequest, link_id: int) -> TrackingLink:
    p = principal(request)
    field = "creator" if p.organization.kind == Organization.Kind.CREATOR else "campaign__brand"
    return get_scoped(TrackingLink.objects.all(), p.org_id, field, pk=link_id)


@router.post(
    "/tracking/links/{link_id}/deactivate",
    response=responses(LinkOut),
    summary="Stop a tracking link for good (brand): visitors get 404, its clicks so far stay",
)
def deactivate_link(request: HttpRequest, link_id: int) -> TrackingLink:
    return services.deactivate_link(principal(request), link_id)


class PromoCodeIn(Schema):
    campaign_id: int
    creator_id: int
    code: str = Field(..., min_length=3, max_length=64)
    link_id: int | None = None
    collaboration: str = Field("", max_length=64, description=TAG)


class PromoCodeOut(Schema):
    id: int
    code: str
    campaign_id: int
    creator_id: int
    link_id: int | None
    collaboration: str
    active: bool
    created_at: datetime


@router.get("/tracking/promo-codes", response=responses(list[PromoCodeOut]))
@paginate(CursorPagination)
def list_promo_codes(request: HttpRequest) -> object:
    return _visible(PromoCode.objects.all(), principal(request), "brand", "creator")


@router.post("/tracking/promo-codes", response=responses(PromoCodeOut, 201), summary="Create a creator's promo code")
def create_promo_code(request: HttpRequest, payload: PromoCodeIn) -> Status[PromoCode]:
    return Status(201, services.create_promo_code(principal(request), **payload.dict()))


# --- batch events ----------------------------------------------------------------------------------------------------


class IngestErrorOut(Schema):
    index: int
    code: str
    message: str


class IngestOut(Schema):
    received: int
    accepted: int
    duplicates: int
    rejected: int
    errors: list[IngestErrorOut]


_EVENT_SCHEMA = services.EventIn.model_json_schema()


@router.post(
    "/events",
    response=responses(IngestOut),
    summary="Ingest a batch of events (JSON array or NDJSON, up to 10,000)",
    description=(
        "Each event is validated on its own; valid events land even when others are refused. Events are idempotent "
        "by `id` (or, without one, by a hash of the event): a replay is counted under `duplicates`. "
        "Errors name the event's index and a code (invalid_json, invalid_event, unknown_link, currency_mismatch, "
        "naive_time, future_event)."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                # Items are validated one by one (x-event-schema): a bad event is reported, not a bad request.
                "application/json": {"schema": {"type": "array", "items": {}, "maxItems": services.MAX_BATCH}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
        "x-event-schema": _EVENT_SCHEMA,
    },
)
def ingest_events(request: HttpRequest) -> services.IngestResult:
    p = principal(request)
    p.require(Role.MEMBER)
    p.require_kind(Organization.Kind.BRAND)
    items = services.parse_batch(request.body, request.content_type or "")
    return services.ingest_events(p, items)


# --- conversions -----------------------------------------------------------------------------------------------------


class ConversionOut(Schema):
    id: int
    external_id: str
    kind: str
    campaign_id: int
    creator_id: int
    link_id: int | None
    promo_code_id: int | None
    attribution: str
    base: int
    currency: str
    occurred_at: datetime
    excluded: bool


@router.get("/tracking/conversions", response=responses(list[ConversionOut]), summary="Attributed sales and refunds")
@paginate(CursorPagination)
def list_conversions(request: HttpRequest, campaign_id: int | None = None) -> object:
    qs = _visible(Conversion.objects.all(), principal(request), "campaign__brand", "creator")
    return qs.filter(campaign_id=campaign_id) if campaign_id else qs


# --- integrations and webhooks ---------------------------------------------------------------------------------------


class IntegrationIn(Schema):
    platform: Integration.Platform
    name: str = Field(..., min_length=1, max_length=200)


class IntegrationOut(Schema):
    id: int
    platform: str
    name: str
    active: bool
    webhook_url: str
    created_at: datetime

    @staticmethod
    def resolve_webhook_url(obj: Integration) -> str:
        return f"/api/v1/tracking/webhooks/{obj.platform}/{obj.pk}"


class IntegrationCreated(IntegrationOut):
    secret: str = Field(..., description="The HMAC secret to configure in the shop; shown once")


@router.get("/tracking/integrations", response=responses(list[IntegrationOut]), summary="Shop integrations")
@paginate(CursorPagination)
def list_integrations(request: HttpRequest) -> object:
    p = principal(request)
    p.require(Role.ADMIN)
    p.require_kind(Organization.Kind.BRAND)
    return scoped(Integration.objects.all(), p.org_id, "brand")


@router.post(
    "/tracking/integrations", response=responses(IntegrationCreated, 201), summary="Connect a shop (secret shown once)"
)
def create_integration(request: HttpRequest, payload: IntegrationIn) -> Status[Integration]:
    return Status(201, services.create_integration(principal(request), platform=payload.platform, name=payload.name))


class WebhookOut(Schema):
    status: str
    conversions: list[int]
    detail: str


def _webhook_out(outcome: services.WebhookOutcome) -> WebhookOut:
    return WebhookOut(status=outcome.status, conversions=list(outcome.conversions), detail=outcome.detail)


_RAW_JSON = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}}


@router.post(
    "/tracking/webhooks/shopify/{shopify_integration_id}",
    auth=None,
    response=responses(WebhookOut),
    summary="Shopify orders/create, orders/paid, refunds/create (X-Shopify-Hmac-Sha256)",
    openapi_extra=_RAW_JSON,
)
def shopify_webhook(request: HttpRequest, shopify_integration_id: int) -> WebhookOut:
    return _webhook_out(
        services.shopify_webhook(
            shopify_integration_id,
            request.headers.get("X-Shopify-Topic", ""),
            request.body,
            request.headers.get("X-Shopify-Hmac-Sha256"),
        )
    )


@router.post(
    "/tracking/webhooks/woocommerce/{woocommerce_integration_id}",
    auth=None,
    response=responses(WebhookOut),
    summary="WooCommerce order webhooks (X-WC-Webhook-Signature)",
    openapi_extra=_RAW_JSON,
)
def woocommerce_webhook(request: HttpRequest, woocommerce_integration_id: int) -> WebhookOut:
    return _webhook_out(
        services.woocommerce_webhook(
            woocommerce_integration_id,
            request.headers.get("X-WC-Webhook-Topic", ""),
            request.body,
            request.headers.get("X-WC-Webhook-Signature"),
        )
    )


@router.post(
    "/tracking/webhooks/postback/{postback_integration_id}",
    auth=None,
    response=responses(WebhookOut),
    summary="Signed server-to-server postback (Accord-Signature: t=<unix>,v1=<hex HMAC-SHA256 of 't.body'>)",
    openapi_extra=_RAW_JSON,
)
def postback(request: HttpRequest, postback_integration_id: int) -> WebhookOut:
    return _webhook_out(
        services.postback(postback_integration_id, request.body, request.headers.get("Accord-Signature"))
    )


# --- post metrics ----------------------------------------------------------------------------------------------------


class SnapshotOut(Schema):
    id: int
    campaign_id: int
    creator_id: int
    platform: str
    post_id: str
    captured_at: datetime
    views: int
    impressions: int
    reach: int
    likes: int
    comments: int
    shares: int
    saves: int
    source: str
    excluded: bool


@router.post(
    "/tracking/metrics/snapshots",
    response={**responses(SnapshotOut, 201), 200: SnapshotOut},
    summary="Record a post snapshot (201; 200 when the same snapshot was recorded before)",
)
def create_snapshot(request: HttpRequest, payload: services.SnapshotIn) -> Status[PostMetricSnapshot]:
    snap, created = services.record_snapshot(principal(request), payload)
    return Status(201 if created else 200, snap)


class CsvOut(Schema):
    imported: int
    unchanged: int
    errors: list[IngestErrorOut]


@router.post(
    "/tracking/metrics/snapshots/csv",
    response=responses(CsvOut),
    summary="Import post snapshots from CSV",
    description=f"Header: {', '.join(services.CSV_COLUMNS)}. Errors name the CSV line.",
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def import_snapshots(request: HttpRequest) -> services.CsvResult:
    p = principal(request)
    p.require(Role.MEMBER)
    p.require_kind(Organization.Kind.BRAND, Organization.Kind.CREATOR)
    return services.import_snapshots_csv(p, request.body.decode("utf-8-sig", errors="replace"))


@router.get("/tracking/metrics/snapshots", response=responses(list[SnapshotOut]))
@paginate(CursorPagination)
def list_snapshots(request: HttpRequest, campaign_id: int | None = None, post_id: str | None = None) -> object:
    qs = _visible(PostMetricSnapshot.objects.all(), principal(request), "campaign__brand", "creator")
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    return qs.filter(post_id=post_id) if post_id else qs


# --- rollups ---------------------------------------------------------------------------------------------------------


class RollupOut(Schema):
    dimension: str
    key: str
    granularity: str
    bucket: datetime
    currency: str = Field(description="Currency of revenue, refunded and revenue_net (the campaign's)")
    campaign_id: int | None
    creator_id: int | None
    clicks: int
    unique_clicks: int
    bot_clicks: int
    impressions: int
    views: int
    engagements: int
    conversions: int
    refunds: int
    revenue: int
    refunded: int
    revenue_net: int
    engagement_rate: Decimal | None
    conversion_rate: Decimal | None

    @staticmethod
    def resolve_revenue_net(obj: Rollup) -> int:
        return derived(obj).revenue_net

    @staticmethod
    def resolve_engagement_rate(obj: Rollup) -> Decimal | None:
        return derived(obj).engagement_rate

    @staticmethod
    def resolve_conversion_rate(obj: Rollup) -> Decimal | None:
        return derived(obj).conversion_rate


def _currency() -> Any:
    return Query(
        None,
        description="ISO 4217 code: only rows in this currency (money is never added across currencies)",
        pattern="^[A-Z]{3}$",
    )


@router.get(
    "/tracking/rollups",
    response=responses(list[RollupOut]),
    summary="Hourly and daily counters per campaign, creator or collaboration (what dashboards read)",
)
@paginate(CursorPagination)
def list_rollups(
    request: HttpRequest,
    dimension: Literal["campaign", "creator", "collaboration"] | None = None,
    key: str | None = None,
    granularity: Literal["hour", "day"] = "day",
    since: str | None = Query(None, description="ISO 8601 date-time (inclusive)", max_length=40),
    until: str | None = Query(None, description="ISO 8601 date-time (exclusive)", max_length=40),
    currency: str | None = _currency(),
) -> object:
    qs = _visible(Rollup.objects.all(), principal(request), "campaign__brand", "creator").filter(
        granularity=granularity
    )
    if dimension:
        qs = qs.filter(dimension=dimension)
    if currency:
        qs = qs.filter(currency=currency)
    if key:
        qs = qs.filter(key=key)
    if since:
        qs = qs.filter(bucket__gte=parse_when(since, "since"))
    if until:
        qs = qs.filter(bucket__lt=parse_when(until, "until"))
    return qs


class TotalsOut(Schema):
    currency: str = Field(description="Currency of revenue, refunded and spend")
    clicks: int
    unique_clicks: int
    impressions: int
    views: int
    engagements: int
    conversions: int
    refunds: int
    revenue: int
    refunded: int
    spend: int


class KpisOut(Schema):
    currency: str = Field(description="Currency of revenue_net, cpm, cpc and cpa")
    engagement_rate: Decimal | None
    conversion_rate: Decimal | None
    revenue_net: int
    cpm: Decimal | None
    cpc: Decimal | None
    cpa: Decimal | None
    roas: Decimal | None


class PointOut(Schema):
    bucket: datetime
    totals: TotalsOut
    kpis: KpisOut


class SeriesOut(Schema):
    dimension: str
    keys: list[str]
    granularity: str
    since: datetime
    until: datetime
    currency: str = Field(description="Currency of every money figure in the series (empty: no rows in the range)")
    totals: TotalsOut
    kpis: KpisOut
    points: list[PointOut]


def _series_owner(p: Principal, dimension: str, key: str) -> None:
    """A brand reads its campaigns and their collaborations, a creator itself and its collaborations; else 404."""
    kind = p.organization.kind
    if dimension == "campaign" and kind == Organization.Kind.BRAND and key.isdigit():
        get_scoped(Campaign.objects.all(), p.org_id, "brand", pk=int(key))
    elif dimension == "creator" and kind == Organization.Kind.CREATOR and key == str(p.org_id):
        pass
    elif dimension == "collaboration" and kind in (Organization.Kind.BRAND, Organization.Kind.CREATOR):
        # A link's collaboration key is its tag, or "<campaign>:<creator>" when untagged (see collaboration_key).
        campaign, _sep, creator = key.partition(":")
        untagged = (
            Q(collaboration="", campaign_id=int(campaign), creator_id=int(creator))
            if campaign.isdigit() and creator.isdigit()
            else Q(pk__in=[])
        )
        links = _visible(TrackingLink.objects.all(), p, "campaign__brand", "creator")
        rows = _visible(Rollup.objects.all(), p, "campaign__brand", "creator").filter(dimension=dimension, key=key)
        if not links.filter(Q(collaboration=key) | untagged).exists() and not rows.exists():
            raise NotFound("collaboration not found")
    else:
        raise NotFound(f"{dimension} not found")


@router.get(
    "/tracking/series/{dimension}/{key}",
    response=responses(SeriesOut),
    summary="Counters and KPIs (CPM, CPC, CPA, ROAS, engagement rate) per hour or day of a campaign, creator or "
    "collaboration, with the range's totals, in one currency (422 when a creator's rows hold several: pass currency)",
)
def read_series(
    request: HttpRequest,
    dimension: Literal["campaign", "creator", "collaboration"],
    key: str,
    granularity: Literal["hour", "day"] = "day",
    since: str | None = Query(None, description="ISO 8601 date-time (inclusive); default: 30 days ago", max_length=40),
    until: str | None = Query(None, description="ISO 8601 date-time (exclusive); default: now", max_length=40),
    currency: str | None = _currency(),
) -> Status[Series]:
    p = principal(request)
    _series_owner(p, dimension, key)
    end = parse_when(until, "until") if until else clock.now()
    start = parse_when(since, "since") if since else end - timedelta(days=30)
    try:
        found = series(
            _visible(Rollup.objects.all(), p, "campaign__brand", "creator"),
            dimension=dimension,
            keys=[key],
            granularity=granularity,
            since=start,
            until=end,
            currency=currency,
        )
    except MixedCurrencies as exc:
        raise ValidationFailed(
            f"{exc}: choose one with ?currency= ({', '.join(exc.currencies)})", fields={"currency": "required"}
        ) from None
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"since": "invalid"}) from None
    return Status(200, found)


def parse_when(text: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed("expected an ISO 8601 date-time", fields={name: "invalid"}) from None
    if value.tzinfo is None:
        raise ValidationFailed("the date-time needs a UTC offset", fields={name: "naive"})
    return value


# --- fraud flags -----------------------------------------------------------------------------------------------------


class FraudFlagOut(Schema):
    id: int
    target_type: str
    target_id: int
    rule: str
    reason: str
    campaign_id: int
    creator_id: int
    excluded: bool
    created_at: datetime
    cleared_at: datetime | None
    clear_note: str


class ClearIn(Schema):
    note: str = Field(..., min_length=1, max_length=2000)


@router.get("/tracking/fraud-flags", response=responses(list[FraudFlagOut]), summary="Fraud flags with their reasons")
@paginate(CursorPagination)
def list_fraud_flags(request: HttpRequest, active: bool | None = None) -> object:
    p = principal(request)
    qs = (
        FraudFlag.objects.all() if p.is_operator else _visible(FraudFlag.objects.all(), p, "campaign__brand", "creator")
    )
    return qs.filter(excluded=active) if active is not None else qs


@router.post(
    "/tracking/fraud-flags/{fraud_flag_id}/clear",
    response=responses(FraudFlagOut),
    tags=["operator"],
    summary="Clear a fraud flag (operators; audited): the fact counts again",
)
def clear_fraud_flag(request: HttpRequest, fraud_flag_id: int, payload: ClearIn) -> FraudFlag:
    p = principal(request)
    if not p.is_operator:
        raise PermissionDenied("operators only", code="operator_only")
    return services.clear_flag(p, fraud_flag_id, payload.note)
