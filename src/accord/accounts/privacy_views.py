"""The "Your data" page: an owner exports the organization's data or deletes the organization (on a second page
that says what still blocks it and asks for the organization's name)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accord.accounts import privacy_erasure, privacy_export
from accord.accounts.auth import Principal, principal_for_user
from accord.accounts.models import Role, User
from accord.core import idempotency
from accord.core.errors import DomainError

BLOCKER_LABELS = {
    "contracts_open": gettext_lazy("Contracts that are offered, signed or running"),
    "disputes_open": gettext_lazy("Open disputes"),
    "payouts_unpaid": gettext_lazy("Payouts not yet paid"),
    "deposits_pending": gettext_lazy("Deposits awaiting payment"),
    "holds_open": gettext_lazy("Money reserved for milestones or payouts"),
    "balance_escrow": gettext_lazy("Money left in campaign escrow (refund it first)"),
    "balance_creator_pending": gettext_lazy("Earnings still locked"),
    "balance_creator_payable": gettext_lazy("Earnings not yet paid out"),
}


def _owner(request: HttpRequest) -> Principal | None:
    assert isinstance(request.user, User)
    principal = principal_for_user(request, request.user)
    if principal is None or principal.role != Role.OWNER:
        return None
    return principal


@login_required
def your_data(request: HttpRequest) -> HttpResponse:
    principal = _owner(request)
    if principal is None:
        raise Http404
    return render(
        request,
        "accounts/your_data.html",
        {"principal": principal, "exports": privacy_export.list_exports(principal)},
    )


@login_required
@require_POST
def start_export(request: HttpRequest) -> HttpResponse:
    principal = _owner(request)
    if principal is None:
        raise Http404
    _export, background = privacy_export.request_export(principal)
    if background:
        messages.success(request, _("Your export is being prepared. Reload this page in a few minutes."))
    else:
        messages.success(request, _("Your export is ready to download."))
    return redirect("accounts:your_data")


@login_required
def download_export(request: HttpRequest, export_id: int) -> HttpResponse:
    principal = _owner(request)
    if principal is None:
        raise Http404
    try:
        name, content = privacy_export.content(principal, export_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, _("This export cannot be downloaded (any more). Prepare a new one."))
        return redirect("accounts:your_data")
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def delete_organization(request: HttpRequest) -> HttpResponse:
    principal = _owner(request)
    if principal is None:
        raise Http404
    org = principal.organization
    error = ""
    if request.method == "POST":
        nonce = request.POST.get("nonce", "")
        confirm = request.POST.get("confirm", "")
        if confirm.strip() != org.name:
            error = _("Type the organization's name exactly as shown to confirm.")
        else:
            claim = idempotency.claim_once(f"web:{org.pk}", f"web:erasure:{nonce}", request.path)
            if claim is None:
                return redirect("web:home")
            try:
                privacy_erasure.erase(principal, confirm)
            except DomainError:
                idempotency.release(claim)
                error = _("The organization cannot be deleted yet: settle what is listed below first.")
            else:
                logout(request)
                messages.success(request, _("Your organization has been deleted."))
                return redirect("accounts:login")
    blockers = [
        {"label": BLOCKER_LABELS.get(b["code"], b["code"]), "count": b["count"]} for b in privacy_erasure.blockers(org)
    ]
    return render(
        request,
        "accounts/delete_organization.html",
        {"principal": principal, "blockers": blockers, "error": error, "nonce": get_random_string(24)},
    )
