"""``{% trust_card org_id %}``: an organization's trust score with its explanation, for profiles, offers and matching
(``by_profile=True`` when the page knows a creator by its profile id, as matching does)."""

from __future__ import annotations

from typing import Any

from django import template

from accord.core.errors import NotFound
from accord.reputation import figures

register = template.Library()


@register.inclusion_tag("reputation/_trust.html")
def trust_card(org_id: int, by_profile: bool = False) -> dict[str, Any]:
    if by_profile:
        from accord.creators.models import CreatorProfile

        found = CreatorProfile.objects.filter(pk=org_id).values_list("organization_id", flat=True).first()
        if found is None:
            return {"trust": None}
        org_id = found
    try:
        return {"trust": figures.figures(int(org_id)).as_dict()}
    except NotFound:
        return {"trust": None}
