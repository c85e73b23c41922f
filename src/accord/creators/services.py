"""Every state change of creator profiles, channels, audiences and rate cards. One transaction each, audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.core import clock
from accord.core.errors import Conflict, NotFound, ValidationFailed
from accord.core.money import UnknownCurrency, validate_currency
from accord.core.tenancy import get_scoped, scoped
from accord.creators import audience as audience_rules
from accord.creators import taxonomy
from accord.creators.models import Availability, Channel, CreatorProfile, RateCardItem

PROFILE_FIELDS = (
    "display_name",
    "bio",
    "categories",
    "languages",
    "country",
    "city",
    "no_go_categories",
    "availability",
    "available_from",
)
CHANNEL_FIELDS = ("followers", "avg_views", "engagement_rate_bp", "posts_per_week", "follower_growth_30d_bp")


def _creator(principal: Principal, minimum: str = Role.MEMBER) -> None:
    principal.require_kind(Organization.Kind.CREATOR)
    principal.require(minimum)


def _brand_categories() -> list[str]:
    from accord.campaigns.models import BrandCategory

    return list(BrandCategory.values)


def _check_profile(changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(changes)
    if "display_name" in out:
        out["display_name"] = str(out["display_name"]).strip()
        if not out["display_name"]:
            raise ValidationFailed("a profile needs a display name", fields={"display_name": "required"})
    if "categories" in out:
        bad = [c for c in out["categories"] if c not in taxonomy.CATEGORIES]
        if bad:
            raise ValidationFailed(f"unknown categories: {bad}", fields={"categories": "unknown"})
        out["categories"] = list(dict.fromkeys(out["categories"]))
    if "languages" in out:
        bad = [lang for lang in out["languages"] if lang not in taxonomy.LANGUAGES]
        if bad:
            raise ValidationFailed(f"unknown languages: {bad}", fields={"languages": "unknown"})
        out["languages"] = list(dict.fromkeys(out["languages"]))
    if "no_go_categories" in out:
        known = _brand_categories()
        bad = [c for c in out["no_go_categories"] if c not in known]
        if bad:
            raise ValidationFailed(f"unknown brand categories: {bad}", fields={"no_go_categories": "unknown"})
        out["no_go_categories"] = list(dict.fromkeys(out["no_go_categories"]))
    if "country" in out:
        out["country"] = str(out["country"] or "").upper()[:2]
    if "availability" in out and out["availability"] not in Availability.values:
        raise ValidationFailed("unknown availability", fields={"availability": "invalid"})
    return out


def get_profile(principal: Principal) -> CreatorProfile:
    principal.require_kind(Organization.Kind.CREATOR)
    profile = scoped(CreatorProfile.objects.all(), principal.org_id).first()
    if profile is None:
        raise NotFound("this creator has no profile yet")
    return profile


def save_profile(principal: Principal, **changes: Any) -> CreatorProfile:
    """Create the organization's profile or update the given fields of it."""
    _creator(principal)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown fields: {sorted(unknown)}", fields={f: "unknown" for f in unknown})
    clean = _check_profile(changes)
    with transaction.atomic():
        profile = scoped(CreatorProfile.objects.select_for_update(), principal.org_id).first()
        created = profile is None
        if profile is None:
            profile = CreatorProfile(
                organization_id=principal.org_id,
                display_name=principal.organization.name,
                country=principal.organization.country,
            )
        for name, value in clean.items():
            setattr(profile, name, value)
        if profile.availability != Availability.UNAVAILABLE:
            profile.available_from = clean.get("available_from", profile.available_from)
        profile.updated_at = clock.now()
        profile.revision += 1
        profile.save()
        principal.audit(
            "creator.profile_created" if created else "creator.profile_updated",
            "creator_profile",
            profile.pk,
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in clean.items()},
        )
    return profile


def _touch(profile_id: int) -> None:
    CreatorProfile.objects.filter(pk=profile_id).update(updated_at=clock.now(), revision=F("revision") + 1)


def _check_channel(values: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in ("followers", "avg_views"):
        if name in out and (out[name] is None or int(out[name]) < 0):
            raise ValidationFailed(f"{name} must not be negative", fields={name: "negative"})
    if "engagement_rate_bp" in out and not 0 <= int(out["engagement_rate_bp"]) <= 100_000:
        raise ValidationFailed("engagement rate out of range", fields={"engagement_rate_bp": "out_of_range"})
    if "posts_per_week" in out:
        out["posts_per_week"] = Decimal(str(out["posts_per_week"]))
        if out["posts_per_week"] < 0:
            raise ValidationFailed("posts per week must not be negative", fields={"posts_per_week": "negative"})
    return out


def add_channel(principal: Principal, *, platform: str, handle: str, **values: Any) -> Channel:
    _creator(principal)
    if platform not in taxonomy.PLATFORMS:
        raise ValidationFailed(f"unknown platform {platform!r}", fields={"platform": "unknown"})
    handle = handle.strip().lstrip("@")
    if not handle:
        raise ValidationFailed("a channel needs a handle", fields={"handle": "required"})
    clean = _check_channel({k: v for k, v in values.items() if k in CHANNEL_FIELDS})
    profile = get_profile(principal)
    try:
        with transaction.atomic():
            channel = Channel.objects.create(
                profile=profile, organization_id=principal.org_id, platform=platform, handle=handle, **clean
            )
            _touch(profile.pk)
            principal.audit("creator.channel_added", "channel", channel.pk, {"platform": platform, "handle": handle})
    except IntegrityError:
        raise Conflict(
            f"{platform} handle {handle} is already registered", code="channel_taken", fields={"handle": "taken"}
        ) from None
    return channel


def update_channel(principal: Principal, channel_id: int, **values: Any) -> Channel:
    _creator(principal)
    clean = _check_channel({k: v for k, v in values.items() if k in CHANNEL_FIELDS})
    with transaction.atomic():
        channel = get_scoped(Channel.objects.select_for_update(), principal.org_id, pk=channel_id)
        for name, value in clean.items():
            setattr(channel, name, value)
        channel.save()
        _touch(channel.profile_id)
        principal.audit("creator.channel_updated", "channel", channel.pk, {k: str(v) for k, v in clean.items()})
    return channel


def delete_channel(principal: Principal, channel_id: int) -> None:
    _creator(principal)
    with transaction.atomic():
        channel = get_scoped(Channel.objects.select_for_update(), principal.org_id, pk=channel_id)
        principal.audit("creator.channel_deleted", "channel", channel.pk, {"platform": channel.platform})
        _touch(channel.profile_id)
        channel.delete()


def import_audience(
    principal: Principal, channel_id: int, data: Mapping[str, Any], *, source: str = Channel.AudienceSource.API
) -> Channel:
    """Replace a channel's audience distributions (validated and normalized) and stamp the refresh time."""
    _creator(principal)
    clean = audience_rules.normalize(data)
    if not clean:
        raise ValidationFailed("no audience data given", fields={"audience": "empty"})
    with transaction.atomic():
        channel = get_scoped(Channel.objects.select_for_update(), principal.org_id, pk=channel_id)
        channel.audience = clean
        channel.audience_source = source
        channel.audience_refreshed_at = clock.now()
        channel.save(update_fields=["audience", "audience_source", "audience_refreshed_at"])
        _touch(channel.profile_id)
        principal.audit(
            "creator.audience_imported", "channel", channel.pk, {"source": source, "dimensions": sorted(clean)}
        )
    return channel


def import_audience_csv(principal: Principal, channel_id: int, text: str) -> Channel:
    return import_audience(principal, channel_id, audience_rules.parse_csv(text), source=Channel.AudienceSource.CSV)


@dataclass(frozen=True)
class Rate:
    platform: str
    deliverable: str
    price: int
    currency: str


def set_rate_card(principal: Principal, rates: Sequence[Rate]) -> list[RateCardItem]:
    """Replace the whole rate card. Prices are integer minor units; one currency per item."""
    _creator(principal)
    seen: set[tuple[str, str]] = set()
    for n, rate in enumerate(rates):
        where = f"rates.{n}"
        if rate.platform not in taxonomy.PLATFORMS:
            raise ValidationFailed(f"unknown platform {rate.platform!r}", fields={where: "platform"})
        if rate.deliverable not in taxonomy.PLATFORM_DELIVERABLES[rate.platform]:
            raise ValidationFailed(
                f"{rate.platform} has no deliverable {rate.deliverable!r}", fields={where: "deliverable"}
            )
        if type(rate.price) is not int or rate.price < 0:
            raise ValidationFailed("a price is a non-negative integer of minor units", fields={where: "price"})
        try:
            validate_currency(rate.currency)
        except UnknownCurrency as exc:
            raise ValidationFailed(str(exc), fields={where: "currency"}) from None
        if (rate.platform, rate.deliverable) in seen:
            raise ValidationFailed("each platform and deliverable once", fields={where: "duplicate"})
        seen.add((rate.platform, rate.deliverable))
    profile = get_profile(principal)
    with transaction.atomic():
        scoped(RateCardItem.objects.all(), principal.org_id).delete()
        items = RateCardItem.objects.bulk_create(
            [
                RateCardItem(
                    profile=profile,
                    organization_id=principal.org_id,
                    platform=r.platform,
                    deliverable=r.deliverable,
                    price=r.price,
                    currency=r.currency,
                )
                for r in rates
            ]
        )
        _touch(profile.pk)
        principal.audit(
            "creator.rate_card_set",
            "creator_profile",
            profile.pk,
            {"items": [[r.platform, r.deliverable, r.price, r.currency] for r in rates]},
        )
    return items
