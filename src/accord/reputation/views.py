"""Reputation pages: the trust partial (for profiles, offers and matching, loaded with htmx or included) and the
rate suggestions a creator and its brands see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts.models import Organization
from accord.accounts.pages import principal_or_none
from accord.core.errors import NotFound
from accord.reputation import figures, tiers


@login_required
def trust_partial(request: HttpRequest, org_id: int) -> HttpResponse:
    if principal_or_none(request) is None:
        raise Http404
    try:
        data = figures.figures(org_id).as_dict()
    except NotFound:
        raise Http404 from None
    return render(request, "reputation/_trust.html", {"trust": data})


@login_required
def rate_suggestions(request: HttpRequest, org_id: int | None = None) -> HttpResponse:
    """A creator's suggested rates with the numbers behind them: for the creator (no id) and for its brands."""
    p = principal_or_none(request)
    if p is None:
        raise Http404
    creator_id = org_id if org_id is not None else p.org_id
    if not tiers.may_see_rates(p.org_id, creator_id):
        raise Http404
    creator = Organization.objects.get(pk=creator_id)
    context = {"creator": creator, "suggestions": tiers.rate_suggestions(creator_id), "own": creator_id == p.org_id}
    return render(request, "reputation/rates.html", context)
