"""``format_money`` writes amounts the way the active language does (CLDR through babel), exactly: the digits on
the page are the integer minor units, whatever the locale, currency or sign."""

from __future__ import annotations

import re

import pytest
from babel.numbers import get_currency_precision
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from accord.core.money import CURRENCIES, UnknownCurrency, exponent
from accord.web.formatting import babel_locale, format_money, parse_money

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "minor", "currency", "text"),
    [
        ("en", 123456, "EUR", "€1,234.56"),
        ("nl", 123456, "EUR", f"€{NBSP}1.234,56"),
        ("en", -123456, "EUR", "-€1,234.56"),
        ("nl", -123456, "EUR", f"€{NBSP}-1.234,56"),
        ("en", 0, "EUR", "€0.00"),
        ("nl", 5, "EUR", f"€{NBSP}0,05"),
        ("en", 1234, "JPY", "¥1,234"),
        ("nl", 1234, "JPY", f"JP¥{NBSP}1.234"),
        ("en", 100000050, "USD", "$1,000,000.50"),
        ("nl", 100000050, "USD", f"US${NBSP}1.000.000,50"),
        ("en", 1234, "KWD", "KWD1.234"),
        ("nl", 250, "GBP", f"£{NBSP}2,50"),
    ],
)
def test_known_amounts(language: str, minor: int, currency: str, text: str) -> None:
    assert format_money(minor, currency, language) == text
    with translation.override(language):
        assert format_money(minor, currency) == text


def test_follows_the_active_language() -> None:
    with translation.override("nl"):
        assert babel_locale() == "nl"
        assert format_money(150, "EUR") == f"€{NBSP}1,50"
    with translation.override("en-us"):
        assert babel_locale() == "en_US"
        assert format_money(150, "EUR") == "€1.50"


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        format_money(100, "XYZ")


def test_cldr_agrees_with_accords_minor_units() -> None:
    # Babel shows CLDR's number of decimals; a disagreement would move the decimal point on the page.
    assert {c: get_currency_precision(c) for c in CURRENCIES} == {c: exponent(c) for c in CURRENCIES}


@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    currency=st.sampled_from(sorted(CURRENCIES)),
    language=st.sampled_from(["en", "nl"]),
)
def test_digits_are_the_minor_units_and_the_sign_is_kept(minor: int, currency: str, language: str) -> None:
    text = format_money(minor, currency, language)
    assert int(re.sub(r"\D", "", text)) == abs(minor)
    assert ("-" in text) == (minor < 0)
    decimal_mark, group_mark = (",", ".") if language == "nl" else (".", ",")
    digits = exponent(currency)
    number = re.sub(r"[^\d.,]", "", text)
    if digits:
        assert number[-digits - 1] == decimal_mark
        assert decimal_mark not in number[: -digits - 1]
    else:
        assert decimal_mark not in number
    if abs(minor) >= 1000 * 10**digits:
        assert group_mark in number


def test_template_money_filter_follows_the_language() -> None:
    template = Template("{% load contract_tags %}{{ amount|money:'EUR' }}")
    with translation.override("nl"):
        assert template.render(Context({"amount": -123456})) == f"€{NBSP}-1.234,56"
    with translation.override("en"):
        assert template.render(Context({"amount": 123456})) == "€1,234.56"


@pytest.mark.parametrize(
    ("language", "text", "currency", "minor"),
    [
        ("nl", "2.500,00", "EUR", 250000),
        ("nl", "2500,5", "EUR", 250050),
        ("nl", "2.500", "EUR", 250000),
        ("en", "2,500.00", "EUR", 250000),
        ("en", "2500.5", "EUR", 250050),
        ("en", "2.500", "KWD", 2500),
        ("en", "1,234", "JPY", 1234),
    ],
)
def test_parse_money_reads_the_language_it_is_typed_in(language: str, text: str, currency: str, minor: int) -> None:
    assert parse_money(text, currency, language) == minor


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nl", "2500.00"),
        ("nl", "2,500.00"),
        ("en", "2500,00"),
        ("en", "1e5"),
        ("en", "NaN"),
        ("en", "2.505"),
        ("en", ""),
    ],
)
def test_parse_money_refuses_what_it_would_have_to_guess(language: str, text: str) -> None:
    with pytest.raises(ValueError):
        parse_money(text, "EUR", language)


@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12),
    currency=st.sampled_from(sorted(CURRENCIES)),
    language=st.sampled_from(["en", "nl"]),
)
def test_what_is_shown_parses_back_without_the_symbol(minor: int, currency: str, language: str) -> None:
    shown = re.sub(r"[^\d.,-]", "", format_money(minor, currency, language))
    assert parse_money(shown, currency, language) == minor
