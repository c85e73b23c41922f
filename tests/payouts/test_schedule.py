"""Pure calendar logic: slots, next payout date, promised date, lateness (hypothesis properties)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.payouts import schedule as cal
from accord.payouts.schedule import Frequency, ScheduleSpec

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
specs = st.builds(
    ScheduleSpec,
    frequency=st.sampled_from([Frequency.WEEKLY, Frequency.BIWEEKLY, Frequency.MONTHLY]),
    weekday=st.integers(0, 6),
    day_of_month=st.integers(1, 31),
    biweekly_parity=st.integers(0, 1),
)
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(specs, days)
def test_next_slot_is_the_first_slot_after_the_day(spec: ScheduleSpec, day: date) -> None:
    nxt = cal.next_slot_after(spec, day)
    assert nxt is not None and nxt > day
    assert cal.is_slot(spec, nxt)
    # no slot strictly between
    d = day + timedelta(days=1)
    while d < nxt:
        assert not cal.is_slot(spec, d)
        d += timedelta(days=1)


@FAST
@given(specs, days)
def test_slot_on_or_before_is_the_latest_slot(spec: ScheduleSpec, day: date) -> None:
    prev = cal.slot_on_or_before(spec, day)
    assert prev is not None and prev <= day and cal.is_slot(spec, prev)
    assert cal.next_slot_after(spec, prev) == cal.next_slot_after(spec, day) or cal.next_slot_after(spec, prev) > day


@FAST
@given(specs, days)
def test_gaps_between_slots(spec: ScheduleSpec, day: date) -> None:
    a = cal.next_slot_on_or_after(spec, day)
    assert a is not None
    b = cal.next_slot_after(spec, a)
    assert b is not None
    gap = (b - a).days
    if spec.frequency is Frequency.WEEKLY:
        assert gap == 7 and a.weekday() == spec.weekday
    elif spec.frequency is Frequency.BIWEEKLY:
        assert gap == 14 and a.weekday() == spec.weekday
    else:
        assert 28 <= gap <= 31
        assert (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1


@FAST
@given(st.integers(1, 31), days)
def test_monthly_day_is_clamped_to_the_month_end(dom: int, day: date) -> None:
    spec = ScheduleSpec(Frequency.MONTHLY, day_of_month=dom)
    slot = cal.next_slot_on_or_after(spec, day)
    assert slot is not None
    last = calendar.monthrange(slot.year, slot.month)[1]
    assert slot.day == min(dom, last)


@FAST
@given(specs, days, st.integers(0, 60))
def test_due_slot_is_served_once(spec: ScheduleSpec, day: date, later: int) -> None:
    slot = cal.due_slot(spec, day, None)
    assert slot is not None and slot <= day
    # once served, the same slot is never due again until the next slot comes
    again = cal.due_slot(spec, day + timedelta(days=later), slot)
    nxt = cal.next_slot_after(spec, slot)
    assert nxt is not None
    if day + timedelta(days=later) < nxt:
        assert again is None
    else:
        assert again is not None and again >= nxt


@FAST
@given(specs, days)
def test_effective_from_makes_no_retroactive_promise(spec: ScheduleSpec, day: date) -> None:
    slot = cal.due_slot(spec, day, None, effective_from=day + timedelta(days=1))
    assert slot is None
    nxt = cal.next_payout_date(spec, day, None, day + timedelta(days=1))
    assert nxt is not None and nxt[0] > day


@FAST
@given(days, st.integers(0, 10))
def test_promised_date_adds_business_days(slot: date, n: int) -> None:
    promised = cal.promised_date(slot, n)
    assert promised >= slot
    assert cal.is_business_day(promised)
    # exactly n business days strictly after the first business day on/after the slot
    start = slot
    while not cal.is_business_day(start):
        start += timedelta(days=1)
    count = sum(1 for i in range(1, (promised - start).days + 1) if cal.is_business_day(start + timedelta(days=i)))
    assert count == n
    assert (promised - slot).days <= n + (n // 5 + 1) * 2 + 2


@FAST
@given(days, st.integers(-10, 10), st.integers(0, 30))
def test_lateness(promised: date, paid_offset: int, today_offset: int) -> None:
    paid = promised + timedelta(days=paid_offset)
    assert cal.days_late(promised, paid, paid + timedelta(days=today_offset)) == max(0, paid_offset)
    today = promised + timedelta(days=today_offset)
    assert cal.days_late(promised, None, today) == today_offset


def test_on_demand_has_no_slots() -> None:
    spec = ScheduleSpec(Frequency.ON_DEMAND)
    assert cal.next_slot_after(spec, date(2026, 1, 1)) is None
    assert cal.due_slot(spec, date(2026, 1, 1), None) is None
    assert cal.next_payout_date(spec, date(2026, 1, 1), None) is None


def test_examples() -> None:
    monthly31 = ScheduleSpec(Frequency.MONTHLY, day_of_month=31)
    assert cal.next_slot_after(monthly31, date(2026, 1, 31)) == date(2026, 2, 28)
    assert cal.next_slot_after(monthly31, date(2028, 1, 31)) == date(2028, 2, 29)
    assert cal.slot_on_or_before(monthly31, date(2026, 3, 15)) == date(2026, 2, 28)
    friday = ScheduleSpec(Frequency.WEEKLY, weekday=4)
    assert cal.next_slot_on_or_after(friday, date(2026, 11, 23)) == date(2026, 11, 27)
    # Friday slot + 2 business days = Tuesday
    assert cal.promised_date(date(2026, 11, 27)) == date(2026, 12, 1)
    biweekly = ScheduleSpec(Frequency.BIWEEKLY, weekday=0)
    assert cal.is_slot(biweekly, date(2024, 1, 1)) and not cal.is_slot(biweekly, date(2024, 1, 8))
    assert cal.is_slot(ScheduleSpec(Frequency.BIWEEKLY, weekday=0, biweekly_parity=1), date(2024, 1, 8))


def test_invalid_specs_are_refused() -> None:
    with pytest.raises(ValueError):
        ScheduleSpec(Frequency.WEEKLY, weekday=7)
    with pytest.raises(ValueError):
        ScheduleSpec(Frequency.MONTHLY, day_of_month=0)
