"""Incentives API: both sides of a collaboration see its accruals with their explanation (rule, period, KPI value,
threshold, evidence and the facts behind it), the live totals and the forecast; operators set clawback caps and
claw back confirmed fraud (money-moving: ``Idempotency-Key`` required)."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.accounts.models import Role
from accord.core.errors import NotFound, PermissionDenied, ValidationFailed
from accord.core.idempotency import require_key
from accord.core.pagination import CursorPagination
from accord.core.schemas import responses
from accord.incentives import rules, services
from accord.incentives.models import Booking, State
from accord.tracking.api import SeriesOut, parse_when
from accord.tracking.rollups import Series

PREFIX = "/incentives"
router = Router(tags=["incentives"])


class BookingOut(Schema):
    id: int
    contract_id: int
    rule_id: str
    rule_kind: str
    period: str
    seq: int
    kind: str
    reason: str
    amount: int
    currency: str
    booked_before: int
    target_after: int
    kpi: str
    kpi_value: Decimal | None
    threshold: Decimal | None
    evidence: dict[str, Any]
    status: str = Field(..., description="pending (locked), unlocked (payable) or reversed; clawbacks: clawback")
    available_at: datetime | None
    transaction_id: int
    created_at: datetime

    @staticmethod
    def resolve_rule_id(obj: Booking) -> str:
        return obj.position.rule_id

    @staticmethod
    def resolve_rule_kind(obj: Booking) -> str:
        return obj.position.kind

    @staticmethod
    def resolve_period(obj: Booking) -> str:
        return obj.position.period

    @staticmethod
    def resolve_booked_before(obj: Booking) -> int:
        return obj.target_before

    @staticmethod
    def resolve_status(obj: Booking) -> str:
        if obj.escrow_accrual is not None:
            return str(obj.escrow_accrual.status)
        return "clawback"


class FactOut(Schema):
    source: str
    id: int
    external_id: str
    type: str
    quantity: int
    amount: int
    occurred_at: datetime


class BookingDetailOut(BookingOut):
    facts: list[FactOut]

    @staticmethod
    def resolve_facts(obj: Booking) -> list[dict[str, Any]]:
        return services.facts_behind(obj)


class PositionOut(Schema):
    rule_id: str
    kind: str
    period: str
    target: int
    booked: int
    awaiting: int
    on_hold: int
    capped: bool
    kpi: str
    kpi_value: Decimal | None
    threshold: Decimal | None
    lock_days: int
    status: str
    hold_reasons: list[str]


class LiveOut(Schema):
    contract_id: int
    currency: str
    status: str = Field(..., description="ok, or awaiting_funds when earned commission waits for an escrow top-up")
    accrued: int
    clawed_back: int
    net: int
    awaiting: int
    on_hold: int
    pending: int
    evaluated_at: datetime | None
    last_booking_id: int | None
    positions: list[PositionOut]


class ScenarioIn(Schema):
    name: str = Field("", max_length=80)
    kpis: dict[rules.KPI, Decimal] = Field(default_factory=dict)
    milestones: int = Field(0, ge=0, le=100)
    days: int = Field(30, ge=1, le=3660)


class ForecastIn(Schema):
    scenarios: list[ScenarioIn] = Field(..., min_length=1, max_length=20)


class ForecastRowOut(Schema):
    scenario: str
    kpis: dict[str, Decimal]
    by_rule: dict[str, int]
    total: int


class ForecastOut(Schema):
    contract_id: int
    currency: str | None
    rows: list[ForecastRowOut]
    actuals: dict[str, Decimal]
    earned: int


class ClawbackCapIn(Schema):
    cap: int | None = Field(None, ge=0, description="Most ever clawed back on the contract; null: up to what accrued")


class ClawbackCapOut(Schema):
    contract_id: int
    clawback_cap: int | None
    clawed_back: int
    accrued: int


class FraudClawbackIn(Schema):
    fraud_flag_id: int


@router.get(
    "/contracts/{contract_id}/live",
    response=responses(LiveOut),
    summary="A collaboration's incentives now: accrued, clawed back, awaiting escrow, on hold, per rule and period",
)
def get_live(request: HttpRequest, contract_id: int) -> services.Live:
    return services.live(principal(request), contract_id)


@router.get(
    "/contracts/{contract_id}/performance",
    response=responses(SeriesOut),
    summary="A collaboration's clicks, conversions, revenue, views, spend and CPM/CPC/CPA/ROAS per day or hour "
    "(default: the last 30 days), with the range's totals",
)
def get_performance(
    request: HttpRequest,
    contract_id: int,
    granularity: Literal["hour", "day"] = "day",
    since: str | None = Query(None, description="ISO 8601 date-time (inclusive)", max_length=40),
    until: str | None = Query(None, description="ISO 8601 date-time (exclusive); default: now", max_length=40),
) -> Series:
    contract = services.visible_contract(principal(request), contract_id)
    start = parse_when(since, "since") if since else None
    end = parse_when(until, "until") if until else None
    if start is not None and end is None:
        end = start + timedelta(days=services.PERFORMANCE_DAYS)
    try:
        return services.performance(contract, granularity=granularity, since=start, until=end)
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"since": "invalid"}) from None


@router.get(
    "/contracts/{contract_id}/accruals",
    response=responses(list[BookingOut]),
    summary="Every accrual and clawback of a collaboration with its explanation (newest first)",
)
@paginate(CursorPagination)
def list_contract_accruals(request: HttpRequest, contract_id: int) -> Any:
    return services.bookings_for(principal(request), contract_id)


@router.get(
    "/accruals",
    response=responses(list[BookingOut]),
    summary="The caller's accruals and clawbacks across collaborations (brand: paid by it; creator: earned)",
)
@paginate(CursorPagination)
def list_accruals(request: HttpRequest) -> Any:
    return services.bookings_for(principal(request))


@router.get(
    "/accruals/{booking_id}",
    response=responses(BookingDetailOut),
    summary="One accrual or clawback with the tracking facts behind it",
)
def get_accrual(request: HttpRequest, booking_id: int) -> Booking:
    booking = services.bookings_for(principal(request)).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound("accrual not found")
    return booking


def _forecast(request: HttpRequest, contract_id: int, scenarios: list[rules.Scenario] | None) -> dict[str, Any]:
    contract, terms, rows = services.forecast_for(principal(request), contract_id, scenarios)
    state = State.objects.filter(contract=contract).first()
    return {
        "contract_id": contract.pk,
        "currency": terms.currency if terms else None,
        "rows": rows,
        "actuals": services.actual_kpis(contract) if contract.signed_version_id else {},
        "earned": state.net if state else 0,
    }


@router.get(
    "/contracts/{contract_id}/forecast",
    response=responses(ForecastOut),
    summary="What the creator earns at low / expected / high KPI levels, next to the actuals so far",
)
def get_forecast(request: HttpRequest, contract_id: int) -> dict[str, Any]:
    return _forecast(request, contract_id, None)


@router.post(
    "/contracts/{contract_id}/forecast",
    response=responses(ForecastOut),
    summary="What the creator earns at the given KPI levels (caps and limits applied)",
)
def post_forecast(request: HttpRequest, contract_id: int, payload: ForecastIn) -> dict[str, Any]:
    scenarios = [rules.Scenario.model_validate(s.model_dump()) for s in payload.scenarios]
    return _forecast(request, contract_id, scenarios)


@router.post(
    "/operator/contracts/{contract_id}/clawback-cap",
    response=responses(ClawbackCapOut),
    summary="Operator: cap what may ever be clawed back on a contract",
)
def set_clawback_cap(request: HttpRequest, contract_id: int, payload: ClawbackCapIn) -> dict[str, Any]:
    p = principal(request)
    if not p.is_operator:
        raise PermissionDenied("only operators set clawback caps")
    p.require(Role.MEMBER)
    state = services.set_clawback_cap(p, contract_id=contract_id, cap=payload.cap)
    return {
        "contract_id": contract_id,
        "clawback_cap": state.clawback_cap,
        "clawed_back": state.clawed_back,
        "accrued": state.accrued,
    }


@router.post(
    "/operator/accruals/{booking_id}/fraud-clawback",
    response=responses(BookingOut, 201),
    summary="Operator: claw back a still-locked accrual whose facts are confirmed fraud (cites the fraud flag)",
)
def fraud_clawback(request: HttpRequest, booking_id: int, payload: FraudClawbackIn) -> Any:
    p = principal(request)
    if not p.is_operator:
        raise PermissionDenied("only operators claw back for fraud")
    p.require(Role.MEMBER)
    require_key(request)
    key = request.headers.get("Idempotency-Key", "")
    booking = services.claw_back_for_fraud(p, booking_id=booking_id, flag_id=payload.fraud_flag_id, key=key)
    return Status(201, booking)
