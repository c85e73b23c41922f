"""Money for people, in the active language: ``format_money(123456, "EUR")`` is "€1,234.56" in English and
"€ 1.234,56" in Dutch (CLDR patterns through babel, so other currencies and negative amounts follow each locale's
own rules). ``accord.core.money.Money.format`` stays locale-free for the CLI and logs."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils import translation

from accord.core.money import exponent


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
