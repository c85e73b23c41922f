"""Payout calendar: pure date logic, no Django models.

A schedule is a sequence of *slots* (the days a creator is paid on): weekly on a weekday, every other week on a
weekday (anchored to a fixed cycle so the parity never drifts), monthly on a day of the month (clamped to the month's
last day), or on demand (no automatic slots). A payout created for a slot is *promised* for that slot plus the
settlement time in business days (Saturday and Sunday are not business days); it is *late* when it is paid after the
promised date, or still unpaid once the promised date has passed.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# Every bi-weekly cycle is anchored to this Monday; slot k of a cycle on weekday w is EPOCH + w + 14·k days.
EPOCH = date(2024, 1, 1)
DEFAULT_SETTLEMENT_DAYS = 2


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    ON_DEMAND = "on_demand"


@dataclass(frozen=True)
class ScheduleSpec:
    frequency: Frequency
    weekday: int = 0  # Monday = 0 … Sunday = 6 (weekly, bi-weekly)
    day_of_month: int = 1  # 1 … 31, clamped to the month's last day (monthly)
    biweekly_parity: int = 0  # which of the two alternating weeks (0 or 1) is paid (bi-weekly)

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) … 6 (Sunday)")
        if not 1 <= self.day_of_month <= 31:
            raise ValueError("day_of_month must be 1 … 31")
        if self.biweekly_parity not in (0, 1):
            raise ValueError("biweekly_parity must be 0 or 1")


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _cycle_start(spec: ScheduleSpec) -> date:
    return EPOCH + timedelta(days=spec.weekday + 7 * spec.biweekly_parity)


def is_slot(spec: ScheduleSpec, day: date) -> bool:
    if spec.frequency is Frequency.ON_DEMAND:
        return False
    if spec.frequency is Frequency.MONTHLY:
        return day == _clamped(day.year, day.month, spec.day_of_month)
    if day.weekday() != spec.weekday:
        return False
    if spec.frequency is Frequency.WEEKLY:
        return True
    return (day - _cycle_start(spec)).days % 14 == 0


def slot_on_or_before(spec: ScheduleSpec, day: date) -> date | None:
    """The latest slot on or before ``day`` (None for on-demand schedules)."""
    if spec.frequency is Frequency.ON_DEMAND:
        return None
    if spec.frequency is Frequency.MONTHLY:
        this_month = _clamped(day.year, day.month, spec.day_of_month)
        if this_month <= day:
            return this_month
        year, month = _add_months(day.year, day.month, -1)
        return _clamped(year, month, spec.day_of_month)
    if spec.frequency is Frequency.WEEKLY:
        return day - timedelta(days=(day.weekday() - spec.weekday) % 7)
    return day - timedelta(days=(day - _cycle_start(spec)).days % 14)


def next_slot_after(spec: ScheduleSpec, day: date) -> date | None:
    """The first slot strictly after ``day`` (None for on-demand schedules)."""
    if spec.frequency is Frequency.ON_DEMAND:
        return None
    if spec.frequency is Frequency.MONTHLY:
        this_month = _clamped(day.year, day.month, spec.day_of_month)
        if this_month > day:
            return this_month
        year, month = _add_months(day.year, day.month, 1)
        return _clamped(year, month, spec.day_of_month)
    step = 7 if spec.frequency is Frequency.WEEKLY else 14
    previous = slot_on_or_before(spec, day)
    assert previous is not None
    return previous + timedelta(days=step)


def next_slot_on_or_after(spec: ScheduleSpec, day: date) -> date | None:
    return next_slot_after(spec, day - timedelta(days=1))


def due_slot(
    spec: ScheduleSpec, today: date, last_served: date | None, effective_from: date | None = None
) -> date | None:
    """The slot a run on ``today`` pays for, or None when the latest slot was already served, came before the
    schedule took effect, or does not exist (on demand)."""
    slot = slot_on_or_before(spec, today)
    if slot is None or (last_served is not None and slot <= last_served):
        return None
    if effective_from is not None and slot < effective_from:
        return None
    return slot


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def add_business_days(day: date, n: int) -> date:
    """``n`` business days after ``day``; with n = 0, ``day`` itself or the next business day."""
    if n < 0:
        raise ValueError("n must not be negative")
    current = day
    while not is_business_day(current):
        current += timedelta(days=1)
    while n > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            n -= 1
    return current


def promised_date(slot: date, settlement_days: int = DEFAULT_SETTLEMENT_DAYS) -> date:
    """The day the money is promised on the creator's account for a payout made on ``slot``."""
    return add_business_days(slot, settlement_days)


def days_late(promised: date, paid_on: date | None, today: date) -> int:
    """Days past the promise: paid after it, or still unpaid after it (counted to ``today``). 0 means on time."""
    reference = paid_on if paid_on is not None else today
    return max(0, (reference - promised).days)


def next_payout_date(
    spec: ScheduleSpec,
    today: date,
    last_served: date | None,
    effective_from: date | None = None,
    settlement_days: int = DEFAULT_SETTLEMENT_DAYS,
) -> tuple[date, date] | None:
    """(slot, promised date) of the next payout a creator can expect from ``today``; None for on demand.

    A slot that has come but was not served yet (the run has not happened today) is still the next one.
    """
    pending = due_slot(spec, today, last_served, effective_from)
    slot = pending if pending is not None else next_slot_after(spec, today)
    if slot is None:
        return None
    return slot, promised_date(slot, settlement_days)
