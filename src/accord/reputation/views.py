"""Reputation pages: the trust partial (for profiles, offers and matching, loaded with htmx or included)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts.pages import principal_or_none
from accord.core.errors import NotFound
from accord.reputation import figures


@login_required
def trust_partial(request: HttpRequest, org_id: int) -> HttpResponse:
    if principal_or_none(request) is None:
        raise Http404
    try:
        data = figures.figures(org_id).as_dict()
    except NotFound:
        raise Http404 from None
    return render(request, "reputation/_trust.html", {"trust": data})
