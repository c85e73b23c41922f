"""A collaboration's tracking links and promo codes on its contract page: the brand creates them there (through
``accord.tracking.services``, which checks role and tenancy), the creator sees them read-only with the ``/t/`` URL
to share. A link is tagged with the contract, so its clicks count for this collaboration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import RegexValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from accord.accounts.auth import Principal
from accord.accounts.pages import attempt
from accord.accounts.pages import require_principal as _principal
from accord.contracts import services
from accord.contracts.models import Contract
from accord.core.errors import DomainError
from accord.tracking import services as tracking
from accord.tracking.models import PromoCode, TrackingLink
from accord.tracking.redirect import public_url


class LinkForm(forms.Form):
    destination = forms.URLField(
        label=_l("Destination URL"),
        max_length=2048,
        assume_scheme="https",
        help_text=_l("Where a click on the tracking link lands, e.g. your product page."),
    )


class PromoForm(forms.Form):
    code = forms.CharField(
        label=_l("Promo code"),
        max_length=64,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{3,64}$", _l("3 to 64 letters, digits, _ or -."))],
    )


def collaboration_tag(contract: Contract) -> str:
    return f"contract:{contract.pk}"


def tracking_context(request: HttpRequest, contract: Contract, side: str | None) -> dict[str, Any]:
    """The links and codes made for this contract: only their clicks and sales count for it (the rollup key rule in
    ``accord.tracking.rollups``; an untagged one of a pair with several contracts counts for none of them)."""
    pair = {"campaign_id": contract.campaign_id, "creator_id": contract.creator_id}
    links = TrackingLink.objects.filter(**pair, collaboration=collaboration_tag(contract))
    rows = [
        {"link": link, "url": public_url(link.code, request.build_absolute_uri)}
        for link in links.order_by("-created_at", "-id")
    ]
    promos = PromoCode.objects.filter(**pair, brand_id=contract.brand_id, collaboration=collaboration_tag(contract))
    promos = promos.order_by("-created_at", "-id")
    # Links outlive the deliverables: clicks and sales after the last approval still count for performance pay.
    live = (Contract.Status.SIGNED, Contract.Status.ACTIVE, Contract.Status.COMPLETED)
    can_create = side == "brand" and contract.status in live
    return {
        "tracking_links": rows,
        "promo_codes": list(promos),
        "link_form": LinkForm(prefix="link") if can_create else None,
        "can_stop_links": side == "brand",
        "promo_form": PromoForm(prefix="promo") if can_create else None,
    }


def _brand_contract(principal: Principal, contract_id: int) -> Contract:
    try:
        contract = services.get_contract(principal, contract_id)
    except DomainError:
        raise Http404 from None
    if contract.side_of(principal.org_id) != "brand":
        raise Http404  # the creator sees the links read-only; creating them is the brand's
    return contract


def _refused(request: HttpRequest, form: forms.Form) -> None:
    messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))


def _create(
    request: HttpRequest,
    contract_id: int,
    form: forms.Form,
    make: Callable[[Principal, Contract, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """The brand's create-a-link/code form on the contract page: check the form, act through the tracking service."""
    principal = _principal(request)
    contract = _brand_contract(principal, contract_id)
    if not form.is_valid():
        _refused(request, form)
    else:
        attempt(request, lambda: make(principal, contract, form.cleaned_data), done)
    return redirect(reverse("contracts:detail", args=[contract.pk]) + "#tracking")


@login_required
@require_POST
def create_link(request: HttpRequest, contract_id: int) -> HttpResponse:
    return _create(
        request,
        contract_id,
        LinkForm(request.POST, prefix="link"),
        lambda p, contract, data: tracking.create_link(
            p,
            campaign_id=contract.campaign_id,
            creator_id=contract.creator_id,
            destination=data["destination"],
            collaboration=collaboration_tag(contract),
        ),
        _("Tracking link created."),
    )


@login_required
@require_POST
def deactivate_link(request: HttpRequest, contract_id: int, link_id: int) -> HttpResponse:
    """The brand stops one of this contract's links (it leaked, or the collaboration is over)."""
    principal = _principal(request)
    contract = _brand_contract(principal, contract_id)
    if not TrackingLink.objects.filter(pk=link_id, collaboration=collaboration_tag(contract)).exists():
        raise Http404
    attempt(request, lambda: tracking.deactivate_link(principal, link_id), _("Tracking link stopped."))
    return redirect(reverse("contracts:detail", args=[contract.pk]) + "#tracking")


@login_required
@require_POST
def create_promo_code(request: HttpRequest, contract_id: int) -> HttpResponse:
    return _create(
        request,
        contract_id,
        PromoForm(request.POST, prefix="promo"),
        lambda p, contract, data: tracking.create_promo_code(
            p,
            campaign_id=contract.campaign_id,
            creator_id=contract.creator_id,
            code=data["code"],
            collaboration=collaboration_tag(contract),
        ),
        _("Promo code created."),
    )
