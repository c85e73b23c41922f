from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.core.money import CurrencyMismatch, Money, UnknownCurrency, allocate, round_half_even

amounts = st.integers(min_value=-(10**15), max_value=10**15)
weights = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(lambda w: sum(w) > 0)


def test_money_refuses_floats_and_bools():
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "EUR")
    with pytest.raises(TypeError):
        Money(100, "EUR").times(1.5)  # type: ignore[arg-type]


def test_unknown_currency_and_mixing_refused():
    with pytest.raises(UnknownCurrency):
        Money(1, "XXX")
    with pytest.raises(CurrencyMismatch):
        Money(1, "EUR") + Money(1, "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money(1, "EUR") < Money(1, "USD")


def test_parse_and_format_respect_minor_units():
    assert Money.parse("12.34", "EUR") == Money(1234, "EUR")
    assert Money.parse("1500", "JPY") == Money(1500, "JPY")
    assert Money.parse("1.234", "KWD") == Money(1234, "KWD")
    with pytest.raises(ValueError):
        Money.parse("1.005", "EUR")
    assert Money(123456, "EUR").format() == "EUR 1,234.56"


def test_rounding_is_half_even_once():
    assert round_half_even(Decimal("2.5")) == 2
    assert round_half_even(Decimal("3.5")) == 4
    assert round_half_even(Decimal("-2.5")) == -2
    assert Money(1001, "EUR").percent(Decimal("12.5")) == Money(125, "EUR")  # 125.125 -> 125


def test_allocate_largest_remainder_example():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(5, [0, 1]) == [0, 5]
    with pytest.raises(ValueError):
        allocate(5, [0, 0])


@given(amounts, amounts)
def test_addition_is_exact_and_commutative(a: int, b: int) -> None:
    assert Money(a, "EUR") + Money(b, "EUR") == Money(b, "EUR") + Money(a, "EUR") == Money(a + b, "EUR")
    assert (Money(a, "EUR") - Money(b, "EUR")) + Money(b, "EUR") == Money(a, "EUR")


@given(amounts, weights)
def test_split_always_sums_to_total(total: int, w: list[int]) -> None:
    parts = Money(total, "EUR").split(w)
    assert sum(p.amount for p in parts) == total
    assert all(p.currency == "EUR" for p in parts)


@given(st.integers(min_value=0, max_value=10**12), weights)
def test_split_parts_are_within_one_of_exact_share(total: int, w: list[int]) -> None:
    parts = allocate(total, w)
    s = sum(w)
    for part, weight in zip(parts, w, strict=True):
        exact = Decimal(total) * weight / s
        assert exact - 1 < part < exact + 1
        if weight == 0:
            assert part == 0


@given(amounts, st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False))
def test_times_rounds_to_nearest(amount: int, rate: Decimal) -> None:
    result = Money(amount, "EUR").times(rate).amount
    assert abs(Decimal(result) - Decimal(amount) * rate) <= Decimal("0.5")
