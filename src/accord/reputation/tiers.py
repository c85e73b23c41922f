"""Creator tiers and their benefits, and rate suggestions, over the database (the rules are in ``growth``).

For the contracts app: ``contract_terms(contract, terms)`` caps every proposed version's commission lock window at the
one the contract's snapshot allows, and ``contract_fee_bps(contract)`` is the platform fee its milestone holds are
funded with (escrow release charges exactly that). Both snapshot the creator's current tier for the contract on first
use (``record_contract_benefits``, first call wins), so a later tier change never touches an existing contract.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from babel.numbers import format_currency
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import translation

from accord.accounts.models import Organization
from accord.core import clock
from accord.core.money import exponent
from accord.core.tenancy import scoped
from accord.reputation import growth
from accord.reputation.models import Commitment, ContractBenefits, CreatorTier, TierChange

if TYPE_CHECKING:
    from accord.contracts.models import Contract
    from accord.contracts.terms import Terms

_BY_NAME = {t.name: t for t in growth.TIERS}


def _on_time(org_id: int) -> float | None:
    rows = Commitment.objects.filter(
        owner_org_id=org_id, kind__in=["concept_due", "publish_due"], status__in=["met", "missed"]
    )
    total = rows.count()
    return rows.filter(status="met").count() / total if total else None


def _delivered_impressions(org_id: int) -> tuple[int, int]:
    """(impressions, posts): the latest counts of each tracked post of the creator, excluded snapshots left out."""
    from accord.tracking.models import PostMetricSnapshot

    per_post = (
        PostMetricSnapshot.objects.filter(creator_id=org_id, excluded=False)
        .values("platform", "post_id")
        .annotate(top=Max("impressions"))
    )
    tops = [r["top"] or 0 for r in per_post]
    return sum(tops), len(tops)


def _followers(org_id: int) -> tuple[int, int]:
    from accord.creators.models import Channel

    agg = Channel.objects.filter(organization_id=org_id).aggregate(f=Max("followers"), v=Max("avg_views"))
    return int(agg["f"] or 0), int(agg["v"] or 0)


def performance(org_id: int) -> float | None:
    """Delivered impressions / forecast (the channel's average views per post × posts delivered)."""
    impressions, posts = _delivered_impressions(org_id)
    _, avg_views = _followers(org_id)
    if posts == 0 or avg_views == 0:
        return None
    return round(impressions / (avg_views * posts), 3)


def inputs(org_id: int) -> growth.TierInputs:
    from accord.contracts.models import Contract

    completed = Contract.objects.filter(creator_id=org_id, status=Contract.Status.COMPLETED).count()
    return growth.TierInputs(completed, _on_time(org_id), performance(org_id))


def refresh_tier(org_id: int) -> CreatorTier:
    """Recompute a creator's tier; a change is recorded in ``TierChange``. Existing contracts are not touched."""
    x = inputs(org_id)
    result = growth.tier_for(x)
    figures = {"completed": x.completed, "on_time_rate": x.on_time_rate, "performance": x.performance}
    with transaction.atomic():
        row, _ = CreatorTier.objects.select_for_update().get_or_create(organization_id=org_id)
        if row.tier != result.tier.name:
            TierChange.objects.create(
                organization_id=org_id, before=row.tier, after=result.tier.name, reasons=result.reasons
            )
            row.tier, row.since = result.tier.name, clock.now()
        row.figures, row.updated_at = figures, clock.now()
        row.save()
        return row


def refresh_all() -> int:
    changed = 0
    for org_id in Organization.objects.filter(kind=Organization.Kind.CREATOR).values_list("id", flat=True):
        before = CreatorTier.objects.filter(organization_id=org_id).values_list("tier", flat=True).first() or "new"
        if refresh_tier(org_id).tier != before:
            changed += 1
    return changed


def current_tier(org_id: int) -> growth.Tier:
    name = CreatorTier.objects.filter(organization_id=org_id).values_list("tier", flat=True).first()
    return _BY_NAME.get(name or "new", growth.TIERS[0])


def benefits_for_new_contract(creator_org_id: int) -> growth.Benefits:
    """The benefits a new offer to this creator gets, from the creator's current tier."""
    return current_tier(creator_org_id).benefits


def apply_tier_benefits(terms: dict[str, Any], creator_org_id: int) -> dict[str, Any]:
    """Offer terms with the tier's commission lock window when it is shorter than the one asked for (a copy)."""
    out = copy.deepcopy(terms)
    benefits = benefits_for_new_contract(creator_org_id)
    asked = int(out.get("commission_lock_days", 30))
    out["commission_lock_days"] = min(asked, benefits.commission_lock_days)
    return out


def record_contract_benefits(
    contract_id: int, creator_org_id: int, brand_org_id: int | None = None
) -> ContractBenefits:
    """Snapshot the tier benefits for a new contract (the first call wins; later tier changes never alter it).

    The fee recorded is the one its releases charge: an operator's fee override for the creator or the brand wins
    over the tier's fee (``escrow.fee_bps_for``), and a tier's fee never exceeds the platform's configured one."""
    from accord.escrow.services import fee_bps_for, platform_fee_bps

    tier = current_tier(creator_org_id)
    fee = fee_bps_for(creator_org_id, brand_org_id, default=min(tier.benefits.platform_fee_bps, platform_fee_bps()))
    row, created = ContractBenefits.objects.get_or_create(
        contract_id=contract_id,
        defaults={
            "creator_id": creator_org_id,
            "tier": tier.name,
            "commission_lock_days": tier.benefits.commission_lock_days,
            "payout_frequency": tier.benefits.payout_frequency,
            "platform_fee_bps": fee,
        },
    )
    if created:  # the tier's payout frequency, for a creator who never chose a schedule
        from accord.payouts.services import offer_frequency

        offer_frequency(creator_org_id, row.payout_frequency, reason=f"{row.tier} tier, contract {contract_id}")
    return row


def contract_terms(contract: Contract, terms: Terms) -> Terms:
    """The terms a version of ``contract`` is proposed with: its snapshot's commission lock window is the longest it
    may have (the contracts app calls this for every version, so a counter-offer cannot undo the benefit)."""
    benefits = record_contract_benefits(contract.pk, contract.creator_id, contract.brand_id)
    if terms.commission_lock_days <= benefits.commission_lock_days:
        return terms
    return terms.model_copy(update={"commission_lock_days": benefits.commission_lock_days})


def contract_fee_bps(contract: Contract) -> int:
    """The platform fee the contract's escrow releases charge (recorded when it was offered)."""
    return record_contract_benefits(contract.pk, contract.creator_id, contract.brand_id).platform_fee_bps


# -- rate suggestions ----------------------------------------------------------------------------------------------


def _delivered(org_id: int, currency: str) -> growth.Delivered:
    from accord.escrow.models import EscrowHold

    paid = EscrowHold.objects.filter(creator_id=org_id, currency=currency).aggregate(s=Sum("released_amount"))["s"]
    impressions, _posts = _delivered_impressions(org_id)
    followers, _ = _followers(org_id)
    return growth.Delivered(org_id, followers, int(paid or 0), impressions)


def _money_writer(currency: str) -> Callable[[int], str]:
    """Minor units of ``currency`` as the active language writes them (CLDR through babel, like the ``money``
    template filter; reputation may not import the web app)."""
    locale = translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
    return lambda minor: format_currency(Decimal(int(minor)).scaleb(-exponent(currency)), currency, locale=locale)


def may_see_rates(viewer_org_id: int, creator_org_id: int) -> bool:
    """The creator itself, or a brand with a contract with the creator, sees the creator's rate suggestions."""
    from accord.contracts.models import Contract

    if viewer_org_id == creator_org_id:
        return Organization.objects.filter(pk=creator_org_id, kind=Organization.Kind.CREATOR).exists()
    return scoped(Contract.objects.all(), viewer_org_id, "brand").filter(creator_id=creator_org_id).exists()


def rate_suggestions(creator_org_id: int, peer_limit: int = 2000) -> list[dict[str, Any]]:
    """For each rate-card price of the creator, a suggested price when they deliver cheaper than the market."""
    from accord.creators.models import RateCardItem
    from accord.tracking.models import PostMetricSnapshot

    out: list[dict[str, Any]] = []
    items = list(RateCardItem.objects.filter(organization_id=creator_org_id).order_by("platform", "deliverable"))
    for currency in sorted({i.currency for i in items}):
        me = _delivered(creator_org_id, currency)
        peer_ids = (
            PostMetricSnapshot.objects.exclude(creator_id=creator_org_id)
            .values_list("creator_id", flat=True)
            .distinct()[:peer_limit]
        )
        peers = [_delivered(pid, currency) for pid in peer_ids]
        for item in (i for i in items if i.currency == currency):
            s = growth.suggest_rate(me, peers, item.price, _money_writer(currency))
            if s is not None:
                out.append(
                    {
                        "platform": item.platform,
                        "deliverable": item.deliverable,
                        "currency": currency,
                        "current_price": s.current_price,
                        "suggested_price": s.suggested_price,
                        "creator_cpm": float(round(s.creator_cpm, 2)),
                        "market_cpm": float(round(s.market_cpm, 2)),
                        "peers": s.peers,
                        "impressions": me.impressions,
                        "paid": me.paid,
                        "explanation": s.explanation,
                    }
                )
    return out
