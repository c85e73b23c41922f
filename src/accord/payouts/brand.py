"""What a brand may see of the payouts that carried its money: which payouts, never how much of them.

A payout pays a creator's whole payable balance (``creator:<org>:payable`` → ``payouts:in_transit``), and that balance
is fungible: escrow releases and unlocked commissions of every brand the creator works with are credited to the one
account, and the payout's ledger transfer names no source. So the share of a payout that is one brand's money is not
recorded anywhere and is not shown. What is known exactly is when the brand's money first reached the creator's
payable balance (a release of its campaign's escrow, an unlock of its commission); a payout of that creator in that
currency made since may carry it. The brand sees those payouts with the creator's name, state and dates, never the
payout's amount (the creator's earnings from every brand) nor its bank account.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from operator import or_

from django.db.models import Min, Q, QuerySet

from accord.contracts.models import Contract
from accord.escrow.models import Accrual, EscrowHold
from accord.payouts.models import Payout

# (creator, currency) → campaign → when the campaign's money first reached the creator's payable balance
Firsts = dict[tuple[int, str], dict[int, datetime]]


@dataclass(frozen=True)
class BrandPayout:
    """One payout as the brand sees it. ``contracts`` are the brand's contracts whose money may be in it (a payout
    dispute names one)."""

    id: int
    creator_name: str
    state: str
    state_label: str
    currency: str
    created_at: datetime
    promised_date: date
    paid_at: datetime | None
    days_late: int
    contracts: list[Contract]

    @property
    def disputable(self) -> bool:
        return self.state != Payout.State.HELD and bool(self.contracts)


def first_credits(brand_id: int) -> Firsts:
    """Per creator and currency, per campaign of the brand: when its money first reached the payable balance."""
    released = (
        EscrowHold.objects.filter(campaign__brand_id=brand_id, release_transaction__isnull=False)
        .values("creator_id", "currency", "campaign_id")
        .annotate(first=Min("release_transaction__created_at"))
    )
    unlocked = (
        Accrual.objects.filter(campaign__brand_id=brand_id, unlocked_at__isnull=False)
        .values("creator_id", "currency", "campaign_id")
        .annotate(first=Min("unlocked_at"))
    )
    firsts: Firsts = defaultdict(dict)
    for row in [*released, *unlocked]:
        per_campaign = firsts[(row["creator_id"], row["currency"])]
        seen = per_campaign.get(row["campaign_id"])
        per_campaign[row["campaign_id"]] = row["first"] if seen is None else min(seen, row["first"])
    return firsts


def payouts_carrying(brand_id: int, firsts: Firsts | None = None) -> QuerySet[Payout]:
    """The payouts that may carry the brand's money: of a creator it paid, in that currency, made since it first did."""
    firsts = first_credits(brand_id) if firsts is None else firsts
    if not firsts:
        return Payout.objects.none()
    since = [
        Q(organization_id=creator, currency=currency, created_at__gte=min(per_campaign.values()))
        for (creator, currency), per_campaign in firsts.items()
    ]
    return Payout.objects.filter(reduce(or_, since))


def brand_payouts(brand_id: int, payouts: list[Payout], firsts: Firsts) -> list[BrandPayout]:
    """The brand's view of ``payouts`` (a page of ``payouts_carrying``): each with the brand's contracts whose
    campaign had paid the creator before it."""
    creators = {p.organization_id for p in payouts}
    contracts: dict[tuple[int, str], list[Contract]] = defaultdict(list)
    for c in Contract.objects.filter(brand_id=brand_id, creator_id__in=creators).order_by("-id"):
        contracts[(c.creator_id, c.currency)].append(c)
    out = []
    for p in payouts:
        per_campaign = firsts.get((p.organization_id, p.currency), {})
        mine = [
            c
            for c in contracts[(p.organization_id, p.currency)]
            if c.campaign_id in per_campaign and per_campaign[c.campaign_id] <= p.created_at
        ]
        out.append(
            BrandPayout(
                id=p.pk,
                creator_name=p.organization.name,
                state=p.state,
                state_label=p.get_state_display(),
                currency=p.currency,
                created_at=p.created_at,
                promised_date=p.promised_date,
                paid_at=p.paid_at,
                days_late=p.lateness(),
                contracts=mine,
            )
        )
    return out
