"""Campaign pages: the brand's campaigns (create, edit the brief, move the lifecycle) and, for creators, the campaigns
open for applications. Every change goes through ``accord.campaigns.services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from accord.accounts.models import Organization
from accord.accounts.pages import principal_or_none
from accord.campaigns import services
from accord.campaigns.models import BrandCategory
from accord.campaigns.states import CAMPAIGN
from accord.core.errors import DomainError
from accord.creators import taxonomy


class CampaignForm(forms.Form):
    name = forms.CharField(label=_l("Name"), max_length=200)
    goals = forms.CharField(label=_l("Goals"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    key_messages = forms.CharField(label=_l("Key messages"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    dos = forms.CharField(label=_l("Do's"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    donts = forms.CharField(label=_l("Don'ts"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    description = forms.CharField(label=_l("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    platforms = forms.MultipleChoiceField(
        label=_l("Platforms"),
        choices=[(p, p) for p in taxonomy.PLATFORMS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = forms.DateField(label=_l("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_l("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # localize: typed the way the language writes numbers ("2500,50" in Dutch)
    budget = forms.DecimalField(label=_l("Budget"), min_value=0, decimal_places=2, required=False, localize=True)
    currency = forms.CharField(label=_l("Currency"), max_length=3, initial="EUR")
    countries = forms.MultipleChoiceField(
        label=_l("Audience countries"), choices=[(c, c) for c in taxonomy.COUNTRIES], required=False
    )
    age_bands = forms.MultipleChoiceField(
        label=_l("Audience ages"),
        choices=[(a, a) for a in taxonomy.AGE_BANDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    brand_categories = forms.MultipleChoiceField(
        label=_l("Brand categories"),
        choices=BrandCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_l("Used for creators' values checks"),
    )
    open_for_applications = forms.BooleanField(label=_l("Open for applications"), required=False)

    def to_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        budget = data.pop("budget")
        data["budget"] = int(budget * 100) if budget is not None else 0
        data["currency"] = data["currency"].upper()
        data["target"] = {k: data.pop(k) for k in ("countries", "age_bands") if data.get(k)}
        data.pop("countries", None)
        data.pop("age_bands", None)
        return data


# Buttons for the lifecycle actions of accord.campaigns.states.CAMPAIGN (verbs, unlike the status names).
ACTION_LABELS = {
    "open": pgettext_lazy("campaign action", "Open"),
    "activate": pgettext_lazy("campaign action", "Activate"),
    "complete": pgettext_lazy("campaign action", "Complete"),
    "cancel": pgettext_lazy("campaign action", "Cancel"),
}


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    principal = principal_or_none(request)
    if principal is None:
        return redirect("web:home")
    if principal.organization.kind == Organization.Kind.CREATOR:
        return render(request, "campaigns/open.html", {"campaigns": services.open_campaigns().order_by("-id")[:100]})
    form = CampaignForm(request.POST or None, initial={"currency": principal.organization.default_currency})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(principal, **form.to_fields())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Campaign created as a draft."))
            return redirect("campaigns:detail", campaign.pk)
    campaigns = services.list_campaigns(principal).order_by("-id")[:200]
    return render(request, "campaigns/list.html", {"campaigns": campaigns, "form": form})


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    principal = principal_or_none(request)
    if principal is None:
        return redirect("web:home")
    try:
        campaign = services.get_campaign(principal, campaign_id)
    except DomainError:
        from django.http import Http404

        raise Http404 from None
    initial = {
        f: getattr(campaign, f)
        for f in (
            "name",
            "goals",
            "key_messages",
            "dos",
            "donts",
            "description",
            "platforms",
            "starts_on",
            "ends_on",
            "currency",
            "brand_categories",
            "open_for_applications",
        )
    }
    initial.update(
        budget=Decimal(campaign.budget).scaleb(-2),
        countries=campaign.target.get("countries", []),
        age_bands=campaign.target.get("age_bands", []),
    )
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(principal, campaign.pk, **form.to_fields())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Brief saved."))
            return redirect("campaigns:detail", campaign.pk)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "form": form,
            "actions": [(a, ACTION_LABELS.get(a, a)) for a in CAMPAIGN.actions_from(campaign.status)],
            "contracts": campaign.contracts.select_related("creator").order_by("-id"),
        },
    )


@login_required
@require_POST
def campaign_transition(request: HttpRequest, campaign_id: int, action: str) -> HttpResponse:
    principal = principal_or_none(request)
    if principal is None:
        return redirect("web:home")
    try:
        campaign = services.transition(principal, campaign_id, action)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Campaign is now %(status)s.") % {"status": campaign.get_status_display()})
    return redirect("campaigns:detail", campaign_id)
