"""Contract pages for both parties: the offer inbox with each round's diff, a contract with its versions, signing,
countering, milestones (fund, submit with a draft file, approve, request changes) and the weekly timesheets.
Every change goes through ``accord.contracts.services``; a refused step shows its message and changes nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from accord.accounts.auth import Principal
from accord.accounts.models import Organization
from accord.accounts.pages import attempt as _attempt
from accord.accounts.pages import require_principal as _principal
from accord.campaigns.models import Campaign
from accord.contracts import pdf, services
from accord.contracts.models import Contract, Milestone, Timesheet
from accord.contracts.terms import example_terms
from accord.contracts.tracking_pages import tracking_context
from accord.core import clock
from accord.core.errors import DomainError
from accord.creators.models import CreatorProfile


class TermsForm(forms.Form):
    terms = forms.CharField(label=_l("Terms (JSON)"), widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}))
    message = forms.CharField(label=_l("Message"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_terms(self) -> dict[str, Any]:
        try:
            value = json.loads(self.cleaned_data["terms"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": exc}) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The terms are a JSON object."))
        return value


class OfferForm(TermsForm):
    # Chosen on the discovery page ("Send an offer"), never typed: it travels as a hidden field.
    creator_org_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SubmitForm(forms.Form):
    post_url = forms.URLField(label=_l("Post URL"), required=False, assume_scheme="https")
    caption = forms.CharField(label=_l("Caption"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    draft_file = forms.FileField(label=_l("Draft file"), required=False, help_text=_l("Image, video or PDF"))


class TimeForm(forms.Form):
    work_date = forms.DateField(label=_l("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label=_l("Minutes"), min_value=1, max_value=1440)
    note = forms.CharField(label=_l("Note"), required=False, max_length=500)
    deliverable = forms.CharField(label=_l("Deliverable key"), required=False, max_length=40)


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    inbox = list(services.inbox(principal).select_related("current_version", "campaign").order_by("-updated_at"))
    contracts = services.contracts_for(principal).select_related("current_version").order_by("-id")[:200]
    return render(request, "contracts/list.html", {"inbox": inbox, "contracts": contracts})


@login_required
def propose(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """A brand's offer to a creator, or a creator's application, for one campaign. The brand arrives from a creator's
    "Send an offer" on the discovery page (``?creator=<profile id>``); without one it is sent there to pick."""
    principal = _principal(request)
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    is_brand = principal.organization.kind == Organization.Kind.BRAND
    if campaign is None or (is_brand and campaign.brand_id != principal.org_id):
        raise Http404
    initial: dict[str, Any] = {"terms": json.dumps(example_terms(campaign.currency, clock.today()), indent=2)}
    creator = _offered_creator(request) if is_brand else None
    if creator is not None:
        initial["creator_org_id"] = creator.organization_id
    form = OfferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if is_brand:
                contract = services.send_offer(
                    principal,
                    campaign_id=campaign.pk,
                    creator_org_id=data["creator_org_id"] or 0,
                    terms=data["terms"],
                    message=data["message"],
                )
            else:
                contract = services.apply(
                    principal, campaign_id=campaign.pk, terms=data["terms"], message=data["message"]
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
            for field, problem in exc.fields.items():
                if isinstance(problem, str):
                    form.add_error(None, f"{field}: {problem}")
        else:
            messages.success(request, _("Sent. The other side can now accept, counter or decline."))
            return redirect("contracts:detail", contract.pk)
    if not is_brand:
        del form.fields["creator_org_id"]
    return render(
        request,
        "contracts/propose.html",
        {"campaign": campaign, "form": form, "is_brand": is_brand, "creator": creator},
    )


def _offered_creator(request: HttpRequest) -> CreatorProfile | None:
    """The creator an offer goes to: the profile picked on the discovery page, or the organization the form posts."""
    profile_id, org_id = request.GET.get("creator", ""), request.POST.get("creator_org_id", "")
    if profile_id.isdigit():
        return CreatorProfile.objects.filter(pk=int(profile_id)).first()
    if org_id.isdigit():
        return CreatorProfile.objects.filter(organization_id=int(org_id)).first()
    return None


def _ask_first(request: HttpRequest, kind: str, back: str, **context: Any) -> HttpResponse | None:
    """None once the person confirmed (``confirm=yes``); otherwise the page saying what money will move, re-posting
    the same form with the confirmation: the convention of the deposit, deposit-receipt and dispute-decision pages."""
    if request.POST.get("confirm") == "yes":
        return None
    fields = [(name, value) for name, value in request.POST.items() if name not in ("csrfmiddlewaretoken", "confirm")]
    return render(request, "contracts/confirm_money.html", {"kind": kind, "back": back, "fields": fields, **context})


def _contract_or_404(principal: Principal, contract_id: int) -> Contract:
    try:
        return services.get_contract(principal, contract_id)
    except DomainError:
        raise Http404 from None


@login_required
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    principal = _principal(request)
    contract = _contract_or_404(principal, contract_id)
    side = contract.side_of(principal.org_id)
    version = contract.current_version
    counter_form = TermsForm(initial={"terms": json.dumps(version.terms if version else {}, indent=2)})
    milestones = list(contract.milestones.select_related("escrow_hold").order_by("position", "id"))
    return render(
        request,
        "contracts/detail.html",
        {
            "contract": contract,
            "side": side,
            "version": version,
            "versions": contract.versions.order_by("-number").prefetch_related("signatures"),
            "milestones": milestones,
            "counter_form": counter_form,
            "money": services.money_summary(contract),
            "my_turn": contract.awaiting == side,
            "signed_by_me": bool(version and version.signatures.filter(side=side)),
            "idempotency_key": uuid.uuid4().hex,
            "timesheets": contract.timesheets.order_by("-week_start"),
            "is_hourly": any(m.is_hourly_budget for m in milestones),
            **tracking_context(request, contract, side),
        },
    )


@login_required
@require_POST
def contract_action(request: HttpRequest, contract_id: int, action: str) -> HttpResponse:
    principal = _principal(request)
    post = request.POST
    reason = post.get("reason", "")
    actions: dict[str, tuple[Callable[[], object], str]] = {
        "sign": (
            lambda: services.sign(
                principal,
                contract_id,
                typed_name=post.get("typed_name", ""),
                version_number=int(post.get("version") or 0),
                ip=str(request.META.get("REMOTE_ADDR") or ""),
            ),
            _("Signed."),
        ),
        "decline": (lambda: services.decline(principal, contract_id, reason=reason), _("Declined.")),
        "withdraw": (lambda: services.withdraw(principal, contract_id, reason=reason), _("Withdrawn.")),
        "terminate": (lambda: services.terminate(principal, contract_id, reason=reason), _("Contract terminated.")),
    }
    key = post.get("idempotency_key") or uuid.uuid4().hex
    actions["finish-hourly"] = (
        lambda: services.finish_hourly(principal, contract_id, key=key),
        _("Hourly work finished; the unused budget is back in the campaign's escrow."),
    )
    if action in ("counter", "amend"):
        form = TermsForm(post)
        if not form.is_valid():
            messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect("contracts:detail", contract_id)
        terms, message = form.cleaned_data["terms"], form.cleaned_data["message"]
        if action == "counter":
            actions["counter"] = (
                lambda: services.counter(principal, contract_id, terms=terms, message=message),
                _("Counter-offer sent."),
            )
        else:
            actions["amend"] = (
                lambda: services.propose_amendment(principal, contract_id, terms=terms, message=message),
                _("Amendment proposed."),
            )
    if action not in actions:
        raise Http404
    if action == "finish-hourly":
        contract = _contract_or_404(principal, contract_id)
        budget = contract.milestones.filter(is_hourly_budget=True).first()
        if budget is not None:
            asked = _ask_first(
                request,
                "finish",
                reverse("contracts:timesheets", args=[contract.pk]),
                currency=budget.currency,
                unused=budget.amount - budget.released_amount,
                paid=budget.released_amount,
            )
            if asked is not None:
                return asked
    call, success = actions[action]
    _attempt(request, call, success)
    return redirect("contracts:detail", contract_id)


@login_required
def contract_pdf(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract_or_404(_principal(request), contract_id)
    response = HttpResponse(pdf.render(contract), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="contract-{contract.pk}.pdf"'
    return response


def _milestone_or_404(principal: Principal, milestone_id: int) -> Milestone:
    try:
        return services.get_milestone(principal, milestone_id)
    except DomainError:
        raise Http404 from None


@login_required
def milestone_detail(request: HttpRequest, milestone_id: int) -> HttpResponse:
    principal = _principal(request)
    milestone = _milestone_or_404(principal, milestone_id)
    side = milestone.contract.side_of(principal.org_id)
    form = SubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok = _attempt(
            request,
            lambda: services.submit(
                principal,
                milestone.pk,
                post_url=data["post_url"] or "",
                caption=data["caption"],
                draft_file=data["draft_file"],
            ),
            _("Submitted for review."),
        )
        if ok:
            return redirect("contracts:milestone", milestone.pk)
    return render(
        request,
        "contracts/milestone.html",
        {
            "milestone": milestone,
            "contract": milestone.contract,
            "side": side,
            "form": form,
            "submissions": milestone.submissions.order_by("-round"),
            "idempotency_key": uuid.uuid4().hex,
            "late_payment": services.late_payment_for(milestone),
        },
    )


@login_required
def submission_draft(request: HttpRequest, submission_id: int) -> FileResponse:
    """A submission's draft file, for either party of the contract."""
    try:
        submission = services.get_submission(_principal(request), submission_id)
    except DomainError:
        raise Http404 from None
    if not submission.draft_file:
        raise Http404
    return FileResponse(
        submission.draft_file.open("rb"),
        as_attachment=True,
        filename=submission.draft_file.name.rsplit("/", 1)[-1],
        content_type=submission.draft_content_type or "application/octet-stream",
    )


@login_required
@require_POST
def milestone_action(request: HttpRequest, milestone_id: int, action: str) -> HttpResponse:
    principal = _principal(request)
    key = request.POST.get("idempotency_key") or uuid.uuid4().hex
    comment = request.POST.get("comment", "")
    actions: dict[str, tuple[Callable[[], object], str]] = {
        "fund": (lambda: services.fund_milestone(principal, milestone_id, key=key), _("Funded: the money is held.")),
        "approve": (
            lambda: services.approve(principal, milestone_id, key=key, comment=comment),
            _("Approved and released."),
        ),
        "request-changes": (
            lambda: services.request_changes(principal, milestone_id, comment=comment),
            _("Changes requested."),
        ),
    }
    if action not in actions:
        raise Http404
    if action == "approve":
        milestone = _milestone_or_404(principal, milestone_id)
        back = reverse("contracts:milestone", args=[milestone.pk])
        asked = _ask_first(
            request, "release", back, milestone=milestone, amount=milestone.amount, currency=milestone.currency
        )
        if asked is not None:
            return asked
    call, success = actions[action]
    _attempt(request, call, success)
    return redirect("contracts:milestone", milestone_id)


@login_required
def timesheets(request: HttpRequest, contract_id: int) -> HttpResponse:
    principal = _principal(request)
    contract = _contract_or_404(principal, contract_id)
    form = TimeForm(request.POST or None, initial={"work_date": clock.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(request, lambda: services.log_time(principal, contract.pk, **data), _("Time logged.")):
            return redirect("contracts:timesheets", contract.pk)
    return render(
        request,
        "contracts/timesheets.html",
        {
            "contract": contract,
            "side": contract.side_of(principal.org_id),
            "form": form,
            "sheets": contract.timesheets.order_by("-week_start").prefetch_related("entries"),
            "idempotency_key": uuid.uuid4().hex,
        },
    )


@login_required
@require_POST
def timesheet_action(request: HttpRequest, timesheet_id: int, action: str) -> HttpResponse:
    principal = _principal(request)
    key = request.POST.get("idempotency_key") or uuid.uuid4().hex
    comment = request.POST.get("comment", "")
    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "submit": (lambda: services.submit_timesheet(principal, timesheet_id), _("Timesheet submitted.")),
        "approve": (
            lambda: services.approve_timesheet(principal, timesheet_id, key=key),
            _("Timesheet approved and paid."),
        ),
        "query": (lambda: services.query_timesheet(principal, timesheet_id, comment=comment), _("Question sent.")),
    }
    if action not in actions:
        raise Http404
    if action == "approve":
        sheet = Timesheet.objects.filter(pk=timesheet_id).first()
        if sheet is None:
            raise Http404
        contract = _contract_or_404(principal, sheet.contract_id)  # 404 for a sheet outside the viewer's contracts
        back = reverse("contracts:timesheets", args=[contract.pk])
        asked = _ask_first(request, "timesheet", back, sheet=sheet, contract=contract)
        if asked is not None:
            return asked
    call, success = actions[action]
    _attempt(request, call, success)
    contract_id = request.POST.get("contract_id") or ""
    return redirect("contracts:timesheets", int(contract_id)) if contract_id.isdigit() else redirect("contracts:list")
