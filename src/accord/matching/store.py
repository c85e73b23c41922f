"""The bridge from the database to the pure matching modules: catalog loading (cached per process) and queries.

The catalog of one currency is rebuilt when the creator data changed: every creator service bumps the profile's
``updated_at`` and ``revision``, and the version compares the profile count, the latest ``updated_at``, the sum of
revisions and the channel and rate counts. Reliability comes from reputation's on-time rate when a creator has
resolved commitments (cached with the catalog, which also expires after ``MAX_AGE_SECONDS``).
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Max, Sum

from accord.campaigns.models import Campaign
from accord.creators.models import Availability, Channel, CreatorProfile, RateCardItem
from accord.matching import catalog as cat
from accord.matching.scoring import Query
from accord.matching.text import default_embedder

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], float, cat.Catalog]] = {}
MAX_AGE_SECONDS = 600.0  # reputation (reliability) changes without touching creator data: rebuild now and then


def _version() -> tuple[Any, ...]:
    agg = CreatorProfile.objects.aggregate(n=Count("id"), at=Max("updated_at"), top=Max("id"), rev=Sum("revision"))
    return (
        agg["n"],
        agg["at"],
        agg["top"],
        agg["rev"],
        Channel.objects.count(),
        RateCardItem.objects.count(),
    )


PER_ORG_RELIABILITY_LIMIT = 1_000


def _reliability(org_ids: list[int]) -> dict[int, float]:
    """On-time rates from reputation: the bulk ``on_time_rates(org_ids)`` when reputation offers it, else its
    per-organization ``on_time_rate`` for small catalogs; nothing (reliability absent) otherwise."""
    try:
        module = importlib.import_module("accord.reputation.services")
    except ImportError:
        return {}
    bulk: Callable[[list[int]], dict[int, float]] | None = getattr(module, "on_time_rates", None)
    if callable(bulk):
        return {k: float(v) for k, v in bulk(org_ids).items() if v is not None}
    single: Callable[[int], float | None] | None = getattr(module, "on_time_rate", None)
    if not callable(single) or len(org_ids) > PER_ORG_RELIABILITY_LIMIT:
        return {}
    rates = {org_id: single(org_id) for org_id in org_ids}
    return {k: float(v) for k, v in rates.items() if v is not None}


def records(currency: str) -> list[cat.CreatorRecord]:
    profiles = list(CreatorProfile.objects.order_by("id"))
    channels: dict[int, list[cat.ChannelRecord]] = {}
    for ch in Channel.objects.order_by("id").values(
        "profile_id", "platform", "followers", "avg_views", "engagement_rate_bp", "follower_growth_30d_bp", "audience"
    ):
        channels.setdefault(ch["profile_id"], []).append(
            cat.ChannelRecord(
                platform=ch["platform"],
                followers=ch["followers"],
                avg_views=ch["avg_views"],
                engagement_rate_bp=ch["engagement_rate_bp"],
                follower_growth_30d_bp=ch["follower_growth_30d_bp"],
                audience=ch["audience"] or {},
            )
        )
    prices: dict[int, dict[str, int]] = {}
    for r in RateCardItem.objects.filter(currency=currency).values("profile_id", "platform", "price"):
        slot = prices.setdefault(r["profile_id"], {})
        slot[r["platform"]] = min(slot.get(r["platform"], r["price"]), r["price"])
    reliability = _reliability([p.organization_id for p in profiles])
    return [
        cat.CreatorRecord(
            id=p.pk,
            bio=p.bio,
            categories=p.categories or [],
            languages=p.languages or [],
            country=p.country,
            no_go=p.no_go_categories or [],
            available=p.availability != Availability.UNAVAILABLE,
            channels=channels.get(p.pk, []),
            prices=prices.get(p.pk, {}),
            reliability=reliability.get(p.organization_id),
        )
        for p in profiles
    ]


def catalog_for(currency: str = "EUR") -> cat.Catalog:
    version = _version()
    with _lock:
        hit = _cache.get(currency)
        if hit is not None and hit[0] == version and time.monotonic() - hit[1] < MAX_AGE_SECONDS:
            return hit[2]
    recs = records(currency)
    embedder: Any = default_embedder(seed=0)
    try:
        built = cat.build(recs, currency=currency, embedder=embedder if len(recs) >= 3 else None)
    except ValueError:  # a corpus too small or empty for TF-IDF/SVD: match without the topical part
        built = cat.build(recs, currency=currency, embedder=None)
    with _lock:
        _cache[currency] = (version, time.monotonic(), built)
    return built


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def query_for(campaign: Campaign, **overrides: Any) -> Query:
    brief = " ".join(
        part for part in (campaign.name, campaign.description, campaign.goals, campaign.key_messages) if part
    )
    fields: dict[str, Any] = {
        "target": campaign.target or {},
        "platforms": [p for p in (campaign.platforms or []) if p in cat.PLATFORM_INDEX],
        "brief": brief,
        "budget": campaign.budget or None,
        "currency": campaign.currency,
        "brand_categories": campaign.brand_categories or [],
    }
    fields.update(overrides)
    return Query(**fields)
