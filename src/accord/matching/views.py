"""Brand pages: the campaigns to match, ranked creators with every score part explained, shortlists side by side."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from accord.accounts.auth import Principal, principal_for_user
from accord.accounts.models import Organization, User
from accord.campaigns.models import Campaign
from accord.core.errors import DomainError, NotFound
from accord.core.tenancy import scoped
from accord.matching import queries, services
from accord.matching.models import Shortlist
from accord.web.formatting import format_money

# Lazy: a module-level label is built once at import; it must be translated for each request's language.
PART_LABELS = {
    "audience_fit": _l("Audience fit"),
    "topical_fit": _l("Topical fit"),
    "engagement_quality": _l("Engagement quality"),
    "authenticity": _l("Authenticity"),
    "price_fit": _l("Price fit"),
    "reliability": _l("Reliability"),
}


def _brand(request: HttpRequest) -> Principal:
    assert isinstance(request.user, User)
    p = principal_for_user(request, request.user)
    if p is None:
        raise Http404("no organization")
    if p.organization.kind != Organization.Kind.BRAND:
        raise DjangoPermissionDenied("brands only")
    return p


def _money(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for hit in hits:
        hit["price_display"] = format_money(hit["price"], hit["currency"]) if hit.get("price") is not None else ""
    return hits


def _labelled(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    _money(hits)
    for hit in hits:
        parts = hit.get("components") or {}
        hit["parts"] = [
            {
                "name": name,
                "label": PART_LABELS.get(name, name),
                "value": part["value"],
                "percent": None if part["value"] is None else round(part["value"] * 100),
                "why": part["why"],
                "detail": part["detail"],
            }
            for name, part in parts.items()
        ]
        if hit.get("score") is not None:
            hit["score_percent"] = round(hit["score"] * 100)
    return hits


@login_required
def index(request: HttpRequest) -> HttpResponse:
    p = _brand(request)
    return render(
        request,
        "matching/index.html",
        {
            "campaigns": scoped(Campaign.objects.all(), p.org_id, field="brand").order_by("-id")[:50],
            "shortlists": scoped(Shortlist.objects.select_related("campaign"), p.org_id).order_by("-id")[:50],
        },
    )


@login_required
def campaign_matches(request: HttpRequest, campaign_id: int) -> HttpResponse:
    p = _brand(request)
    try:
        campaign, hits, next_cursor, matched = queries.match_campaign(
            p, campaign_id, limit=20, cursor=request.GET.get("cursor") or None
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    shortlists = scoped(Shortlist.objects.all(), p.org_id).order_by("-id")[:20]
    return render(
        request,
        "matching/campaign.html",
        {
            "campaign": campaign,
            "hits": _labelled(hits),
            "next_cursor": next_cursor,
            "matched": matched,
            "shortlists": shortlists,
            "can_edit": p.role != "viewer",
        },
    )


@login_required
@require_POST
def shortlist_add(request: HttpRequest) -> HttpResponse:
    p = _brand(request)
    back = request.POST.get("next") or "matching:index"
    try:
        creator_id = int(request.POST.get("creator_id", ""))
        shortlist_id = request.POST.get("shortlist_id") or ""
        if shortlist_id == "new":
            campaign_id = request.POST.get("campaign_id")
            shortlist = services.create_shortlist(
                p,
                name=request.POST.get("name") or _("Shortlist"),
                campaign_id=int(campaign_id) if campaign_id else None,
            )
            shortlist_id = str(shortlist.pk)
        services.add_creator(p, int(shortlist_id), creator_id)
    except ValueError:
        messages.error(request, _("Choose a creator and a shortlist."))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Added to the shortlist."))
    return redirect(back if back.startswith("/") else "matching:index")


@login_required
def shortlist_detail(request: HttpRequest, shortlist_id: int) -> HttpResponse:
    p = _brand(request)
    try:
        shortlist, creators, estimate = queries.shortlist_reach(p, shortlist_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    rows = []
    for i, creator in enumerate(_money(creators)):
        rows.append(
            {
                **creator,
                "marginal": estimate.marginal[i],
                "overlaps": [
                    {
                        "with": other["display_name"],
                        "people": estimate.overlap[i][j],
                        "share": estimate.overlap_share[i][j],
                    }
                    for j, other in enumerate(creators)
                    if j != i
                ],
            }
        )
    return render(
        request,
        "matching/shortlist.html",
        {"shortlist": shortlist, "rows": rows, "estimate": estimate, "can_edit": p.role != "viewer"},
    )


@login_required
@require_POST
def shortlist_remove(request: HttpRequest, shortlist_id: int, creator_id: int) -> HttpResponse:
    p = _brand(request)
    try:
        services.remove_creator(p, shortlist_id, creator_id)
        messages.success(request, _("Removed from the shortlist."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("matching:shortlist", shortlist_id=shortlist_id)
