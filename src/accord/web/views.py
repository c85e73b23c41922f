"""The pages people land on: ``/`` is the brand dashboard, the creator portal or the operator console, depending on
the organization the person acts for. Live parts (the brand's performance charts, the console's ledger status) are
partials that htmx loads or polls; each also works as a plain page without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts.auth import SESSION_ORG, Principal
from accord.accounts.models import Membership, Organization
from accord.accounts.pages import attempt, principal_or_none
from accord.campaigns import services as campaigns
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.core.errors import DomainError, NotFound
from accord.tracking import services as tracking
from accord.web import brand, console, creator, perf_charts

PERFORMANCE_EVERY = "5s"  # the brand's charts poll this often; the partial is a handful of indexed reads


def _who(request: HttpRequest) -> Principal | None:
    try:
        return principal_or_none(request)
    except DomainError:
        raise Http404 from None


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    p = _who(request)
    if p is None:
        return render(request, "web/home.html")
    if p.is_operator:
        return _console(request, p)
    if p.organization.kind == Organization.Kind.BRAND:
        return _brand(request, p)
    if p.organization.kind == Organization.Kind.CREATOR:
        return _creator(request, p)
    return render(request, "web/home.html")


# -- brand -----------------------------------------------------------------------------------------------------------


def _chosen_campaign(p: Principal, raw: str | None, money: list[brand.CampaignMoney]) -> Campaign | None:
    if raw:
        try:
            return campaigns.get_campaign(p, int(raw))
        except (ValueError, NotFound):
            raise Http404 from None
    live = [m.campaign for m in money if m.campaign.status in (Campaign.Status.ACTIVE, Campaign.Status.OPEN)]
    pool = live or [m.campaign for m in money]
    return pool[0] if pool else None


def _brand(request: HttpRequest, p: Principal) -> HttpResponse:
    money = brand.campaign_money(p)
    chosen = _chosen_campaign(p, request.GET.get("campaign"), money)
    context = {
        "campaigns": money,
        "approvals": brand.approvals_queue(p),
        "timesheets": brand.timesheets_queue(p),
        "chosen": chosen,
        "perf": perf_charts.panel(chosen) if chosen else None,
        "every": PERFORMANCE_EVERY,
        "now": clock.now(),
    }
    return render(request, "web/brand_dashboard.html", context)


@login_required
def performance(request: HttpRequest) -> HttpResponse:
    p = _who(request)
    if p is None or p.organization.kind != Organization.Kind.BRAND:
        raise Http404
    raw = request.GET.get("campaign")
    if not raw:
        raise Http404
    chosen = _chosen_campaign(p, raw, [])
    assert chosen is not None
    context = {"chosen": chosen, "perf": perf_charts.panel(chosen), "every": PERFORMANCE_EVERY}
    return render(request, "web/_performance.html", context)


# -- creator ---------------------------------------------------------------------------------------------------------


def _creator(request: HttpRequest, p: Principal) -> HttpResponse:
    context = {
        "offers": creator.offers_inbox(p),
        "contracts": creator.active_contracts(p),
        "earnings": creator.earnings(p.org_id),
        "methods": creator.methods_status(p.org_id),
        "unread": creator.unread_messages(p),
        "standing": creator.standing(p.org_id),
        "now": clock.now(),
    }
    return render(request, "web/creator_home.html", context)


# -- operator --------------------------------------------------------------------------------------------------------


def _operator(request: HttpRequest) -> Principal:
    p = _who(request)
    if p is None or not p.is_operator:
        raise PermissionDenied
    return p


def _console(request: HttpRequest, p: Principal) -> HttpResponse:
    context = {
        "disputes": console.disputes_queue(),
        "runs": console.payout_runs(),
        "flags": list(console.open_flags()),
        "recent": console.audit_page().object_list[:10],
        "now": clock.now(),
    }
    return render(request, "web/console.html", context)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _operator(request)
    actor = request.GET.get("actor", "").strip()
    action = request.GET.get("action", "").strip()
    context = {
        "page": console.audit_page(actor, action, request.GET.get("page")),
        "actor": actor,
        "action": action,
        "chain": console.audit_chain() if request.GET.get("verify") else None,
    }
    return render(request, "web/audit.html", context)


@login_required
def ledger_status(request: HttpRequest) -> HttpResponse:
    _operator(request)
    template = "web/_ledger.html" if request.htmx else "web/ledger.html"  # type: ignore[attr-defined]
    return render(request, template, {"ledger": console.ledger_status()})


@login_required
@require_POST
def clear_flag(request: HttpRequest, flag_id: int) -> HttpResponse:
    p = _operator(request)
    note = request.POST.get("note", "").strip()
    if not note:
        messages.error(request, _("Say why the flag is cleared."))
    else:
        attempt(request, lambda: tracking.clear_flag(p, flag_id, note), _("Flag cleared; the fact counts again."))
    return redirect("web:home")


@login_required
@require_POST
def switch_organization(request: HttpRequest, org_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, user=request.user, organization_id=org_id)
    request.session[SESSION_ORG] = membership.organization_id
    return redirect("web:home")
