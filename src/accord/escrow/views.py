"""Escrow pages. Brand: a campaign's escrow (fund it, balances, deposits with how to pay, holds). Creator: what is
funded, held, released, pending, payable and paid for them, per campaign, so they see the money exists before they
work. Operator: pending manual deposits to confirm. Money moves only through ``accord.escrow.services``, after an
explicit confirmation step, with an idempotency key issued by the form so a double submit moves nothing twice."""

from __future__ import annotations

import uuid
from decimal import InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role, role_at_least
from accord.accounts.pages import require_principal as _principal
from accord.campaigns.models import Campaign
from accord.core.errors import DomainError, NotFound
from accord.core.tenancy import get_scoped, scoped
from accord.escrow import services
from accord.escrow.models import Deposit, EscrowHold
from accord.web.formatting import parse_money


def _brand_campaign(p: Principal, campaign_id: int) -> Campaign:
    if p.organization.kind != Organization.Kind.BRAND:
        raise Http404
    try:
        return get_scoped(Campaign.objects.all(), p.org_id, "brand", pk=campaign_id)
    except NotFound:
        raise Http404 from None


PROVIDER_LABELS = {
    "manual": _l("Bank transfer (with a payment reference)"),
    "stripe": _l("Card or wallet (Stripe)"),
}


class FundForm(forms.Form):
    amount = forms.CharField(
        label=_l("Amount"), max_length=20, help_text=_l("In the campaign's currency, e.g. 2500.00")
    )
    provider = forms.ChoiceField(label=_l("Payment method"))
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ChoiceField)
        provider.choices = [(name, PROVIDER_LABELS.get(name, name)) for name in services.providers()]
        self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": currency}

    def clean_amount(self) -> int:
        try:
            amount = parse_money(self.cleaned_data["amount"], self.currency)
        except (InvalidOperation, ValueError, ArithmeticError):
            raise forms.ValidationError(_("Enter an amount like 2500.00.")) from None
        if amount <= 0:
            raise forms.ValidationError(_("The amount must be more than zero."))
        return amount


def _deposit_rows(deposits: Any) -> list[dict[str, Any]]:
    return [
        {"d": d, "how": services.deposit_instructions(d), "provider": PROVIDER_LABELS.get(d.provider, d.provider)}
        for d in deposits
    ]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    if p.is_operator:
        return redirect("escrow:operator_deposits")
    if p.organization.kind == Organization.Kind.CREATOR:
        return redirect("escrow:balances")
    campaigns = scoped(Campaign.objects.all(), p.org_id, "brand").order_by("-id")[:200]
    return render(request, "escrow/home.html", {"campaigns": campaigns})


@login_required
def campaign_escrow(request: HttpRequest, campaign_id: int) -> HttpResponse:
    p = _principal(request)
    campaign = _brand_campaign(p, campaign_id)
    form = FundForm(currency=campaign.currency, initial={"key": uuid.uuid4().hex, "provider": "manual"})
    return _escrow_page(request, p, campaign, form)


def _escrow_page(request: HttpRequest, p: Principal, campaign: Campaign, form: FundForm) -> HttpResponse:
    context = {
        "campaign": campaign,
        "escrow": services.campaign_escrow(campaign),
        "deposits": _deposit_rows(Deposit.objects.filter(campaign=campaign).order_by("-id")[:100]),
        "holds": EscrowHold.objects.filter(campaign=campaign).select_related("hold", "creator").order_by("-id")[:200],
        "form": form,
        "can_fund": role_at_least(p.role, Role.MEMBER),
    }
    return render(request, "escrow/campaign.html", context)


@login_required
@require_POST
def fund(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Step 1 (no ``confirm``): show what will happen. Step 2 (``confirm=yes``): start the deposit."""
    p = _principal(request)
    campaign = _brand_campaign(p, campaign_id)
    form = FundForm(request.POST, currency=campaign.currency)
    if not form.is_valid():
        return _escrow_page(request, p, campaign, form)
    amount, provider, key = form.cleaned_data["amount"], form.cleaned_data["provider"], form.cleaned_data["key"]
    if request.POST.get("confirm") != "yes":
        context = {
            "campaign": campaign,
            "amount": amount,
            "provider": provider,
            "provider_label": dict(form.fields["provider"].choices)[provider],  # type: ignore[attr-defined]
            "raw_amount": request.POST.get("amount", ""),
            "key": key,
        }
        return render(request, "escrow/fund_confirm.html", context)
    try:
        deposit = services.start_deposit(p, campaign_id=campaign.pk, amount=amount, key=key, provider=provider)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("escrow:campaign", campaign.pk)
    messages.success(
        request, _("Deposit %(ref)s started. It counts once the money arrives.") % {"ref": deposit.reference}
    )
    return redirect("escrow:campaign", campaign.pk)


@login_required
def balances(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    if p.organization.kind != Organization.Kind.CREATOR:
        raise Http404
    from accord.payouts.models import Payout  # payouts sit beside escrow; imported where the page needs them

    paid = (
        Payout.objects.filter(organization_id=p.org_id, state=Payout.State.PAID)
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by("currency")
    )
    context = {
        "campaigns": services.creator_summary(p.org_id),
        "balances": services.creator_balances(p.org_id),
        "paid": list(paid),
    }
    return render(request, "escrow/balances.html", context)


def _operator(request: HttpRequest) -> Principal:
    p = _principal(request)
    if not p.is_operator:
        raise Http404
    return p


@login_required
def operator_deposits(request: HttpRequest) -> HttpResponse:
    _operator(request)
    pending = (
        Deposit.objects.filter(status=Deposit.Status.PENDING, provider="manual")
        .select_related("campaign", "brand")
        .order_by("created_at")[:500]
    )
    return render(request, "escrow/operator_deposits.html", {"deposits": pending})


@login_required
@require_POST
def operator_confirm(request: HttpRequest, deposit_id: int) -> HttpResponse:
    """Step 1: show the deposit and ask for the bank's reference. Step 2 (``confirm=yes``): book it into escrow."""
    p = _operator(request)
    deposit = Deposit.objects.select_related("campaign", "brand").filter(pk=deposit_id).first()
    if deposit is None:
        raise Http404
    bank_ref = request.POST.get("bank_ref", "").strip()[:120]
    if request.POST.get("confirm") != "yes":
        return render(request, "escrow/operator_confirm.html", {"deposit": deposit, "bank_ref": bank_ref})
    if deposit.status == Deposit.Status.CONFIRMED:
        messages.info(request, _("Deposit %(ref)s was already confirmed.") % {"ref": deposit.reference})
        return redirect("escrow:operator_deposits")
    try:
        services.confirm_deposit(p, deposit_id=deposit.pk, provider_ref=bank_ref or None)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Deposit %(ref)s confirmed and booked into escrow.") % {"ref": deposit.reference})
    return redirect("escrow:operator_deposits")
