"""Money as integer minor units of an ISO 4217 currency.

Floats never touch money: amounts are ``int``; rates and percentages are ``Decimal`` and a computed amount is
rounded once, half-even, to the minor unit. Splitting uses the largest-remainder method so parts sum to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Self

# Minor-unit exponents that are not 2 (ISO 4217). Anything else known here has two decimals.
_EXPONENTS: dict[str, int] = {
    "BHD": 3, "CLP": 0, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "OMR": 3, "TND": 3, "UGX": 0, "VND": 0,
}  # fmt: skip
_TWO_DECIMALS = frozenset(
    [
        "AED",
        "AUD",
        "BGN",
        "BRL",
        "CAD",
        "CHF",
        "CNY",
        "CZK",
        "DKK",
        "EUR",
        "GBP",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "MXN",
        "MYR",
        "NOK",
        "NZD",
        "PHP",
        "PLN",
        "RON",
        "SEK",
        "SGD",
        "THB",
        "TRY",
        "USD",
        "ZAR",
    ]
)
CURRENCIES = frozenset(_EXPONENTS) | _TWO_DECIMALS


class CurrencyMismatch(ValueError):
    """Arithmetic or comparison between different currencies."""


class UnknownCurrency(ValueError):
    """A currency code that is not a supported ISO 4217 code."""


def validate_currency(code: str) -> str:
    if code not in CURRENCIES:
        raise UnknownCurrency(f"unsupported currency {code!r}")
    return code


def exponent(currency: str) -> int:
    return _EXPONENTS.get(validate_currency(currency), 2)


def round_half_even(value: Decimal) -> int:
    """Round a Decimal amount of minor units to an int, half to even (banker's rounding)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount) is not int:  # bool and float are both refused: money is a plain int
            raise TypeError(f"Money amount must be int minor units, got {type(self.amount).__name__}")
        validate_currency(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Self:
        """Parse a decimal string in major units ("12.34") exactly; more decimals than the currency has is an error."""
        value = Decimal(text.strip())
        minor = value.scaleb(exponent(currency))
        if minor != minor.to_integral_value():
            raise ValueError(f"{text!r} has more decimals than {currency} allows")
        return cls(int(minor), currency)

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return self.amount != 0

    def times(self, factor: Decimal | int) -> Money:
        """Multiply by a rate, rounding once, half-even, to the minor unit."""
        if isinstance(factor, float):
            raise TypeError("rates must be Decimal, not float")
        return Money(round_half_even(Decimal(self.amount) * Decimal(factor)), self.currency)

    def percent(self, pct: Decimal | int) -> Money:
        return self.times(Decimal(pct) / Decimal(100))

    def split(self, weights: list[int] | list[Decimal]) -> list[Money]:
        """Split into parts proportional to ``weights``, largest remainder first, so the parts sum exactly."""
        return [Money(a, self.currency) for a in allocate(self.amount, weights)]

    @property
    def major(self) -> Decimal:
        return Decimal(self.amount).scaleb(-exponent(self.currency))

    def format(self) -> str:
        return f"{self.currency} {self.major:,.{exponent(self.currency)}f}"

    def __str__(self) -> str:
        return self.format()


def allocate(total: int, weights: list[int] | list[Decimal]) -> list[int]:
    """Largest-remainder apportionment of ``total`` by ``weights``; ties go to the earlier part.

    Negative totals are split like their absolute value and negated, so ``allocate(-t, w) == -allocate(t, w)``.
    """
    if not weights:
        raise ValueError("weights must not be empty")
    dec = [Decimal(w) for w in weights]
    if any(w < 0 for w in dec):
        raise ValueError("weights must not be negative")
    weight_sum = sum(dec, Decimal(0))
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    exact = [Decimal(magnitude) * w / weight_sum for w in dec]
    floors = [int(e) for e in exact]
    remaining = magnitude - sum(floors)
    order = sorted(range(len(dec)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:remaining]:
        floors[i] += 1
    return [sign * f for f in floors]
