"""The pure compensation-rule evaluator: examples and hypothesis properties (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from accord.incentives.rules import (
    CompensationTerms,
    CpaRule,
    CpcRule,
    CpmRule,
    DayMetrics,
    FlatRule,
    HourlyRule,
    Metrics,
    RevenueShareRule,
    Rule,
    Scenario,
    SpendLimit,
    Tier,
    TieredBonusRule,
    evaluate,
    forecast,
)

D0 = date(2026, 3, 2)  # a Monday
FAST = settings(max_examples=60, deadline=None)


def terms(*rules: Rule, cap: int | None = None) -> CompensationTerms:
    return CompensationTerms(currency="EUR", starts_on=D0, cap=cap, rules=list(rules))


def test_rules_parse_from_json_by_discriminator() -> None:
    data = {
        "currency": "EUR",
        "rules": [
            {"kind": "cpm", "id": "views", "rate": "450", "cap": 100000},
            {"kind": "revenue_share", "id": "sales", "percent": "12.5", "lock_days": 30},
            {
                "kind": "tiered_bonus",
                "id": "bonus",
                "kpi": "views",
                "tiers": [{"threshold": 100000, "amount": 20000}, {"threshold": 250000, "amount": 50000}],
            },
            {"kind": "flat", "id": "post", "amount": 50000},
            {"kind": "hourly", "id": "hours", "rate": "6000", "spend_limit": {"amount": 48000, "period": "week"}},
        ],
    }
    parsed = CompensationTerms.model_validate(data)
    assert [type(r) for r in parsed.rules] == [CpmRule, RevenueShareRule, TieredBonusRule, FlatRule, HourlyRule]
    assert CompensationTerms.model_validate_json(parsed.model_dump_json()) == parsed


def test_invalid_terms_are_refused() -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Rule).validate_python({"kind": "bribe", "id": "x"})
    with pytest.raises(ValidationError):
        TieredBonusRule(id="t", kpi="views", tiers=[Tier(threshold=Decimal(5), amount=1), Tier(threshold=1, amount=1)])
    with pytest.raises(ValidationError):
        CompensationTerms(currency="XXX", rules=[CpcRule(id="c", rate=Decimal(1))])
    with pytest.raises(ValidationError):
        terms(CpcRule(id="same", rate=Decimal(1)), CpaRule(id="same", rate=Decimal(1)))
    with pytest.raises(ValidationError):
        RevenueShareRule(id="r", percent=Decimal(101))


def test_each_rule_kind_pays_what_it_says() -> None:
    day = DayMetrics(
        day=D0, views=123_456, unique_clicks=40, clicks=55, conversions=7, refunded_conversions=1,
        revenue=100_00, refunded=20_00, hours=Decimal("2.5"),
    )  # fmt: skip
    metrics = Metrics(days=[day], milestones_approved=["m1", "m2"])
    t = terms(
        CpmRule(id="cpm", rate=Decimal(500)),  # 5.00 per 1000 views
        CpcRule(id="cpc", rate=Decimal(25)),
        CpaRule(id="cpa", rate=Decimal(300)),
        RevenueShareRule(id="rs", percent=Decimal("12.5")),
        HourlyRule(id="h", rate=Decimal(6000)),
        FlatRule(id="f", amount=50_000, milestones=["m1"]),
        TieredBonusRule(
            id="t",
            kpi="views",
            tiers=[Tier(threshold=Decimal(100_000), amount=20_000), Tier(threshold=250_000, amount=1)],
        ),
    )
    got = evaluate(t, metrics).by_rule()
    assert got == {
        "cpm": 61728,  # 500 * 123456 / 1000 = 61728.0
        "cpc": 1000,
        "cpa": 1800,  # net conversions 6
        "rs": 1000,  # 12.5% of (100.00 - 20.00)
        "h": 15000,
        "f": 50_000,
        "t": 20_000,
    }


def test_rounding_is_half_even_once_per_amount() -> None:
    # 0.5 minor units per day over 3 days: rounded once (1.5 -> 2), not per day (0+0+0 or 1+1+1).
    t = terms(CpcRule(id="c", rate=Decimal("0.5"), kpi="clicks"))
    m = Metrics(days=[DayMetrics(day=D0 + timedelta(days=i), clicks=1) for i in range(3)])
    assert evaluate(t, m).total == 2
    m2 = Metrics(days=[DayMetrics(day=D0, clicks=5)])  # 2.5 -> 2 (to even)
    assert evaluate(t, m2).total == 2


def test_spend_limit_per_period_and_max_duration() -> None:
    rule = CpcRule(id="c", rate=Decimal(100), spend_limit=SpendLimit(amount=500, period="week"), max_duration_days=14)
    days = [DayMetrics(day=D0 + timedelta(days=i), unique_clicks=3) for i in range(21)]
    result = evaluate(terms(rule), Metrics(days=days))
    assert [(line.period, line.amount, line.capped) for line in result.lines] == [
        ("2026-W10", 500, True),
        ("2026-W11", 500, True),
    ]  # the third week is past max_duration_days


def test_tiered_bonus_example_from_the_issue() -> None:
    rule = TieredBonusRule(
        id="views", kpi="views", tiers=[Tier(threshold=100_000, amount=200_00), Tier(threshold=250_000, amount=500_00)]
    )
    t = terms(rule)
    at = {v: evaluate(t, Metrics(days=[DayMetrics(day=D0, views=v)])).total for v in (99_999, 100_000, 250_000)}
    assert at == {99_999: 0, 100_000: 200_00, 250_000: 700_00}
    line = evaluate(t, Metrics(days=[DayMetrics(day=D0, views=120_000)])).lines[0]
    assert line.threshold == 250_000
    assert line.kpi_value == 120_000


def test_forecast_table() -> None:
    t = terms(
        CpmRule(id="cpm", rate=Decimal(400), cap=100_000),
        TieredBonusRule(id="t", kpi="views", tiers=[Tier(threshold=100_000, amount=20_000)]),
    )
    rows = forecast(
        t,
        [Scenario(name="low", kpis={"views": Decimal(50_000)}), Scenario(name="high", kpis={"views": 10**6}, days=30)],
    )
    assert [(r.scenario, r.by_rule, r.total) for r in rows] == [
        ("low", {"cpm": 20_000, "t": 0}, 20_000),
        ("high", {"cpm": 100_000, "t": 20_000}, 120_000),
    ]


# --- properties ---------------------------------------------------------------------------------------------------

rates = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
caps = st.none() | st.integers(min_value=0, max_value=5_000_000)
limits = st.none() | st.builds(
    SpendLimit, amount=st.integers(0, 1_000_000), period=st.sampled_from(["day", "week", "month"])
)


@st.composite
def rule_strategy(draw: st.DrawFn, idx: int) -> Rule:
    common = {
        "id": f"r{idx}",
        "cap": draw(caps),
        "spend_limit": draw(limits),
        "lock_days": draw(st.integers(0, 60)),
        "max_duration_days": draw(st.none() | st.integers(1, 90)),
    }
    kind = draw(st.sampled_from(["flat", "hourly", "cpm", "cpc", "cpa", "revenue_share", "tiered_bonus"]))
    if kind == "flat":
        return FlatRule(amount=draw(st.integers(0, 100_000)), **common)
    if kind == "hourly":
        return HourlyRule(rate=draw(rates), **common)
    if kind == "cpm":
        return CpmRule(rate=draw(rates), kpi=draw(st.sampled_from(["views", "impressions"])), **common)
    if kind == "cpc":
        return CpcRule(rate=draw(rates), **common)
    if kind == "cpa":
        return CpaRule(rate=draw(rates), **common)
    if kind == "revenue_share":
        return RevenueShareRule(percent=draw(st.decimals(0, 100, places=2)), **common)
    thresholds = sorted(draw(st.sets(st.integers(1, 2_000_000), min_size=1, max_size=5)))
    return TieredBonusRule(
        kpi=draw(st.sampled_from(["views", "unique_clicks", "revenue_net", "conversions"])),
        tiers=[Tier(threshold=Decimal(th), amount=draw(st.integers(0, 100_000))) for th in thresholds],
        **common,
    )


@st.composite
def terms_strategy(draw: st.DrawFn) -> CompensationTerms:
    n = draw(st.integers(1, 4))
    return CompensationTerms(
        currency="EUR", starts_on=D0, cap=draw(caps), rules=[draw(rule_strategy(i)) for i in range(n)]
    )


@st.composite
def day_strategy(draw: st.DrawFn, offset: int) -> DayMetrics:
    conversions = draw(st.integers(0, 50))
    revenue = draw(st.integers(0, 1_000_000))
    return DayMetrics(
        day=D0 + timedelta(days=offset),
        views=draw(st.integers(0, 500_000)),
        impressions=draw(st.integers(0, 500_000)),
        unique_clicks=draw(st.integers(0, 5_000)),
        conversions=conversions,
        refunded_conversions=draw(st.integers(0, conversions)),
        revenue=revenue,
        refunded=draw(st.integers(0, revenue)),
        hours=draw(st.decimals(0, 24, places=2)),
    )


@st.composite
def metrics_strategy(draw: st.DrawFn) -> Metrics:
    offsets = sorted(draw(st.sets(st.integers(0, 90), max_size=8)))
    return Metrics(
        days=[draw(day_strategy(o)) for o in offsets],
        milestones_approved=draw(st.lists(st.sampled_from(["m1", "m2", "m3"]), unique=True)),
    )


@FAST
@given(terms_strategy(), metrics_strategy())
def test_evaluate_is_deterministic_and_idempotent(t: CompensationTerms, m: Metrics) -> None:
    first = evaluate(t, m)
    assert evaluate(t, m) == first
    # Re-evaluating the same facts (round-tripped through JSON, as accrual stores them) changes nothing.
    again = evaluate(
        CompensationTerms.model_validate_json(t.model_dump_json()), Metrics.model_validate_json(m.model_dump_json())
    )
    assert again == first
    assert all(type(line.amount) is int for line in first.lines)


@FAST
@given(terms_strategy(), metrics_strategy())
def test_never_exceeds_caps_or_spend_limits(t: CompensationTerms, m: Metrics) -> None:
    result = evaluate(t, m)
    if t.cap is not None:
        assert result.total <= t.cap
    for rule in t.rules:
        lines = [line for line in result.lines if line.rule_id == rule.id]
        if rule.cap is not None:
            assert sum(line.amount for line in lines) <= rule.cap
        if rule.spend_limit is not None:
            assert all(line.amount <= rule.spend_limit.amount for line in lines)


@FAST
@given(terms_strategy(), metrics_strategy())
def test_nothing_counts_after_the_maximum_duration(t: CompensationTerms, m: Metrics) -> None:
    for rule in t.rules:
        if rule.max_duration_days is None:
            continue
        alone = CompensationTerms(currency="EUR", starts_on=D0, rules=[rule])
        end = D0 + timedelta(days=rule.max_duration_days)
        within = m.model_copy(update={"days": [d for d in m.days if d.day < end]})
        assert evaluate(alone, m).total == evaluate(alone, within).total


@FAST
@given(
    st.sets(st.integers(1, 1_000_000), min_size=1, max_size=6),
    st.lists(st.integers(0, 100_000), min_size=6, max_size=6),
    st.integers(0, 1_500_000),
    st.integers(0, 1_500_000),
)
def test_tiers_are_monotone_in_their_kpi(thresholds: set[int], amounts: list[int], a: int, b: int) -> None:
    rule = TieredBonusRule(
        id="t", kpi="views", tiers=[Tier(threshold=th, amount=amounts[i]) for i, th in enumerate(sorted(thresholds))]
    )
    low, high = sorted((a, b))
    pay = [evaluate(terms(rule), Metrics(days=[DayMetrics(day=D0, views=v)])).total for v in (low, high)]
    assert pay[0] <= pay[1]


@FAST
@given(
    st.decimals(0, 100, places=3),
    st.integers(0, 5),
    st.integers(1, 10_000_000),
    st.data(),
    caps,
)
def test_refunds_bring_commission_to_the_net_order(
    percent: Decimal, cpa: int, sale: int, data: st.DataObject, cap: int | None
) -> None:
    refund = data.draw(st.integers(0, sale))
    refund_day = data.draw(st.integers(0, 60))
    t = terms(RevenueShareRule(id="rs", percent=percent, cap=cap), CpaRule(id="cpa", rate=Decimal(cpa)))
    fully_refunded = 1 if refund == sale else 0
    with_refund = Metrics(
        days=[
            DayMetrics(day=D0, revenue=sale, conversions=1),
            DayMetrics(day=D0 + timedelta(days=1 + refund_day), refunded=refund, refunded_conversions=fully_refunded),
        ]
    )
    net = Metrics(days=[DayMetrics(day=D0, revenue=sale - refund, conversions=1 - fully_refunded)])
    assert evaluate(t, with_refund).by_rule() == evaluate(t, net).by_rule()
