"""The only functions that change tracking state. Each is one transaction; tracking never touches money."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils.translation import gettext
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role, User
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from accord.core.tenancy import get_scoped, scoped
from accord.tracking import attribution, fraud, platforms, signatures
from accord.tracking.clickstore import ClickRecord, store_clicks
from accord.tracking.ingest import (  # noqa: F401  (re-exported)
    EVENT_COUNTERS,
    MAX_BATCH,
    EventIn,
    IngestError,
    IngestResult,
    event_counts,
    ingest_events,
    parse_batch,
)
from accord.tracking.models import (
    Click,
    Conversion,
    Event,
    FraudFlag,
    Integration,
    Order,
    PostMetricSnapshot,
    PromoCode,
    TrackingLink,
    collaboration_key,
)
from accord.tracking.rollups import RollupBatch, RollupKey
from accord.tracking.sources import MetricsSource

CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_RE = re.compile(r"^[A-Za-z0-9-]{3,32}$")
PROMO_RE = re.compile(r"^[A-Za-z0-9_-]{3,64}$")
BOT_RE = re.compile(
    r"bot\b|bot/|crawler|crawl|spider|slurp|facebookexternalhit|facebot|embedly|preview|scraper|curl/|wget/|"
    r"python-requests|python-urllib|httpx|aiohttp|go-http-client|okhttp|java/|libwww|headlesschrome|phantomjs|"
    r"lighthouse|pingdom|uptimerobot|monitor",
    re.IGNORECASE,
)


# --- hashing (no raw IPs or e-mails are stored) ----------------------------------------------------------------------


def _salt() -> bytes:
    configured = getattr(settings, "ACCORD_TRACKING_SALT", "")
    return (configured or hashlib.sha256(f"tracking:{settings.SECRET_KEY}".encode()).hexdigest()).encode()


# kind → SHA-256 state after salt and kind: a redirect hashes twice a click, and reading settings costs more than
# the hash. Dropped when a test changes the salt or the secret key.
_hash_prefixes: dict[str, Any] = {}


@receiver(setting_changed)
def _forget_salt(setting: str, **kwargs: Any) -> None:
    if setting in ("ACCORD_TRACKING_SALT", "SECRET_KEY"):
        _hash_prefixes.clear()


def salted_hash(kind: str, value: str) -> str:
    """SHA-256 of salt, kind and value (hex)."""
    prefix = _hash_prefixes.get(kind)
    if prefix is None:
        prefix = _hash_prefixes[kind] = hashlib.sha256(_salt() + b"\0" + kind.encode() + b"\0")
    h = prefix.copy()
    h.update(value.encode())
    return str(h.hexdigest())


def email_hash(email: str) -> str:
    return salted_hash("email", email.strip().lower()) if email.strip() else ""


@functools.lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    # Cached: a loader batch holds thousands of clicks from a few hundred browsers, and the pattern scans each.
    return not user_agent.strip() or bool(BOT_RE.search(user_agent))


# --- links and codes -------------------------------------------------------------------------------------------------


def _brand_campaign(p: Principal, campaign_id: int) -> Campaign:
    p.require_kind(Organization.Kind.BRAND)
    return get_scoped(Campaign.objects.all(), p.org_id, "brand", pk=campaign_id)


def _creator_org(creator_id: int) -> Organization:
    creator = Organization.objects.filter(pk=creator_id, kind=Organization.Kind.CREATOR).first()
    if creator is None:
        raise ValidationFailed(gettext("no such creator organization"), fields={"creator_id": "unknown"})
    return creator


def create_link(
    p: Principal,
    *,
    campaign_id: int,
    creator_id: int,
    destination: str,
    collaboration: str = "",
    code: str | None = None,
) -> TrackingLink:
    p.require(Role.MEMBER)
    campaign = _brand_campaign(p, campaign_id)
    creator = _creator_org(creator_id)
    parts = urlsplit(destination)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed(gettext("the destination must be an http(s) URL"), fields={"destination": "invalid"})
    if code is not None and not CODE_RE.match(code):
        raise ValidationFailed(gettext("codes are 3-32 letters, digits or dashes"), fields={"code": "invalid"})
    with transaction.atomic():
        for _ in range(5):
            candidate = code or "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
            if TrackingLink.objects.filter(code=candidate).exists():
                if code:
                    raise Conflict(gettext("this code is taken"), code="code_taken", fields={"code": "taken"})
                continue
            link = TrackingLink.objects.create(
                code=candidate,
                destination=destination,
                campaign=campaign,
                creator=creator,
                collaboration=collaboration,
                created_by=p.user,
            )
            p.audit("tracking.link_created", "tracking_link", link.pk, {"code": link.code, "campaign": campaign.pk})
            return link
    raise Conflict(gettext("could not allocate a unique code; retry"), code="code_exhausted")


def deactivate_link(p: Principal, link_id: int) -> TrackingLink:
    """Stop a link for good (it leaked, or the campaign is over): visitors get 404, its clicks so far stay and count.

    Every redirect process forgets it at commit (``accord.tracking.redirect``: the saving process at once, others
    by PostgreSQL NOTIFY, else within the cache's few seconds)."""
    p.require(Role.MEMBER)
    p.require_kind(Organization.Kind.BRAND)
    with transaction.atomic():
        link = get_scoped(TrackingLink.objects.select_for_update(of=("self",)), p.org_id, "campaign__brand", pk=link_id)
        if link.active:
            link.active = False
            link.save(update_fields=["active"])
            p.audit("tracking.link_deactivated", "tracking_link", link.pk, {"code": link.code})
    return link


def create_promo_code(
    p: Principal, *, campaign_id: int, creator_id: int, code: str, link_id: int | None = None, collaboration: str = ""
) -> PromoCode:
    p.require(Role.MEMBER)
    campaign = _brand_campaign(p, campaign_id)
    creator = _creator_org(creator_id)
    if not PROMO_RE.match(code):
        raise ValidationFailed(gettext("codes are 3-64 letters, digits, _ or -"), fields={"code": "invalid"})
    link = None
    if link_id is not None:
        link = get_scoped(TrackingLink.objects.all(), p.org_id, "campaign__brand", pk=link_id)
        if link.creator_id != creator.pk or link.campaign_id != campaign.pk:
            raise ValidationFailed(gettext("the link belongs to another collaboration"), fields={"link_id": "mismatch"})
    try:
        with transaction.atomic():
            promo = PromoCode.objects.create(
                brand_id=p.org_id,
                code=code.upper(),
                campaign=campaign,
                creator=creator,
                link=link,
                collaboration=collaboration,
            )
            p.audit("tracking.promo_code_created", "promo_code", promo.pk, {"code": promo.code})
    except IntegrityError:
        raise Conflict(gettext("this code exists already"), code="code_taken", fields={"code": "taken"}) from None
    return promo


# --- redirect clicks -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    url: str
    click_id: str


def destination_url(link: TrackingLink, click_id: str) -> str:
    parts = urlsplit(link.destination)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _ in query}
    extra = {
        "utm_source": "accord",
        "utm_medium": "influencer",
        "utm_campaign": f"campaign-{link.campaign_id}",
        "utm_content": link.code,
    }
    query += [(k, v) for k, v in extra.items() if k not in present]
    query = [(k, v) for k, v in query if k != platforms.CLICK_PARAM] + [(platforms.CLICK_PARAM, click_id)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def new_click_id() -> str:
    return secrets.token_urlsafe(12)


def click_record(link_id: int, *, ip: str, user_agent: str = "", referrer: str = "", country: str = "") -> ClickRecord:
    """A click as a redirect sees it, at the clock's now: the IP only as salted hashes, texts cut to their columns."""
    user_agent = user_agent[:512]
    return ClickRecord(
        click_id=new_click_id(),
        link_id=link_id,
        at=clock.now(),
        ip_hash=salted_hash("ip", ip),
        visitor_hash=salted_hash("visitor", f"{ip}\0{user_agent}"),
        user_agent=user_agent,
        referrer=referrer[:1024],
        country=country[:2],
    )


def record_click(code: str, *, ip: str, user_agent: str = "", referrer: str = "", country: str = "") -> Redirect:
    """Record one click in the database (committed before the redirect is answered); where to send the visitor.

    The development and test path behind the Django view; production answers ``/t/`` in
    ``accord.tracking.redirect`` (click log + loader). Both store through ``clickstore.store_clicks``: bots are
    recorded but not counted; one counted click per link, visitor (IP hash + user agent) and UTC hour; a burst from
    one IP hash is recorded, flagged and excluded.
    """
    link = TrackingLink.objects.filter(code=code, active=True).first()
    if link is None:
        raise NotFound("no such link")
    record = click_record(link.pk, ip=ip, user_agent=user_agent, referrer=referrer, country=country)
    store_clicks([record])
    return Redirect(destination_url(link, record.click_id), record.click_id)


def _flag(target: str, target_id: int, rule: str, reason: str, campaign_id: int, creator_id: int) -> FraudFlag:
    flag, _ = FraudFlag.objects.get_or_create(
        target_type=target,
        target_id=target_id,
        rule=rule,
        defaults={"reason": reason, "campaign_id": campaign_id, "creator_id": creator_id, "created_at": clock.now()},
    )
    return flag


# --- batch event ingestion: accord.tracking.ingest (re-exported here: services is the tracking entry point) -------

_EVENT_COUNTERS = EVENT_COUNTERS


def _link_key(link: TrackingLink) -> RollupKey:
    return (link.campaign_id, link.creator_id, link.collaboration_key)


_event_counts = event_counts


# --- shop integrations and order webhooks ----------------------------------------------------------------------------


def create_integration(p: Principal, *, platform: str, name: str) -> Integration:
    p.require(Role.ADMIN)
    p.require_kind(Organization.Kind.BRAND)
    if platform not in Integration.Platform.values:
        raise ValidationFailed("unknown platform", fields={"platform": "unknown"})
    with transaction.atomic():
        integration = Integration.objects.create(
            brand_id=p.org_id, platform=platform, name=name, secret=secrets.token_urlsafe(32)
        )
        p.audit("tracking.integration_created", "integration", integration.pk, {"platform": platform})
    return integration


class InvalidSignature(DomainError):
    status = 401
    code = "invalid_signature"


@dataclass(frozen=True)
class WebhookOutcome:
    status: str  # "recorded" | "unchanged" | "ignored"
    conversions: tuple[int, ...] = ()
    detail: str = ""


def _integration(integration_id: int, platform: str) -> Integration:
    integration = Integration.objects.filter(pk=integration_id, platform=platform, active=True).first()
    if integration is None:
        raise NotFound("no such integration")
    return integration


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed("the body is not JSON", code="invalid_json") from None
    if not isinstance(payload, dict):
        raise ValidationFailed("the body is not a JSON object", code="invalid_json")
    return payload


def shopify_webhook(integration_id: int, topic: str, body: bytes, signature: str | None) -> WebhookOutcome:
    integration = _integration(integration_id, Integration.Platform.SHOPIFY)
    if not signatures.verify_shopify(integration.secret, body, signature):
        raise InvalidSignature("X-Shopify-Hmac-Sha256 does not match the body")
    payload = _json_body(body)
    try:
        if topic in ("orders/create", "orders/paid", "orders/updated"):
            facts = platforms.shopify_order(payload)
            return _order_webhook(integration, facts, taxes_included=bool(payload.get("taxes_included")))
        if topic == "refunds/create":
            with transaction.atomic():
                order = _locked_order(integration, str(payload.get("order_id") or ""))
                if order is None:
                    return WebhookOutcome("ignored", detail="unknown order")
                refund = platforms.shopify_refund(payload, order.currency, order.taxes_included)
                return _record_refund(integration, order, refund)
    except platforms.PayloadError as exc:
        raise ValidationFailed(str(exc), code="invalid_payload") from None
    return WebhookOutcome("ignored", detail=f"topic {topic!r} is not used")


def woocommerce_webhook(integration_id: int, topic: str, body: bytes, signature: str | None) -> WebhookOutcome:
    integration = _integration(integration_id, Integration.Platform.WOOCOMMERCE)
    if body.startswith(b"webhook_id="):  # WooCommerce's unsigned ping when a webhook is saved
        return WebhookOutcome("ignored", detail="ping")
    if not signatures.verify_woocommerce(integration.secret, body, signature):
        raise InvalidSignature("X-WC-Webhook-Signature does not match the body")
    payload = _json_body(body)
    if topic and not topic.startswith("order."):
        return WebhookOutcome("ignored", detail=f"topic {topic!r} is not used")
    try:
        facts = platforms.woocommerce_order(payload)
    except platforms.PayloadError as exc:
        raise ValidationFailed(str(exc), code="invalid_payload") from None
    outcome = _order_webhook(integration, facts, taxes_included=False)
    made = list(outcome.conversions)
    for refund in facts.refunds:
        with transaction.atomic():
            order = _locked_order(integration, facts.external_id)
            if order is not None:
                made.extend(_record_refund(integration, order, refund).conversions)
    return WebhookOutcome("recorded" if made else outcome.status, tuple(made), outcome.detail)


class PostbackIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["sale", "refund"] = "sale"
    order_id: str = Field(..., min_length=1, max_length=64)
    refund_id: str | None = Field(None, min_length=1, max_length=64)
    amount: int = Field(..., ge=0, le=10**13, description="Commission base in minor units")
    currency: str = Field(..., min_length=3, max_length=3)
    link: str | None = Field(None, max_length=32)
    click_id: str | None = Field(None, max_length=64)
    promo_code: str | None = Field(None, max_length=64)
    email: str | None = Field(None, max_length=254)
    occurred_at: datetime | None = None


def postback(integration_id: int, body: bytes, signature: str | None) -> WebhookOutcome:
    integration = _integration(integration_id, Integration.Platform.POSTBACK)
    problem = signatures.verify_accord(integration.secret, body, signature, int(clock.now().timestamp()))
    if problem is not None:
        raise InvalidSignature(f"Accord-Signature is {problem}")
    try:
        data = PostbackIn.model_validate(_json_body(body))
    except PydanticValidationError as exc:
        raise ValidationFailed("the postback is not valid", fields={"body": str(exc.errors()[0]["msg"])}) from None
    if data.type == "refund":
        if not data.refund_id:
            raise ValidationFailed("a refund needs refund_id", fields={"refund_id": "required"})
        with transaction.atomic():
            order = _locked_order(integration, data.order_id)
            if order is None:
                return WebhookOutcome("ignored", detail="unknown order")
            return _record_refund(
                integration, order, platforms.RefundFacts(data.refund_id, data.order_id, data.amount, data.occurred_at)
            )
    facts = platforms.OrderFacts(
        external_id=data.order_id,
        currency=data.currency.upper(),
        base=data.amount,
        total=data.amount,
        tax=0,
        shipping=0,
        discount=0,
        paid=True,
        status="paid",
        codes=(data.promo_code,) if data.promo_code else (),
        click_ref=data.click_id or "",
        buyer_email=data.email or "",
        placed_at=data.occurred_at,
    )
    return _order_webhook(integration, facts, taxes_included=False, link_code=data.link)


def _locked_order(integration: Integration, external_id: str) -> Order | None:
    return Order.objects.select_for_update().filter(integration=integration, external_id=external_id).first()


def _attribute(integration: Integration, facts: platforms.OrderFacts, at: datetime) -> attribution.Attribution:
    wanted = [c.upper() for c in facts.codes]
    by_code = {
        pc.code: pc
        for pc in PromoCode.objects.filter(brand_id=integration.brand_id, code__in=wanted, active=True).select_related(
            "campaign"
        )
    }
    codes = [
        attribution.CodeCandidate(pc.pk, pc.creator_id, pc.campaign_id, pc.link_id)
        for c in wanted
        if (pc := by_code.get(c)) is not None
    ]
    clicks = []
    if facts.click_ref:
        for c in Click.objects.select_related("link").filter(
            click_id=facts.click_ref, link__campaign__brand_id=integration.brand_id
        ):
            clicks.append(
                attribution.ClickCandidate(
                    c.pk, c.at, c.link_id, c.link.creator_id, c.link.campaign_id, c.counted, c.excluded
                )
            )
    return attribution.attribute(at, codes, clicks)


def _order_webhook(
    integration: Integration, facts: platforms.OrderFacts, *, taxes_included: bool, link_code: str | None = None
) -> WebhookOutcome:
    now = clock.now()
    placed = facts.placed_at or now
    with transaction.atomic():
        order = _locked_order(integration, facts.external_id)
        if order is None:
            result = _attribute(integration, facts, placed)
            link_id = result.link_id
            creator_id, campaign_id = result.creator_id, result.campaign_id
            if not result.attributed and link_code:
                # A postback that names a link but has neither a valid click nor a code: recorded, then flagged.
                link = TrackingLink.objects.filter(code=link_code, campaign__brand_id=integration.brand_id).first()
                if link is not None:
                    link_id, creator_id, campaign_id = link.pk, link.creator_id, link.campaign_id
            try:
                with transaction.atomic():
                    order = Order.objects.create(
                        integration=integration,
                        external_id=facts.external_id,
                        status=facts.status,
                        paid=facts.paid,
                        currency=facts.currency,
                        base=facts.base,
                        total=facts.total,
                        tax=facts.tax,
                        shipping=facts.shipping,
                        discount=facts.discount,
                        codes=list(facts.codes),
                        click_ref=facts.click_ref,
                        buyer_email_hash=email_hash(facts.buyer_email),
                        taxes_included=taxes_included,
                        attribution=result.method,
                        campaign_id=campaign_id,
                        creator_id=creator_id,
                        link_id=link_id,
                        promo_code_id=result.code_id,
                        click_id=result.click_id,
                        placed_at=placed,
                        received_at=now,
                    )
            except IntegrityError:  # a concurrent delivery of the same order won: use its row
                order = _locked_order(integration, facts.external_id)
                assert order is not None
        else:
            changed = order.status != facts.status or (facts.paid and not order.paid)
            if changed:
                order.status = facts.status
                order.paid = order.paid or facts.paid
                order.save(update_fields=["status", "paid"])
        if not order.paid:
            return WebhookOutcome("recorded", detail="order not paid yet")
        sale = _record_sale(integration, order)
        return WebhookOutcome("recorded" if sale else "unchanged", (sale.pk,) if sale else ())


def _record_sale(integration: Integration, order: Order) -> Conversion | None:
    """The order's sale conversion, once: replays find it exists and change nothing."""
    if order.creator_id is None or order.campaign_id is None:
        return None
    external_id = f"sale:{order.external_id}"
    if Conversion.objects.filter(integration=integration, external_id=external_id).exists():
        return None
    now = clock.now()
    campaign = Campaign.objects.get(pk=order.campaign_id)
    reasons: list[tuple[str, str]] = []
    if order.currency != campaign.currency:
        pass  # recorded in its own currency; rollups only sum the campaign's currency
    r = fraud.no_click(has_code=order.promo_code_id is not None, has_click=order.click_id is not None)
    if r:
        reasons.append((FraudFlag.Rule.NO_CLICK, r))
    creator_hashes = {
        email_hash(e)
        for e in User.objects.filter(memberships__organization_id=order.creator_id).values_list("email", flat=True)
    }
    r = fraud.self_purchase(order.buyer_email_hash, creator_hashes)
    if r:
        reasons.append((FraudFlag.Rule.SELF_PURCHASE, r))
    if order.promo_code_id is not None:
        since = now - attribution.DEFAULT_WINDOW
        code_sales = Conversion.objects.filter(
            promo_code_id=order.promo_code_id, kind=Conversion.Kind.SALE, received_at__gte=since
        ).count()
        clicks = Click.objects.filter(
            link__campaign_id=order.campaign_id, link__creator_id=order.creator_id, counted=True, at__gte=since
        ).count()
        r = fraud.leaked_code(code_sales + 1, clicks)
        if r:
            reasons.append((FraudFlag.Rule.LEAKED_CODE, r))
    conversion = Conversion.objects.create(
        integration=integration,
        external_id=external_id,
        kind=Conversion.Kind.SALE,
        order=order,
        campaign_id=order.campaign_id,
        creator_id=order.creator_id,
        link_id=order.link_id,
        promo_code_id=order.promo_code_id,
        click_id=order.click_id,
        attribution=order.attribution,
        base=order.base,
        currency=order.currency,
        occurred_at=order.placed_at,
        received_at=now,
        excluded=bool(reasons),
    )
    for rule, reason in reasons:
        _flag(FraudFlag.Target.CONVERSION, conversion.pk, rule, reason, order.campaign_id, order.creator_id)
    if not reasons:
        _rollup_conversion(conversion, campaign, +1)
    return conversion


def _collaboration_key(conversion: Conversion) -> str:
    """Its link's collaboration key, else its promo code's, else the pair's (``accord.tracking.rollups``)."""
    tag = ""
    if conversion.link_id is not None:
        tag = TrackingLink.objects.filter(pk=conversion.link_id).values_list("collaboration", flat=True).first() or ""
    elif conversion.promo_code_id is not None:
        tag = (
            PromoCode.objects.filter(pk=conversion.promo_code_id).values_list("collaboration", flat=True).first() or ""
        )
    return collaboration_key(conversion.campaign_id, conversion.creator_id, tag)


def _rollup_conversion(conversion: Conversion, campaign: Campaign, sign: int) -> None:
    batch = RollupBatch()
    key = (conversion.campaign_id, conversion.creator_id, _collaboration_key(conversion))
    in_currency = conversion.currency == campaign.currency
    if conversion.kind == Conversion.Kind.SALE:
        batch.add(conversion.occurred_at, key, sign, conversions=1, revenue=conversion.base if in_currency else 0)
    else:
        batch.add(conversion.occurred_at, key, sign, refunds=1, refunded=-conversion.base if in_currency else 0)
    batch.flush()


def _record_refund(integration: Integration, order: Order, refund: platforms.RefundFacts) -> WebhookOutcome:
    """A negative conversion for the refund, once per refund id, never below the sale (caller holds the order lock)."""
    sale = Conversion.objects.filter(integration=integration, external_id=f"sale:{order.external_id}").first()
    if sale is None:
        return WebhookOutcome("ignored", detail="no counted sale for this order")
    external_id = f"refund:{refund.external_id}"
    if Conversion.objects.filter(integration=integration, external_id=external_id).exists():
        return WebhookOutcome("unchanged")
    refunded = -sum(Conversion.objects.filter(order=order, kind=Conversion.Kind.REFUND).values_list("base", flat=True))
    amount = max(min(refund.base, sale.base - refunded), 0)
    conversion = Conversion.objects.create(
        integration=integration,
        external_id=external_id,
        kind=Conversion.Kind.REFUND,
        order=order,
        campaign_id=sale.campaign_id,
        creator_id=sale.creator_id,
        link_id=sale.link_id,
        promo_code_id=sale.promo_code_id,
        click_id=sale.click_id,
        attribution=sale.attribution,
        base=-amount,
        currency=sale.currency,
        occurred_at=refund.at or clock.now(),
        received_at=clock.now(),
        excluded=sale.excluded,  # a refund of an excluded sale is excluded with it (and restored with it)
    )
    if not conversion.excluded:
        _rollup_conversion(conversion, Campaign.objects.get(pk=sale.campaign_id), +1)
    return WebhookOutcome("recorded", (conversion.pk,))


# --- post metrics ----------------------------------------------------------------------------------------------------


class SnapshotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign_id: int
    creator_id: int | None = None
    platform: Literal["instagram", "youtube", "tiktok", "other"]
    post_id: str = Field(..., min_length=1, max_length=128)
    captured_at: datetime | None = None
    views: int = Field(0, ge=0)
    impressions: int = Field(0, ge=0)
    reach: int = Field(0, ge=0)
    likes: int = Field(0, ge=0)
    comments: int = Field(0, ge=0)
    shares: int = Field(0, ge=0)
    saves: int = Field(0, ge=0)


_SNAPSHOT_COUNTS = ("views", "impressions", "reach", "likes", "comments", "shares", "saves")


def _snapshot_link(p: Principal, campaign_id: int, creator_id: int | None) -> TrackingLink:
    if p.organization.kind == Organization.Kind.CREATOR:
        if creator_id not in (None, p.org_id):
            raise PermissionDenied("creators record metrics of their own posts only")
        link = (
            scoped(TrackingLink.objects.all(), p.org_id, "creator")
            .filter(campaign_id=campaign_id)
            .order_by("id")
            .first()
        )
    elif p.organization.kind == Organization.Kind.BRAND:
        if creator_id is None:
            raise ValidationFailed("name the creator", fields={"creator_id": "required"})
        link = (
            scoped(TrackingLink.objects.all(), p.org_id, "campaign__brand")
            .filter(campaign_id=campaign_id, creator_id=creator_id)
            .order_by("id")
            .first()
        )
    else:
        raise PermissionDenied("only brands and creators record post metrics", code="wrong_organization_kind")
    if link is None:
        raise NotFound("no collaboration of yours in this campaign")
    return link


def record_snapshot(
    p: Principal, data: SnapshotIn, source: str = PostMetricSnapshot.Source.API
) -> tuple[PostMetricSnapshot, bool]:
    """Store a snapshot of a post's cumulative counters; rollups get the increment over the last counted one."""
    p.require(Role.MEMBER)
    link = _snapshot_link(p, data.campaign_id, data.creator_id)
    at = data.captured_at or clock.now()
    if at.tzinfo is None:
        raise ValidationFailed("captured_at needs a UTC offset", fields={"captured_at": "naive"})
    at = at.astimezone(clock.now().tzinfo)
    with transaction.atomic():
        posts = PostMetricSnapshot.objects.select_for_update().filter(platform=data.platform, post_id=data.post_id)
        existing = posts.filter(captured_at=at).first()
        if existing is not None:
            if existing.link_id != link.pk or any(getattr(existing, f) != getattr(data, f) for f in _SNAPSHOT_COUNTS):
                raise Conflict("a different snapshot exists for this time", code="snapshot_conflict")
            return existing, False
        if posts.exclude(link=link).exists():
            raise Conflict("this post is tracked for another collaboration", code="post_taken")
        if posts.filter(captured_at__gt=at).exists():
            raise Conflict("a later snapshot exists; import snapshots in time order", code="snapshot_out_of_order")
        previous = posts.filter(excluded=False).order_by("-captured_at").first()
        engagement = data.likes + data.comments + data.shares + data.saves
        prev_engagement = (
            previous.likes + previous.comments + previous.shares + previous.saves if previous is not None else 0
        )
        snap = PostMetricSnapshot.objects.create(
            campaign_id=link.campaign_id,
            creator_id=link.creator_id,
            link=link,
            platform=data.platform,
            post_id=data.post_id,
            captured_at=at,
            source=source,
            views_delta=data.views - (previous.views if previous else 0),
            impressions_delta=data.impressions - (previous.impressions if previous else 0),
            engagements_delta=engagement - prev_engagement,
            created_at=clock.now(),
            **{f: getattr(data, f) for f in _SNAPSHOT_COUNTS},
        )
        reason = None
        if previous is not None:
            elapsed = at - previous.captured_at
            reason = fraud.metric_jump(previous.views, data.views, elapsed, "views") or fraud.metric_jump(
                previous.impressions, data.impressions, elapsed, "impressions"
            )
        if reason:
            snap.excluded = True
            snap.save(update_fields=["excluded"])
            _flag(
                FraudFlag.Target.SNAPSHOT,
                snap.pk,
                FraudFlag.Rule.METRIC_JUMP,
                reason,
                link.campaign_id,
                link.creator_id,
            )
        else:
            _rollup_snapshot(snap, link, +1)
    return snap, True


def pull_snapshot(
    p: Principal, source: MetricsSource, *, campaign_id: int, post_id: str, creator_id: int | None = None
) -> tuple[PostMetricSnapshot, bool]:
    """Read a post's counters from its platform (``accord.tracking.sources``) and record them as a snapshot."""
    reading = source.fetch(post_id)
    data = SnapshotIn(
        campaign_id=campaign_id,
        creator_id=creator_id,
        platform=reading.platform,  # type: ignore[arg-type]
        post_id=reading.post_id,
        captured_at=clock.now(),
        views=reading.views,
        impressions=reading.impressions,
        reach=reading.reach,
        likes=reading.likes,
        comments=reading.comments,
        shares=reading.shares,
        saves=reading.saves,
    )
    return record_snapshot(p, data, reading.platform)


def _rollup_snapshot(snap: PostMetricSnapshot, link: TrackingLink, sign: int) -> None:
    batch = RollupBatch()
    batch.add(
        snap.captured_at,
        _link_key(link),
        sign,
        views=snap.views_delta,
        impressions=snap.impressions_delta,
        engagements=snap.engagements_delta,
    )
    batch.flush()


CSV_COLUMNS = ("campaign_id", "creator_id", "platform", "post_id", "captured_at", *_SNAPSHOT_COUNTS)


@dataclass
class CsvResult:
    imported: int = 0
    unchanged: int = 0
    errors: list[IngestError] = field(default_factory=list)


def import_snapshots_csv(p: Principal, text: str) -> CsvResult:
    """Import rows (header: ``CSV_COLUMNS``; creator_id may be empty for creators), sorted by capture time."""
    import csv
    import io

    p.require(Role.MEMBER)
    result = CsvResult()
    rows: list[tuple[int, SnapshotIn]] = []
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = {"campaign_id", "platform", "post_id", "captured_at"} - set(reader.fieldnames or [])
        if missing:
            raise ValidationFailed(f"missing CSV columns: {', '.join(sorted(missing))}", code="invalid_csv")
        for line, raw in enumerate(reader, start=2):
            cleaned = {k: v for k, v in raw.items() if k in CSV_COLUMNS and v not in (None, "")}
            try:
                rows.append((line, SnapshotIn.model_validate(cleaned)))
            except PydanticValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(map(str, first["loc"]))
                result.errors.append(IngestError(line, "invalid_row", f"{where}: {first['msg']}"))
    except csv.Error as exc:
        raise ValidationFailed(f"the CSV cannot be read: {exc}", code="invalid_csv") from None
    rows.sort(key=lambda r: (r[1].captured_at or clock.now(), r[0]))
    for line, data in rows:
        try:
            _, created = record_snapshot(p, data, PostMetricSnapshot.Source.CSV)
        except DomainError as exc:
            result.errors.append(IngestError(line, exc.code, exc.message))
            continue
        if created:
            result.imported += 1
        else:
            result.unchanged += 1
    return result


# --- fraud flags -----------------------------------------------------------------------------------------------------


def clear_flag(p: Principal, flag_id: int, note: str) -> FraudFlag:
    """An operator clears a flag; the fact counts again (rollups restored) once none of its flags is active."""
    if not p.is_operator:
        raise PermissionDenied("operators only", code="operator_only")
    p.require(Role.MEMBER)
    user = p.require_user()
    with transaction.atomic():
        flag = FraudFlag.objects.select_for_update().filter(pk=flag_id).first()
        if flag is None:
            raise NotFound("fraud flag not found")
        if not flag.excluded:
            return flag  # cleared already: idempotent
        flag.excluded = False
        flag.cleared_by = user
        flag.cleared_at = clock.now()
        flag.clear_note = note
        flag.save(update_fields=["excluded", "cleared_by", "cleared_at", "clear_note"])
        still = FraudFlag.objects.filter(target_type=flag.target_type, target_id=flag.target_id, excluded=True)
        if not still.exists():
            _restore(flag.target_type, flag.target_id)
        p.audit(
            "tracking.fraud_flag_cleared",
            "fraud_flag",
            flag.pk,
            {"rule": flag.rule, "target": f"{flag.target_type}:{flag.target_id}", "note": note},
            organization_id=p.org_id,
        )
    return flag


def _restore(target_type: str, target_id: int) -> None:
    if target_type == FraudFlag.Target.CLICK:
        click = Click.objects.select_related("link").get(pk=target_id)
        if click.excluded:
            Click.objects.filter(pk=click.pk).update(excluded=False)
            batch = RollupBatch()
            batch.add(click.at, _link_key(click.link), clicks=1)
            batch.flush()
    elif target_type == FraudFlag.Target.EVENT:
        event = Event.objects.select_related("link").get(pk=target_id)
        if event.excluded:
            Event.objects.filter(pk=event.pk).update(excluded=False)
            batch = RollupBatch()
            batch.add(
                event.occurred_at, _link_key(event.link), **_event_counts(event.type, event.quantity, event.amount)
            )
            batch.flush()
    elif target_type == FraudFlag.Target.CONVERSION:
        sale = Conversion.objects.get(pk=target_id)
        campaign = Campaign.objects.get(pk=sale.campaign_id)
        related: Iterable[Conversion] = [sale]
        if sale.order_id is not None and sale.kind == Conversion.Kind.SALE:
            related = [
                sale,
                *Conversion.objects.filter(order_id=sale.order_id, kind=Conversion.Kind.REFUND, excluded=True),
            ]
        for conversion in related:
            if conversion.excluded:
                Conversion.objects.filter(pk=conversion.pk).update(excluded=False)
                _rollup_conversion(conversion, campaign, +1)
    elif target_type == FraudFlag.Target.SNAPSHOT:
        snap = PostMetricSnapshot.objects.select_related("link").get(pk=target_id)
        if snap.excluded:
            PostMetricSnapshot.objects.filter(pk=snap.pk).update(excluded=False)
            later = PostMetricSnapshot.objects.filter(
                platform=snap.platform, post_id=snap.post_id, captured_at__gt=snap.captured_at
            ).exists()
            if not later:  # later snapshots already carry this growth against the earlier baseline
                _rollup_snapshot(snap, snap.link, +1)
