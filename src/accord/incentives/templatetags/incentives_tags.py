"""Partials other pages include: ``{% load incentives_tags %}{% incentives_forecast contract %}`` (the forecast
table and SVG chart: on an offer before signing, and next to the actuals once live) and ``{% incentives_live
contract %}`` (the live accruals panel, refreshed every second)."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import Http404

from accord.accounts.auth import principal_for_user
from accord.accounts.models import User
from accord.contracts.models import Contract

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
def signed_money(amount: int | None, currency: str) -> str:
    from accord.web.formatting import format_money

    return format_money(int(amount or 0), currency)
