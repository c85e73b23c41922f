from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord.accounts.auth import SESSION_ORG
from accord.accounts.models import Membership


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's organizations and the one they act for, for the header of every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(Membership.objects.select_related("organization").filter(user=user).order_by("id"))
    active_id = request.session.get(SESSION_ORG)
    active = next((m for m in memberships if m.organization_id == active_id), memberships[0] if memberships else None)
    return {
        "memberships": memberships,
        "active_membership": active,
        "active_org": active.organization if active else None,
    }
