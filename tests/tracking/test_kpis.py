"""KPIs from totals: exact rounding, None on a zero denominator, and properties over random totals."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.tracking import kpis
from accord.tracking.kpis import Totals

counts = st.integers(min_value=0, max_value=10**12)
positive = st.integers(min_value=1, max_value=10**12)


def exact(numerator: int, denominator: int, places: Decimal) -> Decimal:
    """The reference: an exact fraction rounded half-even, computed without Decimal division."""
    value = Fraction(numerator, denominator)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(places, rounding=ROUND_HALF_EVEN)


def test_worked_example() -> None:
    totals = Totals(
        unique_clicks=400, clicks=450, views=120_000, engagements=6_000, conversions=12, refunds=2,
        revenue=90_000, refunded=10_000, spend=30_000,
    )  # fmt: skip
    result = kpis.kpis(totals)
    assert result.cpm == Decimal("250.00")  # 300.00 over 120 thousand views: 2.50 (250 cents) per thousand
    assert result.cpc == Decimal("75.00")
    assert result.cpa == Decimal("3000.00")  # 10 net conversions
    assert result.roas == Decimal("2.6667")  # 800.00 net revenue / 300.00 spend
    assert result.engagement_rate == Decimal("0.0500")
    assert result.conversion_rate == Decimal("0.0300")
    assert result.revenue_net == 80_000


def test_zero_denominators_are_none() -> None:
    result = kpis.kpis(Totals(spend=500))
    assert (result.cpm, result.cpc, result.cpa, result.engagement_rate, result.conversion_rate) == (None,) * 5
    assert result.roas == Decimal("0.0000")  # spend but no revenue: a real zero return
    no_spend = kpis.kpis(Totals(views=100, unique_clicks=10, conversions=1, revenue=100))
    assert (no_spend.cpm, no_spend.cpc, no_spend.cpa, no_spend.roas) == (None,) * 4


def test_refunds_exceeding_sales_have_no_cpa() -> None:
    assert kpis.kpis(Totals(conversions=1, refunds=1, spend=100)).cpa is None


def test_impressions_stand_in_for_views() -> None:
    assert kpis.kpis(Totals(impressions=2_000, spend=100)).cpm == Decimal("50.00")


def test_half_even_rounding() -> None:
    assert kpis.cpc(1, 8) == Decimal("0.12")  # 0.125 → 0.12
    assert kpis.cpc(3, 8) == Decimal("0.38")  # 0.375 → 0.38
    assert kpis.engagement_rate(1, 3) == Decimal("0.3333")


def test_engagements_sum_the_interactions() -> None:
    assert kpis.engagements(likes=10, comments=2, shares=3, saves=5) == 20


@given(spend=counts, views=counts)
def test_cpm_matches_exact_fraction(spend: int, views: int) -> None:
    expected = exact(spend * 1000, views, kpis.COST_PLACES) if views else None
    assert kpis.cpm(spend, views) == expected


@given(spend=counts, clicks=counts, conversions=counts, revenue=counts)
def test_cost_ratios_match_exact_fractions(spend: int, clicks: int, conversions: int, revenue: int) -> None:
    assert kpis.cpc(spend, clicks) == (exact(spend, clicks, kpis.COST_PLACES) if clicks else None)
    assert kpis.cpa(spend, conversions) == (exact(spend, conversions, kpis.COST_PLACES) if conversions else None)
    assert kpis.roas(revenue, spend) == (exact(revenue, spend, kpis.RATIO_PLACES) if spend else None)


@given(engaged=counts, views=positive)
def test_engagement_rate_is_at_most_one_when_engagements_fit_views(engaged: int, views: int) -> None:
    rate = kpis.engagement_rate(min(engaged, views), views)
    assert rate is not None and Decimal(0) <= rate <= Decimal(1)


@given(spend=counts, low=positive, extra=counts)
def test_cpm_falls_as_views_grow(spend: int, low: int, extra: int) -> None:
    low_cpm, high_cpm = kpis.cpm(spend, low), kpis.cpm(spend, low + extra)
    assert low_cpm is not None and high_cpm is not None and high_cpm <= low_cpm


field_values = st.fixed_dictionaries({name: counts for name in kpis.COUNT_FIELDS})


@given(rows=st.lists(field_values, max_size=8))
def test_totals_sum_counters_and_kpis_come_from_totals(rows: list[dict[str, int]]) -> None:
    total = Totals.sum(rows)
    for name in kpis.COUNT_FIELDS:
        assert getattr(total, name) == sum(row[name] for row in rows)
    derived = kpis.kpis(total)
    assert derived.revenue_net == total.revenue - total.refunded
    assert derived.cpc == (kpis.cpc(total.spend, total.unique_clicks) if total.spend else None)


def test_totals_of_an_object_ignores_missing_counters() -> None:
    class Row:
        views = 10
        spend = None

    assert Totals.of(Row()) == Totals(views=10)


def test_totals_never_add_two_currencies() -> None:
    eur, usd = Totals(currency="EUR", revenue=100, clicks=1), Totals(currency="USD", revenue=100, clicks=1)
    assert Totals() + eur == eur + Totals() == eur  # no money yet: the zero of every currency
    assert (eur + eur).revenue == 200 and (eur + eur).currency == "EUR"
    with pytest.raises(kpis.MixedCurrencies) as raised:
        eur + usd
    assert raised.value.currencies == ["EUR", "USD"]
    assert kpis.kpis(Totals(currency="USD", spend=10, unique_clicks=5)).currency == "USD"
    assert Totals.of({"currency": "EUR", "revenue": 5}) == Totals(currency="EUR", revenue=5)
