"""Money for people, in the active language: ``format_money(123456, "EUR")`` is "€1,234.56" in English and
"€ 1.234,56" in Dutch (CLDR patterns through babel, so other currencies and negative amounts follow each locale's
own rules). ``accord.core.money.Money.format`` stays locale-free for the CLI and logs."""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError, format_currency, parse_decimal
from django.conf import settings
from django.utils import translation

from accord.core.money import Money, exponent

_LETTER = re.compile(r"[^\W\d_]")  # "1e5", "NaN": Decimal syntax nobody types as an amount


def babel_locale(language: str | None = None) -> str:
    """The babel locale for a Django language code ("nl", "en-us" → "en_US"); the active language by default."""
    return translation.to_locale(language or translation.get_language() or settings.LANGUAGE_CODE)


def format_money(minor: int, currency: str, language: str | None = None) -> str:
    """Integer minor units as the active language writes an amount of ``currency``.

    The amount becomes an exact Decimal with the currency's ISO 4217 exponent, so nothing is rounded on the way.
    Raises ``accord.core.money.UnknownCurrency`` for a currency Accord does not support.
    """
    value = Decimal(int(minor)).scaleb(-exponent(currency))
    return format_currency(value, currency, locale=babel_locale(language))


def parse_money(text: str, currency: str, language: str | None = None) -> int:
    """An amount as people type it in the active language ("2.500,00" or "2500,00" in Dutch, "2,500.00" or
    "2500.00" in English) as integer minor units of ``currency``.

    Strict: separators must be where the language puts them, so "2.500" is 2500 in Dutch and 2.5 in English but
    "2500.00" is refused in Dutch rather than guessed. Raises ValueError for anything else (letters, exponents,
    more decimals than the currency has).
    """
    if _LETTER.search(text):
        raise ValueError(f"not an amount: {text!r}")
    try:
        value = parse_decimal(text.strip(), locale=babel_locale(language), strict=True)
    except NumberFormatError as exc:
        raise ValueError(str(exc)) from None
    return Money.parse(str(value), currency).amount
