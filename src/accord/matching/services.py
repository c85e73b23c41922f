"""State changes of matching: shortlists. One transaction each, audited. Brands only."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.core.errors import Conflict, NotFound, ValidationFailed
from accord.core.tenancy import get_scoped
from accord.creators.models import CreatorProfile
from accord.matching.models import Shortlist, ShortlistEntry
from accord.matching.scoring import values_conflicts


def _brand(principal: Principal, minimum: str = Role.MEMBER) -> None:
    principal.require_kind(Organization.Kind.BRAND)
    principal.require(minimum)


def _campaign(principal: Principal, campaign_id: int | None) -> Campaign | None:
    if campaign_id is None:
        return None
    return get_scoped(Campaign.objects.all(), principal.org_id, field="brand", pk=campaign_id)


def create_shortlist(principal: Principal, *, name: str, campaign_id: int | None = None) -> Shortlist:
    _brand(principal)
    name = name.strip()
    if not name:
        raise ValidationFailed(gettext("a shortlist needs a name"), fields={"name": "required"})
    with transaction.atomic():
        shortlist = Shortlist.objects.create(
            organization_id=principal.org_id,
            campaign=_campaign(principal, campaign_id),
            name=name[:200],
            created_by=principal.user,
        )
        principal.audit("shortlist.created", "shortlist", shortlist.pk, {"name": shortlist.name})
    return shortlist


def update_shortlist(
    principal: Principal, shortlist_id: int, *, name: str | None = None, campaign_id: int | None = None
) -> Shortlist:
    _brand(principal)
    with transaction.atomic():
        shortlist = get_scoped(Shortlist.objects.select_for_update(), principal.org_id, pk=shortlist_id)
        if name is not None:
            if not name.strip():
                raise ValidationFailed(gettext("a shortlist needs a name"), fields={"name": "required"})
            shortlist.name = name.strip()[:200]
        if campaign_id is not None:
            shortlist.campaign = _campaign(principal, campaign_id)
        shortlist.updated_at = clock.now()
        shortlist.save()
        principal.audit("shortlist.updated", "shortlist", shortlist.pk, {"name": shortlist.name})
    return shortlist


def delete_shortlist(principal: Principal, shortlist_id: int) -> None:
    _brand(principal)
    with transaction.atomic():
        shortlist = get_scoped(Shortlist.objects.select_for_update(), principal.org_id, pk=shortlist_id)
        principal.audit("shortlist.deleted", "shortlist", shortlist.pk, {"name": shortlist.name})
        shortlist.delete()


def add_creator(principal: Principal, shortlist_id: int, creator_id: int, *, note: str = "") -> ShortlistEntry:
    """Add a creator; refused (409 values_conflict) when they refuse one of the campaign's brand categories."""
    _brand(principal)
    with transaction.atomic():
        shortlist = get_scoped(
            Shortlist.objects.select_for_update(of=("self",)).select_related("campaign"),
            principal.org_id,
            pk=shortlist_id,
        )
        creator = CreatorProfile.objects.filter(pk=creator_id).first()
        if creator is None:
            raise NotFound(gettext("creator not found"))
        if shortlist.campaign is not None:
            conflicts = values_conflicts(creator.no_go_categories or [], shortlist.campaign.brand_categories or [])
            if conflicts:
                raise Conflict(
                    gettext("%(creator)s does not work with %(categories)s brands")
                    % {"creator": creator.display_name, "categories": ", ".join(conflicts)},
                    code="values_conflict",
                    fields={"brand_categories": conflicts},
                )
        if ShortlistEntry.objects.filter(shortlist=shortlist, creator=creator).exists():
            raise Conflict(gettext("this creator is already on the shortlist"), code="already_shortlisted")
        entry = ShortlistEntry.objects.create(shortlist=shortlist, creator=creator, note=note.strip()[:500])
        shortlist.updated_at = clock.now()
        shortlist.save(update_fields=["updated_at"])
        principal.audit("shortlist.creator_added", "shortlist", shortlist.pk, {"creator": creator.pk})
    return entry


def remove_creator(principal: Principal, shortlist_id: int, creator_id: int) -> None:
    _brand(principal)
    with transaction.atomic():
        shortlist = get_scoped(Shortlist.objects.select_for_update(), principal.org_id, pk=shortlist_id)
        deleted, _ = ShortlistEntry.objects.filter(shortlist=shortlist, creator_id=creator_id).delete()
        if not deleted:
            raise NotFound(gettext("this creator is not on the shortlist"))
        shortlist.updated_at = clock.now()
        shortlist.save(update_fields=["updated_at"])
        principal.audit("shortlist.creator_removed", "shortlist", shortlist.pk, {"creator": creator_id})
