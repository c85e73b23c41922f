"""A campaign's performance per day for the brand dashboard, read from tracking's daily campaign rollups only.

Counters and spend both come from the rollups (``accord.tracking.rollups.series``: one indexed read for the window,
one aggregate before it; no event or escrow scans). Spend is what the incentives follower books to the rollups: money
to creators (milestone and hourly releases gross of fees, commission accruals) less clawbacks, counted once per
ledger transaction. Ratios over the window (CPC, CPA, ROAS …) come from ``accord.tracking.kpis``; the ROAS line is net
revenue over spend, both to date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Sum

from accord.campaigns.models import Campaign
from accord.core import clock
from accord.core.money import round_half_even
from accord.tracking.kpis import Kpis, Totals
from accord.tracking.models import Rollup
from accord.tracking.rollups import series

WINDOW_DAYS = 30


@dataclass(frozen=True)
class Day:
    day: date
    clicks: int
    views: int
    conversions: int
    revenue_net: int
    spend: int
    spend_to_date: int
    roas_to_date: Decimal | None  # net revenue / spend, both to date


@dataclass(frozen=True)
class Performance:
    campaign: Campaign
    days: list[Day]
    totals: Totals
    spend: int  # over the campaign's whole life, so it compares with the budget
    ratios: Kpis

    @property
    def cpc(self) -> int | None:
        """Spend per unique click in the window, rounded once to the minor unit."""
        return _minor(self.ratios.cpc)

    @property
    def cpa(self) -> int | None:
        """Spend per net conversion in the window, rounded once to the minor unit."""
        return _minor(self.ratios.cpa)


def _minor(value: Decimal | None) -> int | None:
    return None if value is None else round_half_even(value)


def roas(revenue_net: int, spend: int) -> Decimal | None:
    """Return on ad spend to two decimals; None before anything was spent."""
    return (Decimal(revenue_net) / Decimal(spend)).quantize(Decimal("0.01")) if spend else None


def campaign_performance(campaign: Campaign, days: int = WINDOW_DAYS, today: date | None = None) -> Performance:
    today = today or clock.today()
    first = today - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)  # day buckets start at UTC midnight
    key = str(campaign.pk)
    window = series(
        Rollup.objects.all(),  # the caller has already checked the campaign belongs to the acting brand
        dimension=Rollup.Dimension.CAMPAIGN,
        keys=[key],
        granularity=Rollup.Granularity.DAY,
        since=start,
        until=start + timedelta(days=days),
        currency=campaign.currency,
    )
    before = Rollup.objects.filter(
        dimension=Rollup.Dimension.CAMPAIGN,
        key=key,
        currency=campaign.currency,
        granularity=Rollup.Granularity.DAY,
        bucket__lt=start,
    ).aggregate(revenue=Sum("revenue"), refunded=Sum("refunded"), spend=Sum("spend"))
    spent_before = int(before["spend"] or 0)
    spend_to_date = spent_before
    revenue_to_date = int(before["revenue"] or 0) - int(before["refunded"] or 0)
    out: list[Day] = []
    for point in window.points:
        t: Totals = point.totals
        spend_to_date += t.spend
        revenue_to_date += t.net_revenue
        out.append(
            Day(
                day=point.bucket.date(),
                clicks=t.clicks,
                views=t.views,
                conversions=t.conversions,
                revenue_net=t.net_revenue,
                spend=t.spend,
                spend_to_date=spend_to_date,
                roas_to_date=roas(revenue_to_date, spend_to_date),
            )
        )
    return Performance(campaign, out, window.totals, spend_to_date, window.kpis)
