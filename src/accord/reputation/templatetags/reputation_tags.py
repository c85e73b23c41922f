"""``{% trust_card org_id %}``: an organization's trust score with its explanation, for profiles, offers and matching
(``by_profile=True`` when the page knows a creator by its profile id, as matching does)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from accord.accounts.pages import principal_or_none
from accord.core.errors import NotFound
from accord.reputation import figures, tiers

register = template.Library()


@register.inclusion_tag("reputation/_trust.html", takes_context=True)
def trust_card(context: dict[str, Any], org_id: int, by_profile: bool = False) -> dict[str, Any]:
    if by_profile:
        from accord.creators.models import CreatorProfile

        found = CreatorProfile.objects.filter(pk=org_id).values_list("organization_id", flat=True).first()
        if found is None:
            return {"trust": None}
        org_id = found
    try:
        trust = figures.figures(int(org_id)).as_dict()
    except NotFound:
        return {"trust": None}
    request = context.get("request")
    viewer = principal_or_none(request) if request is not None and request.user.is_authenticated else None
    rates = viewer is not None and trust["kind"] == "creator" and tiers.may_see_rates(viewer.org_id, int(org_id))
    return {"trust": trust, "rates_url": reverse("reputation:creator_rates", args=[org_id]) if rates else None}
