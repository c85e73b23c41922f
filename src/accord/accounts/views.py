from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import services
from accord.accounts.auth import SESSION_ORG, Principal, principal_for_user
from accord.accounts.forms import ApiKeyForm, InviteForm, SignUpForm
from accord.accounts.models import ApiKey, Invitation, Membership, User
from accord.core.errors import DomainError
from accord.core.tenancy import scoped


def _principal(request: HttpRequest) -> Principal | None:
    assert isinstance(request.user, User)
    return principal_for_user(request, request.user)


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, org = services.sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
                organization_name=form.cleaned_data["organization_name"],
                kind=form.cleaned_data["kind"],
                country=form.cleaned_data["country"],
            )
        except DomainError as exc:
            field = next(iter(exc.fields), None)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_ORG] = org.pk
            messages.success(request, _("Welcome to Accord, %(name)s.") % {"name": org.name})
            return redirect("web:home")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def members(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    if principal is None:
        return redirect("web:home")
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.invite(principal, email=form.cleaned_data["email"], role=form.cleaned_data["role"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": issued.invitation.email})
            return redirect("accounts:members")
    return render(
        request,
        "accounts/members.html",
        {
            "form": form,
            "principal": principal,
            "members": scoped(Membership.objects.select_related("user"), principal.org_id).order_by("id"),
            "invitations": scoped(
                Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True), principal.org_id
            ).order_by("-id"),
        },
    )


@login_required
def api_keys(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    if principal is None:
        return redirect("web:home")
    form = ApiKeyForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, token = services.create_api_key(
                principal, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            form = ApiKeyForm()
    return render(
        request,
        "accounts/api_keys.html",
        {
            "form": form,
            "token": token,
            "principal": principal,
            "keys": scoped(ApiKey.objects.all(), principal.org_id).order_by("-id"),
        },
    )


@login_required
@require_POST
def revoke_api_key(request: HttpRequest, key_id: int) -> HttpResponse:
    principal = _principal(request)
    if principal is not None:
        try:
            key = services.revoke_api_key(principal, key_id)
            messages.success(request, _("Key %(prefix)s revoked.") % {"prefix": key.prefix})
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("accounts:api_keys")


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.find_invitation(token)
    except DomainError:
        return render(request, "accounts/invitation.html", {"invalid": True}, status=404)
    if request.method == "POST" and request.user.is_authenticated:
        assert isinstance(request.user, User)
        try:
            membership = services.accept_invitation(request.user, token)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            request.session[SESSION_ORG] = membership.organization_id
            messages.success(request, _("You joined %(org)s.") % {"org": invitation.organization.name})
            return redirect("web:home")
    return render(request, "accounts/invitation.html", {"invitation": invitation, "token": token})
