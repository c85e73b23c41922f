"""Partials other pages include: ``{% load incentives_tags %}{% incentives_forecast contract %}`` (the forecast
table and SVG chart: on an offer before signing, and next to the actuals once live) and ``{% incentives_live
contract %}`` (the live accruals panel, refreshed every second)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal, format_percent
from django import template
from django.http import Http404

from accord.accounts.auth import principal_for_user
from accord.accounts.models import User
from accord.contracts.models import Contract
from accord.core.money import exponent
from accord.incentives import labels
from accord.web.formatting import babel_locale

register = template.Library()


def _principal(context: template.Context) -> Any:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not isinstance(user, User):
        return None
    return principal_for_user(request, user)


@register.inclusion_tag("incentives/_forecast.html", takes_context=True)
def incentives_forecast(context: template.Context, contract: Contract | int) -> dict[str, Any]:
    from accord.incentives.views import forecast_context

    p = _principal(context)
    if p is None:
        return {"terms": None}
    try:
        return forecast_context(p, contract if isinstance(contract, int) else contract.pk)
    except Http404:
        return {"terms": None}


@register.inclusion_tag("incentives/_live.html", takes_context=True)
def incentives_live(context: template.Context, contract: Contract | int) -> dict[str, Any]:
    from accord.incentives.views import live_context

    p = _principal(context)
    if p is None:
        return {"live": None}
    try:
        return {**live_context(p, contract if isinstance(contract, int) else contract.pk), "with_htmx": True}
    except Http404:
        return {"live": None}


@register.filter
def kpi_money(value: Decimal | None, currency: str) -> str:
    """A cost KPI (CPM, CPC, CPA: Decimal minor units, possibly fractions of a cent) as money, "—" when undefined."""
    if value is None:
        return "—"
    major = Decimal(value).scaleb(-exponent(currency))
    return format_currency(major, currency, locale=babel_locale(), decimal_quantization=False)


@register.filter
def kpi_percent(value: Decimal | None) -> str:
    """A rate (0.0523) as the active language writes a percentage ("5.23%", "5,23%"); "—" when undefined."""
    if value is None:
        return "—"
    return format_percent(value, format="#,##0.##%", locale=babel_locale())


@register.filter
def kpi_ratio(value: Decimal | None) -> str:
    """ROAS as a multiple ("2.67×"), "—" when nothing was spent."""
    if value is None:
        return "—"
    return f"{format_decimal(value, format='#,##0.00', locale=babel_locale())}×"


@register.filter
def kpi_label(code: str | None) -> str:
    return labels.label(labels.KPI_LABELS, code)


@register.filter
def rule_kind_label(code: str | None) -> str:
    return labels.label(labels.RULE_KIND_LABELS, code)


@register.filter
def period_label(code: str | None) -> str:
    return labels.label(labels.PERIOD_LABELS, code)


@register.filter
def scenario_label(code: str | None) -> str:
    return labels.label(labels.SCENARIO_LABELS, code)
