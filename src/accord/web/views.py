from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accord.accounts.auth import SESSION_ORG
from accord.accounts.models import Membership


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return render(request, "web/home.html")


@login_required
@require_POST
def switch_organization(request: HttpRequest, org_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, user=request.user, organization_id=org_id)
    request.session[SESSION_ORG] = membership.organization_id
    return redirect("web:home")
