"""A campaign's performance per day for the brand dashboard: tracking's daily rollups next to the money spent.

Counters come from ``accord.tracking`` daily campaign rollups (one indexed read, no event scans). Spend is what left
the campaign's escrow to creators: milestone releases (gross, fees included) plus commission accruals, less
clawbacks, read from the escrow app's records by day. Ratios over the window (CPC, CPA, ROAS …) come from
``accord.tracking.kpis``; the ROAS line is net revenue over spend, both to date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncDate

from accord.campaigns.models import Campaign
from accord.core import clock
from accord.escrow.models import Accrual, Clawback, EscrowHold
from accord.ledger.models import Hold
from accord.tracking.kpis import Kpis, Totals, kpis
from accord.tracking.models import COUNTERS, Rollup

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
    return None if value is None else int(value.quantize(Decimal(1), ROUND_HALF_EVEN))


def _by_day(rows: Iterable[tuple[date, Any]]) -> dict[date, int]:
    out: dict[date, int] = defaultdict(int)
    for day, total in rows:
        out[day] += int(total or 0)
    return out


def _spend_rows(campaign: Campaign) -> dict[date, int]:
    """Gross money the campaign spent per UTC day: releases + accruals − clawbacks."""
    releases = (
        EscrowHold.objects.filter(campaign=campaign, hold__status=Hold.Status.POSTED)
        .annotate(day=TruncDate("release_transaction__created_at"))
        .values_list("day")
        .annotate(total=Sum("released_amount"))
        .order_by()
    )
    accruals = (
        Accrual.objects.filter(campaign=campaign)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    clawbacks = (
        Clawback.objects.filter(accrual__campaign=campaign)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    spend = _by_day([*releases, *accruals])
    for day, amount in _by_day(clawbacks).items():
        spend[day] -= amount
    return spend


def roas(revenue_net: int, spend: int) -> Decimal | None:
    """Return on ad spend to two decimals; None before anything was spent."""
    return (Decimal(revenue_net) / Decimal(spend)).quantize(Decimal("0.01")) if spend else None


def campaign_performance(campaign: Campaign, days: int = WINDOW_DAYS, today: date | None = None) -> Performance:
    today = today or clock.today()
    first = today - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)  # day buckets start at UTC midnight
    rollups = {
        r["bucket"].astimezone(UTC).date(): r
        for r in Rollup.objects.filter(
            dimension=Rollup.Dimension.CAMPAIGN,
            key=str(campaign.pk),
            granularity=Rollup.Granularity.DAY,
            bucket__gte=start,
        ).values("bucket", *COUNTERS)
    }
    spend = _spend_rows(campaign)
    spent_before = sum(v for d, v in spend.items() if d < first)
    before = Rollup.objects.filter(
        dimension=Rollup.Dimension.CAMPAIGN,
        key=str(campaign.pk),
        granularity=Rollup.Granularity.DAY,
        bucket__lt=start,
    ).aggregate(revenue=Sum("revenue"), refunded=Sum("refunded"))
    revenue_before = int(before["revenue"] or 0) - int(before["refunded"] or 0)
    out: list[Day] = []
    spend_to_date, revenue_to_date = spent_before, revenue_before
    sums: dict[str, int] = defaultdict(int)
    for n in range(days):
        day = first + timedelta(days=n)
        row = rollups.get(day, {})
        for c in COUNTERS:
            sums[c] += int(row.get(c, 0))
        net = int(row.get("revenue", 0)) - int(row.get("refunded", 0))
        spent = spend.get(day, 0)
        spend_to_date += spent
        revenue_to_date += net
        out.append(
            Day(
                day=day,
                clicks=int(row.get("clicks", 0)),
                views=int(row.get("views", 0)),
                conversions=int(row.get("conversions", 0)),
                revenue_net=net,
                spend=spent,
                spend_to_date=spend_to_date,
                roas_to_date=roas(revenue_to_date, spend_to_date),
            )
        )
    totals = Totals(**sums, spend=spend_to_date - spent_before)
    return Performance(campaign, out, totals, spend_to_date, kpis(totals))
