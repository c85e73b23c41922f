"""Read-side matching for the API and the web pages: search, campaign matches, unique reach, the optimizer.

Scoping: a brand reads only its own campaigns and shortlists (``get_scoped``); the creator catalog itself is the
marketplace every brand searches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils.translation import gettext

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.campaigns.models import Campaign
from accord.core.errors import ValidationFailed
from accord.core.money import UnknownCurrency, validate_currency
from accord.core.tenancy import get_scoped
from accord.creators import taxonomy
from accord.creators.models import Channel, CreatorProfile
from accord.matching import optimizer, reach, scoring, store
from accord.matching import search as searching
from accord.matching.catalog import Catalog
from accord.matching.models import Shortlist
from accord.matching.scoring import Query

MAX_OPTIMIZER_CANDIDATES = 10_000


def require_brand(principal: Principal) -> None:
    principal.require_kind(Organization.Kind.BRAND)
    principal.require(Role.VIEWER)


def campaign_of(principal: Principal, campaign_id: int) -> Campaign:
    return get_scoped(Campaign.objects.all(), principal.org_id, field="brand", pk=campaign_id)


def shortlist_of(principal: Principal, shortlist_id: int) -> Shortlist:
    return get_scoped(Shortlist.objects.select_related("campaign"), principal.org_id, pk=shortlist_id)


def _currency(code: str) -> str:
    try:
        return validate_currency(code.upper())
    except UnknownCurrency as exc:
        raise ValidationFailed(str(exc), fields={"currency": "invalid"}) from None


def describe(
    catalog: Catalog, rows: Sequence[int], query: Query | None, scores: Sequence[float] | None
) -> list[dict[str, Any]]:
    """Creators at ``rows`` with their facts and, for a campaign, every score part explained."""
    ids = [int(catalog.ids[r]) for r in rows]
    profiles = CreatorProfile.objects.in_bulk(ids)
    channels: dict[int, list[dict[str, Any]]] = {}
    for ch in (
        Channel.objects.filter(profile_id__in=ids)
        .order_by("-followers")
        .values("profile_id", "platform", "handle", "followers", "engagement_rate_bp", "audience_refreshed_at")
    ):
        channels.setdefault(ch["profile_id"], []).append(dict(ch))
    explanations: list[dict[str, Any] | None] = (
        list(scoring.explain(catalog, query, rows)) if query is not None else [None] * len(rows)
    )
    prices = scoring.creator_price(catalog, query or Query(), np.asarray(rows, dtype=np.int64))
    out = []
    for i, (row, creator_id) in enumerate(zip(rows, ids, strict=True)):
        profile = profiles.get(creator_id)
        if profile is None:  # deleted since the catalog was built
            continue
        explanation = explanations[i]
        out.append(
            {
                "creator_id": creator_id,
                "display_name": profile.display_name,
                "country": profile.country,
                "city": profile.city,
                "categories": profile.categories,
                "languages": profile.languages,
                "availability": profile.availability,
                "followers": int(catalog.total_followers[row]),
                "channels": channels.get(creator_id, []),
                "price": int(prices[i]) if prices[i] >= 0 else None,
                "currency": catalog.currency,
                "score": (scores[i] if scores is not None else None),
                "components": explanation["components"] if explanation else None,
            }
        )
    return out


def match_campaign(
    principal: Principal, campaign_id: int, *, limit: int = 20, cursor: str | None = None
) -> tuple[Campaign, list[dict[str, Any]], str | None, int]:
    require_brand(principal)
    campaign = campaign_of(principal, campaign_id)
    catalog = store.catalog_for(_currency(campaign.currency))
    query = store.query_for(campaign)
    page = searching.search(catalog, None, query=query, sort="score", limit=limit, cursor=cursor)
    return campaign, describe(catalog, page.rows, query, page.scores), page.next_cursor, page.matched


def search(
    principal: Principal,
    filters: searching.Filters,
    *,
    campaign_id: int | None = None,
    sort: str = "followers",
    limit: int = 20,
    cursor: str | None = None,
    currency: str = "EUR",
) -> tuple[list[dict[str, Any]], str | None, int]:
    require_brand(principal)
    query = None
    if campaign_id is not None:
        campaign = campaign_of(principal, campaign_id)
        query = store.query_for(campaign)
        currency = campaign.currency
    catalog = store.catalog_for(_currency(currency))
    page = searching.search(catalog, filters, query=query, sort=sort, limit=limit, cursor=cursor)
    return describe(catalog, page.rows, query, page.scores), page.next_cursor, page.matched


def _audiences(catalog: Catalog, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(rows, dtype=np.int64)
    countries = catalog.audience["countries"][:, idx].T.astype(np.float64)
    interests = catalog.audience["interests"][:, idx].T.astype(np.float64)
    return countries, interests


def shortlist_reach(
    principal: Principal, shortlist_id: int
) -> tuple[Shortlist, list[dict[str, Any]], reach.ReachEstimate]:
    require_brand(principal)
    shortlist = shortlist_of(principal, shortlist_id)
    currency = shortlist.campaign.currency if shortlist.campaign else principal.organization.default_currency
    catalog = store.catalog_for(_currency(currency))
    ids = list(shortlist.entries.order_by("id").values_list("creator_id", flat=True))
    rows = catalog.rows_of(ids)
    countries, interests = _audiences(catalog, rows)
    estimate = reach.estimate([int(catalog.total_followers[r]) for r in rows], countries, interests)
    return shortlist, describe(catalog, rows, None, None), estimate


@dataclass
class OptimizeResult:
    campaign: Campaign
    solution: optimizer.Solution
    candidates: int
    chosen: list[dict[str, Any]]
    outcome: str


def optimize(
    principal: Principal,
    *,
    campaign_id: int,
    shortlist_id: int | None = None,
    budget: int | None = None,
    max_share_pct: Decimal = Decimal(100),
    min_creators: int = 0,
    min_coverage: Mapping[str, int] | None = None,
    candidates: int = 500,
    time_limit: float = 10.0,
) -> OptimizeResult:
    """Choose creators for the campaign: maximize the expected views inside the target audience within the budget."""
    require_brand(principal)
    campaign = campaign_of(principal, campaign_id)
    catalog = store.catalog_for(_currency(campaign.currency))
    query = store.query_for(campaign)
    if not 1 <= candidates <= MAX_OPTIMIZER_CANDIDATES:
        raise ValidationFailed(
            gettext("candidates must lie between 1 and %(limit)s") % {"limit": MAX_OPTIMIZER_CANDIDATES},
            fields={"candidates": "out_of_range"},
        )
    if shortlist_id is not None:
        shortlist = shortlist_of(principal, shortlist_id)
        ids = list(shortlist.entries.values_list("creator_id", flat=True))
        rows = np.asarray(sorted(catalog.rows_of(ids)), dtype=np.int64)
        rows = rows[scoring.hard_filter(catalog, query)[rows]] if rows.size else rows
    else:
        rows = np.asarray(searching.match(catalog, query, candidates).rows, dtype=np.int64)
    prices = scoring.creator_price(catalog, query, rows) if rows.size else np.zeros(0, dtype=np.int64)
    priced = prices >= 0
    rows, prices = rows[priced], prices[priced]
    cols = [j for j, p in enumerate(taxonomy.PLATFORMS) if not query.platforms or p in query.platforms]
    views = catalog.avg_views[rows][:, cols].sum(axis=1).astype(np.float64) if rows.size else np.zeros(0)
    fit = scoring.score(catalog, query, rows).parts["audience_fit"].astype(np.float64) if rows.size else np.zeros(0)
    values = views * fit
    coverage_keys = sorted((min_coverage or {}).items())
    unknown = [c for c, _ in coverage_keys if c not in taxonomy.COUNTRIES]
    if unknown:
        raise ValidationFailed(
            gettext("unknown countries %(unknown)s") % {"unknown": unknown}, fields={"min_coverage": "unknown_country"}
        )
    coverage = np.zeros((rows.shape[0], len(coverage_keys)))
    for j, (country, _) in enumerate(coverage_keys):
        share = catalog.audience["countries"][taxonomy.COUNTRIES.index(country), rows].astype(np.float64)
        coverage[:, j] = views * share
    problem = optimizer.Problem(
        prices=prices,
        values=values,
        budget=campaign.budget if budget is None else budget,
        max_share_pct=max_share_pct,
        min_creators=min_creators,
        coverage=coverage,
        min_coverage=[float(v) for _, v in coverage_keys],
    )
    solution = optimizer.optimize(problem, time_limit=time_limit)
    chosen_rows = [int(rows[i]) for i in solution.chosen]
    described = describe(catalog, chosen_rows, query, None)
    for item, i in zip(described, solution.chosen, strict=False):
        item["expected_outcome"] = round(float(values[i]))
    return OptimizeResult(campaign, solution, int(rows.shape[0]), described, "expected views inside the target")
