"""Web pages: the incentives dashboard (brand and creator) and a collaboration's incentives page, both updating
without reload (htmx polls the live partials every second), and the forecast chart as SVG."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts.auth import Principal
from accord.accounts.pages import require_principal as _principal
from accord.contracts.models import Contract
from accord.core.errors import NotFound
from accord.incentives import chart, services
from accord.incentives.models import State
from accord.tracking.kpis import Totals, kpis

LIVE_EVERY = "500ms"  # the live panels poll twice a second: an accrual shows within ~0.5 s of booking
PERFORMANCE_ROWS = 7  # days listed under the 30-day KPIs (the newest first)


def live_context(p: Principal, contract_id: int) -> dict[str, Any]:
    try:
        live = services.live(p, contract_id)
    except NotFound:
        raise Http404("contract not found") from None
    side = "operator" if p.is_operator else ("brand" if p.organization.kind == "brand" else "creator")
    recent = list(services.bookings_for(p, contract_id)[:10])
    performance = services.performance(services.visible_contract(p, contract_id))
    return {
        "live": live,
        "side": side,
        "recent": recent,
        "every": LIVE_EVERY,
        "performance": performance,
        "performance_days": performance.points[::-1][:PERFORMANCE_ROWS],
    }


def forecast_context(p: Principal, contract_id: int) -> dict[str, Any]:
    try:
        contract, terms, rows = services.forecast_for(p, contract_id)
    except NotFound:
        raise Http404("contract not found") from None
    if terms is None:
        return {"contract": contract, "terms": None}
    state = State.objects.filter(contract=contract).first()
    earned = state.net if state else None if contract.signed_version_id is None else 0
    actuals = services.actual_kpis(contract) if contract.signed_version_id else {}
    rule_ids = [r.id for r in terms.rules]
    kpis = sorted({k for r in rows for k in r.kpis})
    table = [
        {
            "scenario": r.scenario,
            "kpis": [r.kpis.get(k) for k in kpis],
            "rules": [r.by_rule.get(i, 0) for i in rule_ids],
            "total": r.total,
        }
        for r in rows
    ]
    return {
        "contract": contract,
        "terms": terms,
        "currency": terms.currency,
        "kpis": kpis,
        "rule_ids": rule_ids,
        "table": table,
        "actual_kpis": [actuals.get(k) for k in kpis] if actuals else None,
        "earned": earned,
        "svg": chart.forecast_svg(rows, terms.currency, actual=earned, uid=f"fc{contract.pk}"),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "incentives/dashboard.html", _dashboard_context(_principal(request)))


@login_required
def dashboard_live(request: HttpRequest) -> HttpResponse:
    return render(request, "incentives/_dashboard_live.html", _dashboard_context(_principal(request)))


def _dashboard_context(p: Principal) -> dict[str, Any]:
    contracts = Contract.objects.filter(status__in=services.ACCRUING).order_by("-id")
    if not p.is_operator:
        contracts = contracts.filter(Q(brand_id=p.org_id) | Q(creator_id=p.org_id))
    shown = list(contracts[:50])
    states = {s.contract_id: s for s in State.objects.filter(contract__in=shown)}
    totals = services.performance_totals(shown)
    rows = []
    for contract in shown:
        counted = totals.get(contract.pk, Totals())
        rows.append({"contract": contract, "state": states.get(contract.pk), "totals": counted, "kpis": kpis(counted)})
    recent = list(services.bookings_for(p).select_related("contract")[:20])
    return {"rows": rows, "recent": recent, "every": LIVE_EVERY}


@login_required
def contract_page(request: HttpRequest, contract_id: int) -> HttpResponse:
    p = _principal(request)
    context = {**live_context(p, contract_id), **forecast_context(p, contract_id)}
    context["bookings"] = list(services.bookings_for(p, contract_id)[:200])
    return render(request, "incentives/contract.html", context)


@login_required
def contract_live(request: HttpRequest, contract_id: int) -> HttpResponse:
    return render(request, "incentives/_live.html", live_context(_principal(request), contract_id))


@login_required
def forecast_chart(request: HttpRequest, contract_id: int) -> HttpResponse:
    context = forecast_context(_principal(request), contract_id)
    if context.get("terms") is None:
        raise Http404("no compensation rules")
    return HttpResponse(context["svg"], content_type="image/svg+xml")
