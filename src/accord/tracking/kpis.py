"""KPIs derived from rollup totals: engagement rate, conversion rate, CPM, CPC, CPA, ROAS (pure; no Django models).

Dashboards and the API sum counters over a range first (rows of one bucket, or many) and derive the ratios from the
totals here, never by averaging per-bucket ratios. Arithmetic is integer/Decimal only, and every result is rounded
once, half-even, to a stated number of places; a ratio whose denominator is zero is ``None`` (nothing to show, not
zero). Money inputs (``spend``, ``revenue``) are minor units of one currency: ``Totals`` carries it, adding totals of
two currencies raises ``MixedCurrencies``, and the KPIs name the currency their money figures are in.

- CPM = spend × 1000 / views (views, else impressions when a platform reports only those), in minor units
- CPC = spend / unique clicks, in minor units
- CPA = spend / net conversions (sales − refunds), in minor units
- ROAS = net revenue / spend, a plain ratio (2.5 = 2.50 of revenue per 1.00 of spend)
- engagement rate = engagements / views, where engagements = likes + comments + shares + saves
- conversion rate = conversions / unique clicks
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

# Cost per unit in minor units, kept to hundredths of a minor unit (a CPC of 0.4 cents still shows).
COST_PLACES = Decimal("0.01")
# Rates and ROAS as fractions to 4 places (0.0523 = 5.23 %).
RATIO_PLACES = Decimal("0.0001")


def ratio(numerator: int, denominator: int, *, scale: int = 1, places: Decimal = RATIO_PLACES) -> Decimal | None:
    """``numerator × scale / denominator`` rounded half-even to ``places``; None when the denominator is not > 0."""
    if denominator <= 0:
        return None
    return (Decimal(numerator * scale) / Decimal(denominator)).quantize(places, rounding=ROUND_HALF_EVEN)


def engagements(likes: int = 0, comments: int = 0, shares: int = 0, saves: int = 0) -> int:
    return likes + comments + shares + saves


def engagement_rate(engagement_count: int, views: int) -> Decimal | None:
    return ratio(engagement_count, views)


def cpm(spend: int, views: int) -> Decimal | None:
    return ratio(spend, views, scale=1000, places=COST_PLACES)


def cpc(spend: int, clicks: int) -> Decimal | None:
    return ratio(spend, clicks, places=COST_PLACES)


def cpa(spend: int, conversions: int) -> Decimal | None:
    return ratio(spend, conversions, places=COST_PLACES)


def roas(revenue: int, spend: int) -> Decimal | None:
    return ratio(revenue, spend)


class MixedCurrencies(ValueError):
    """Money of two currencies would be added together."""

    def __init__(self, currencies: Iterable[str]) -> None:
        self.currencies = sorted(set(currencies))
        super().__init__(f"amounts in {', '.join(self.currencies)} cannot be added together")


@dataclass(frozen=True)
class Totals:
    """Counter totals of one bucket or a range (the rollup counters plus the spend booked to creators), with the
    currency of the money among them ("" while there is none: the zero of any currency)."""

    currency: str = ""
    clicks: int = 0
    unique_clicks: int = 0
    bot_clicks: int = 0
    impressions: int = 0
    views: int = 0
    engagements: int = 0
    conversions: int = 0
    refunds: int = 0
    revenue: int = 0
    refunded: int = 0
    spend: int = 0

    def __add__(self, other: Totals) -> Totals:
        if self.currency and other.currency and self.currency != other.currency:
            raise MixedCurrencies((self.currency, other.currency))
        return Totals(
            currency=self.currency or other.currency,
            **{name: getattr(self, name) + getattr(other, name) for name in COUNT_FIELDS},
        )

    @classmethod
    def of(cls, row: Any) -> Totals:
        """Totals from a rollup row, a mapping, or anything with the counter attributes (missing ones count 0)."""
        get = row.get if isinstance(row, Mapping) else lambda name, default: getattr(row, name, default)
        return cls(currency=str(get("currency", "") or ""), **{name: int(get(name, 0) or 0) for name in COUNT_FIELDS})

    @classmethod
    def sum(cls, rows: Iterable[Any]) -> Totals:
        total = cls()
        for row in rows:
            total = total + cls.of(row)
        return total

    @property
    def audience(self) -> int:
        return self.views or self.impressions

    @property
    def net_revenue(self) -> int:
        return self.revenue - self.refunded

    @property
    def net_conversions(self) -> int:
        return self.conversions - self.refunds


COUNT_FIELDS = tuple(f.name for f in fields(Totals) if f.name != "currency")  # the summed ones


@dataclass(frozen=True)
class Kpis:
    currency: str  # of revenue_net, CPM, CPC and CPA ("" when no money was counted)
    engagement_rate: Decimal | None
    conversion_rate: Decimal | None
    revenue_net: int
    cpm: Decimal | None
    cpc: Decimal | None
    cpa: Decimal | None
    roas: Decimal | None


def kpis(totals: Totals) -> Kpis:
    """The derived KPIs of ``totals``. With no spend booked, the cost metrics are None (no cost, not a zero cost)."""
    spent = totals.spend > 0
    return Kpis(
        currency=totals.currency,
        engagement_rate=engagement_rate(totals.engagements, totals.audience),
        conversion_rate=ratio(totals.conversions, totals.unique_clicks),
        revenue_net=totals.net_revenue,
        cpm=cpm(totals.spend, totals.audience) if spent else None,
        cpc=cpc(totals.spend, totals.unique_clicks) if spent else None,
        cpa=cpa(totals.spend, totals.net_conversions) if spent else None,
        roas=roas(totals.net_revenue, totals.spend),
    )
