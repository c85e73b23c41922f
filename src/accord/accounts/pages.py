"""Helpers every app's web views share: who is acting, and running a service with its outcome as a flash message."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest

from accord.accounts.auth import Principal, principal_for_user
from accord.accounts.models import User
from accord.core.errors import DomainError


def principal_or_none(request: HttpRequest) -> Principal | None:
    """The signed-in person acting for their chosen organization, or None when they belong to none."""
    assert isinstance(request.user, User)
    return principal_for_user(request, request.user)


def require_principal(request: HttpRequest) -> Principal:
    """Like ``principal_or_none``, but a person without an organization sees 404 (there is nothing of theirs)."""
    principal = principal_or_none(request)
    if principal is None:
        raise Http404("no organization")
    return principal


def attempt(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Run a service call; show its refusal (a DomainError) or ``success`` to the person, and say which it was."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True
