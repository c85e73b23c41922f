"""Compensation terms as data, and the pure evaluator that turns KPI facts into amounts (DESIGN §5).

Terms are a Pydantic discriminated union of rules (``kind``): ``flat`` (per approved milestone), ``hourly``, ``cpm``,
``cpc``, ``cpa``, ``revenue_share`` (percent of the commission base) and ``tiered_bonus`` (thresholds on any KPI).
Every rule may carry a cap (lifetime, minor units), a spend limit per period (day, week, month), a maximum duration
(days from the terms' start) and a lock window (days an accrued amount stays pending before it becomes payable).

``evaluate(terms, metrics)`` is a pure function of its inputs: amounts are ``int`` minor units; rate math is
``Decimal``; each produced amount (one per rule and period) is rounded once, half-even. Accrual elsewhere books only
the difference between two evaluations, so evaluating after every event is safe. This module imports no Django
model and nothing from the ledger.

Metrics are daily buckets of KPI *increments* (not cumulative counters). Sales and refunds are separate KPIs so a
refund lowers the commission base to what the net order would have earned: ``revenue_net = revenue - refunded`` and
``conversions_net = conversions - refunded_conversions``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from accord.core.money import round_half_even, validate_currency

KPI = Literal[
    "views",
    "impressions",
    "reach",
    "clicks",
    "unique_clicks",
    "engagements",
    "likes",
    "comments",
    "shares",
    "saves",
    "conversions",
    "refunded_conversions",
    "conversions_net",
    "revenue",
    "refunded",
    "revenue_net",
    "hours",
]
Period = Literal["day", "week", "month"]
_THOUSAND = Decimal(1000)
_HUNDRED = Decimal(100)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SpendLimit(_Frozen):
    amount: int = Field(..., ge=0, description="Most this rule may earn within one period, minor units")
    period: Period = "month"


class _RuleBase(_Frozen):
    id: str = Field(..., min_length=1, max_length=64, description="Stable id of the rule within its terms")
    cap: int | None = Field(None, ge=0, description="Most this rule may ever earn, minor units")
    spend_limit: SpendLimit | None = None
    max_duration_days: int | None = Field(None, ge=1, description="Only KPIs of the first N days count")
    lock_days: int = Field(0, ge=0, le=365, description="Days an accrued amount stays pending (refund window)")


class FlatRule(_RuleBase):
    kind: Literal["flat"] = "flat"
    amount: int = Field(..., ge=0, description="Paid once per approved milestone")
    milestones: list[str] | None = Field(None, description="Milestone ids this pays for; None: every milestone")


class HourlyRule(_RuleBase):
    kind: Literal["hourly"] = "hourly"
    rate: Decimal = Field(..., ge=0, description="Minor units per approved hour")


class CpmRule(_RuleBase):
    kind: Literal["cpm"] = "cpm"
    rate: Decimal = Field(..., ge=0, description="Minor units per 1,000 of the KPI")
    kpi: Literal["views", "impressions", "reach"] = "views"


class CpcRule(_RuleBase):
    kind: Literal["cpc"] = "cpc"
    rate: Decimal = Field(..., ge=0, description="Minor units per counted click")
    kpi: Literal["clicks", "unique_clicks"] = "unique_clicks"


class CpaRule(_RuleBase):
    kind: Literal["cpa"] = "cpa"
    rate: Decimal = Field(..., ge=0, description="Minor units per net conversion")


class RevenueShareRule(_RuleBase):
    kind: Literal["revenue_share"] = "revenue_share"
    percent: Decimal = Field(..., ge=0, le=100, description="Percent of the commission base (net of refunds)")


class Tier(_Frozen):
    threshold: Decimal = Field(..., ge=0, description="Cumulative KPI value at which the bonus is earned")
    amount: int = Field(..., ge=0)


class TieredBonusRule(_RuleBase):
    kind: Literal["tiered_bonus"] = "tiered_bonus"
    kpi: KPI
    tiers: list[Tier] = Field(..., min_length=1, max_length=50)

    @model_validator(mode="after")
    def _ascending(self) -> TieredBonusRule:
        thresholds = [t.threshold for t in self.tiers]
        if thresholds != sorted(thresholds) or len(set(thresholds)) != len(thresholds):
            raise ValueError("tier thresholds must be strictly ascending")
        return self


Rule = Annotated[
    FlatRule | HourlyRule | CpmRule | CpcRule | CpaRule | RevenueShareRule | TieredBonusRule,
    Field(discriminator="kind"),
]


class CompensationTerms(_Frozen):
    currency: str = Field(..., min_length=3, max_length=3)
    starts_on: date | None = Field(None, description="Day 1 for max_duration_days; default: the first metrics day")
    cap: int | None = Field(None, ge=0, description="Most all rules together may ever earn")
    rules: list[Rule] = Field(..., min_length=1, max_length=50)

    @model_validator(mode="after")
    def _check(self) -> CompensationTerms:
        validate_currency(self.currency)
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique within the terms")
        return self


class DayMetrics(_Frozen):
    """KPI increments of one day (UTC)."""

    day: date
    views: int = Field(0, ge=0)
    impressions: int = Field(0, ge=0)
    reach: int = Field(0, ge=0)
    clicks: int = Field(0, ge=0)
    unique_clicks: int = Field(0, ge=0)
    engagements: int = Field(0, ge=0)
    likes: int = Field(0, ge=0)
    comments: int = Field(0, ge=0)
    shares: int = Field(0, ge=0)
    saves: int = Field(0, ge=0)
    conversions: int = Field(0, ge=0)
    refunded_conversions: int = Field(0, ge=0)
    revenue: int = Field(0, ge=0, description="Commission base of paid orders, minor units")
    refunded: int = Field(0, ge=0, description="Commission base of refunds, minor units (positive)")
    hours: Decimal = Field(Decimal(0), ge=0)

    def kpi(self, name: str) -> Decimal:
        if name == "revenue_net":
            return Decimal(self.revenue - self.refunded)
        if name == "conversions_net":
            return Decimal(self.conversions - self.refunded_conversions)
        return Decimal(getattr(self, name))


class Metrics(_Frozen):
    days: list[DayMetrics] = Field(default_factory=list)
    milestones_approved: list[str] = Field(default_factory=list, description="Ids of approved milestones")
    milestones_approved_on: dict[str, date] = Field(default_factory=dict, description="Approval day per milestone")


class Line(_Frozen):
    """One produced amount: a rule in a period. Accrual keys on (rule_id, period)."""

    rule_id: str
    kind: str
    period: str
    amount: int
    kpi: str | None = None
    kpi_value: Decimal | None = None
    threshold: Decimal | None = None
    lock_days: int = 0
    capped: bool = False


class Evaluation(_Frozen):
    currency: str
    lines: list[Line]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def by_rule(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for line in self.lines:
            out[line.rule_id] += line.amount
        return dict(out)


def period_key(day: date, period: Period | None) -> str:
    if period is None:
        return "all"
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _in_window(rule: _RuleBase, day: date, start: date | None) -> bool:
    if rule.max_duration_days is None or start is None:
        return True
    return start <= day < start + timedelta(days=rule.max_duration_days)


def _raw_by_day(rule: Rule, days: list[DayMetrics], metrics: Metrics, start: date | None) -> list[tuple[date, Decimal]]:
    """The unrounded amount each day earns under ``rule`` (milestones on their approval day)."""
    out: list[tuple[date, Decimal]] = []
    if isinstance(rule, FlatRule):
        for milestone in sorted(set(metrics.milestones_approved)):
            if rule.milestones is not None and milestone not in rule.milestones:
                continue
            day = metrics.milestones_approved_on.get(milestone) or start or date.min
            if _in_window(rule, day, start):
                out.append((day, Decimal(rule.amount)))
        return out
    if isinstance(rule, TieredBonusRule):
        cumulative = Decimal(0)
        reached = 0
        for d in days:
            if not _in_window(rule, d.day, start):
                continue
            cumulative += d.kpi(rule.kpi)
            now_reached = sum(1 for t in rule.tiers if cumulative >= t.threshold)
            # Tiers are earned once: a later dip (refunds) does not take a reached tier back.
            if now_reached > reached:
                out.append((d.day, Decimal(sum(t.amount for t in rule.tiers[reached:now_reached]))))
                reached = now_reached
        return out
    for d in days:
        if not _in_window(rule, d.day, start):
            continue
        if isinstance(rule, HourlyRule):
            value = rule.rate * d.hours
        elif isinstance(rule, CpmRule):
            value = rule.rate * d.kpi(rule.kpi) / _THOUSAND
        elif isinstance(rule, CpcRule):
            value = rule.rate * d.kpi(rule.kpi)
        elif isinstance(rule, CpaRule):
            value = rule.rate * d.kpi("conversions_net")
        else:  # RevenueShareRule
            value = rule.percent * d.kpi("revenue_net") / _HUNDRED
        out.append((d.day, value))
    return out


def _rule_kpi(rule: Rule) -> str | None:
    if isinstance(rule, CpmRule | CpcRule | TieredBonusRule):
        return rule.kpi
    return {
        "hourly": "hours",
        "cpa": "conversions_net",
        "revenue_share": "revenue_net",
        "flat": "milestones",
    }.get(rule.kind)


def _kpi_total(rule: Rule, days: list[DayMetrics], metrics: Metrics, start: date | None) -> Decimal:
    kpi = _rule_kpi(rule)
    if kpi == "milestones":
        return Decimal(len(set(metrics.milestones_approved)))
    assert kpi is not None
    return sum((d.kpi(kpi) for d in days if _in_window(rule, d.day, start)), Decimal(0))


def _evaluate_rule(rule: Rule, metrics: Metrics, days: list[DayMetrics], start: date | None) -> list[Line]:
    raw = _raw_by_day(rule, days, metrics, start)
    period = rule.spend_limit.period if rule.spend_limit else None
    per_period: dict[str, Decimal] = defaultdict(Decimal)
    for day, value in raw:
        per_period[period_key(day, period)] += value
    kpi = _rule_kpi(rule)
    kpi_value = _kpi_total(rule, days, metrics, start)
    lines: list[Line] = []
    # Each period's amount is rounded once, then limits apply in whole minor units: limiting the unrounded value and
    # rounding afterwards could let the rounded lines sum past the cap.
    remaining = rule.cap
    for key in sorted(per_period):
        amount = round_half_even(per_period[key])
        capped = False
        if rule.spend_limit is not None and amount > rule.spend_limit.amount:
            amount, capped = rule.spend_limit.amount, True
        if remaining is not None:
            if amount > remaining:
                amount, capped = remaining, True
            remaining -= amount
        lines.append(
            Line(
                rule_id=rule.id,
                kind=rule.kind,
                period=key,
                amount=amount,
                kpi=kpi,
                kpi_value=kpi_value,
                threshold=_next_threshold(rule, kpi_value),
                lock_days=rule.lock_days,
                capped=capped,
            )
        )
    if not lines:
        lines.append(
            Line(
                rule_id=rule.id,
                kind=rule.kind,
                period=period_key(start or date.min, period) if period else "all",
                amount=0,
                kpi=kpi,
                kpi_value=kpi_value,
                threshold=_next_threshold(rule, kpi_value),
                lock_days=rule.lock_days,
            )
        )
    return lines


def _next_threshold(rule: Rule, value: Decimal) -> Decimal | None:
    if not isinstance(rule, TieredBonusRule):
        return None
    for tier in rule.tiers:
        if value < tier.threshold:
            return tier.threshold
    return rule.tiers[-1].threshold


def _apply_terms_cap(cap: int, lines: list[Line]) -> list[Line]:
    """Trim so all lines together stay within ``cap``; earlier rules (in term order) keep their share first."""
    remaining = cap
    out = []
    for line in lines:
        amount = line.amount
        if amount > 0:
            amount = min(amount, max(remaining, 0))
            remaining -= amount
        else:
            remaining -= amount  # a negative period (refunds beyond sales) frees room
        out.append(line if amount == line.amount else line.model_copy(update={"amount": amount, "capped": True}))
    return out


def evaluate(terms: CompensationTerms, metrics: Metrics) -> Evaluation:
    """What the creator has earned under ``terms`` given ``metrics``: one line per rule and period.

    Deterministic and idempotent: the same inputs give the same lines, so evaluating twice books nothing new.
    """
    days = sorted(metrics.days, key=lambda d: d.day)
    start = terms.starts_on or (days[0].day if days else None)
    lines: list[Line] = []
    for rule in terms.rules:
        lines.extend(_evaluate_rule(rule, metrics, days, start))
    if terms.cap is not None:
        lines = _apply_terms_cap(terms.cap, lines)
    return Evaluation(currency=terms.currency, lines=lines)


class Scenario(_Frozen):
    """KPI totals to forecast at, spread evenly over ``days`` days from the terms' start."""

    name: str = ""
    kpis: dict[KPI, Decimal] = Field(default_factory=dict)
    milestones: int = Field(0, ge=0, description="Approved milestones assumed")
    days: int = Field(1, ge=1, le=3660)


class ForecastRow(_Frozen):
    scenario: str
    kpis: dict[str, Decimal]
    by_rule: dict[str, int]
    total: int


def scenario_metrics(terms: CompensationTerms, scenario: Scenario) -> Metrics:
    from accord.core.money import allocate

    start = terms.starts_on or date(2000, 1, 1)
    spread: dict[str, list[Decimal]] = {}
    for name, total in scenario.kpis.items():
        if name in ("revenue_net", "conversions_net"):
            name = "revenue" if name == "revenue_net" else "conversions"
        if name == "hours":
            share = total / scenario.days
            spread[name] = [share] * scenario.days
        else:
            spread[name] = [Decimal(p) for p in allocate(int(total), [1] * scenario.days)]
    days = [
        DayMetrics(day=start + timedelta(days=i), **{k: v[i] for k, v in spread.items()})  # type: ignore[arg-type]
        for i in range(scenario.days)
    ]
    wanted_milestones = [f"m{i + 1}" for i in range(scenario.milestones)]
    for rule in terms.rules:
        if isinstance(rule, FlatRule) and rule.milestones:
            wanted_milestones = rule.milestones[: scenario.milestones]
    return Metrics(days=days, milestones_approved=wanted_milestones, milestones_approved_on={})


def forecast(terms: CompensationTerms, scenarios: list[Scenario]) -> list[ForecastRow]:
    """What the creator would earn at each scenario's KPI levels (caps and limits applied)."""
    rows = []
    for i, scenario in enumerate(scenarios):
        result = evaluate(terms, scenario_metrics(terms, scenario))
        rows.append(
            ForecastRow(
                scenario=scenario.name or f"scenario {i + 1}",
                kpis={k: Decimal(v) for k, v in scenario.kpis.items()},
                by_rule=result.by_rule(),
                total=result.total,
            )
        )
    return rows


__all__ = [
    "KPI",
    "CompensationTerms",
    "CpaRule",
    "CpcRule",
    "CpmRule",
    "DayMetrics",
    "Evaluation",
    "FlatRule",
    "ForecastRow",
    "HourlyRule",
    "Line",
    "Metrics",
    "RevenueShareRule",
    "Rule",
    "Scenario",
    "SpendLimit",
    "Tier",
    "TieredBonusRule",
    "evaluate",
    "forecast",
]
