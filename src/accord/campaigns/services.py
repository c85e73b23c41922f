"""Campaign services: create, edit the brief, and move through the lifecycle (draft → open → active → completed |
cancelled). Each is one transaction, checks the caller's organization and role, audits, and publishes an event.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.campaigns.models import BrandCategory, Campaign
from accord.campaigns.states import CAMPAIGN, EDITABLE
from accord.core import clock
from accord.core.errors import Conflict, IllegalTransition, ValidationFailed
from accord.core.money import CURRENCIES
from accord.core.tenancy import get_scoped, scoped
from accord.creators import taxonomy

EDITABLE_FIELDS = (
    "name",
    "goals",
    "key_messages",
    "dos",
    "donts",
    "description",
    "deliverables_wanted",
    "platforms",
    "starts_on",
    "ends_on",
    "budget",
    "currency",
    "target",
    "brand_categories",
    "open_for_applications",
)
TARGET_KEYS = {
    "age_bands": taxonomy.AGE_BANDS,
    "genders": taxonomy.GENDERS,
    "countries": taxonomy.COUNTRIES,
    "interests": taxonomy.INTERESTS,
    "languages": taxonomy.LANGUAGES,
}
# Contract statuses (accord.contracts) that keep a campaign from being completed or cancelled.
LIVE_CONTRACTS = ("draft", "offered", "countered", "signed", "active")
EVENTS = {
    "open": "campaign.opened",
    "activate": "campaign.activated",
    "complete": "campaign.completed",
    "cancel": "campaign.cancelled",
}


def publish(event_type: str, campaign: Campaign, actor_label: str, data: dict[str, Any] | None = None) -> None:
    """The one place campaigns announce a change (messaging thread, notifications, webhooks)."""
    from accord.messaging import events

    events.publish(
        event_type,
        subject=f"campaign:{campaign.pk}",
        organization_ids=[campaign.brand_id],
        actor_label=actor_label,
        data={"campaign_id": campaign.pk, "title": campaign.name, "status": campaign.status, **(data or {})},
    )


def _validate(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    unknown = set(fields) - set(EDITABLE_FIELDS)
    for name in unknown:
        errors[name] = "not an editable field"
    if "name" in fields and not str(fields["name"] or "").strip():
        errors["name"] = "a campaign needs a name"
    if "budget" in fields and (type(fields["budget"]) is not int or fields["budget"] < 0):
        errors["budget"] = "budget is a non-negative integer of minor units"
    if "currency" in fields and fields["currency"] not in CURRENCIES:
        errors["currency"] = "unsupported currency"
    if "brand_categories" in fields:
        bad = [c for c in fields["brand_categories"] or [] if c not in BrandCategory.values]
        if bad:
            errors["brand_categories"] = f"unknown categories: {', '.join(map(str, bad))}"
    if "platforms" in fields:
        bad = [p for p in fields["platforms"] or [] if p not in taxonomy.PLATFORMS]
        if bad:
            errors["platforms"] = f"unknown platforms: {', '.join(map(str, bad))}"
    if "target" in fields:
        target = fields["target"] or {}
        if not isinstance(target, dict):
            errors["target"] = "target is an object of lists"
        else:
            for key, values in target.items():
                allowed = TARGET_KEYS.get(key)
                if allowed is None:
                    errors[f"target.{key}"] = f"unknown dimension; one of {', '.join(TARGET_KEYS)}"
                elif not isinstance(values, list) or any(v not in allowed for v in values):
                    errors[f"target.{key}"] = "unknown values"
    starts, ends = fields.get("starts_on"), fields.get("ends_on")
    if starts and ends and starts > ends:
        errors["ends_on"] = "the campaign ends before it starts"
    if errors:
        raise ValidationFailed(gettext("the campaign is not valid"), fields=errors)
    return fields


def create_campaign(actor: Principal, **fields: Any) -> Campaign:
    actor.require_kind(Organization.Kind.BRAND)
    actor.require(Role.MEMBER)
    fields.setdefault("currency", actor.organization.default_currency or "EUR")
    _validate(fields)
    with transaction.atomic():
        campaign = Campaign.objects.create(brand=actor.organization, status_changed_at=clock.now(), **fields)
        actor.audit("campaign.created", "campaign", campaign.pk, {"name": campaign.name})
        return campaign


def get_campaign(actor: Principal, campaign_id: int) -> Campaign:
    return get_scoped(Campaign.objects.all(), actor.org_id, "brand", pk=campaign_id)


def list_campaigns(actor: Principal) -> Any:
    return scoped(Campaign.objects.all(), actor.org_id, "brand").order_by("id")


def open_campaigns() -> Any:
    """Campaigns any creator may see and apply to: open, and open for applications."""
    return Campaign.objects.filter(status=Campaign.Status.OPEN, open_for_applications=True).select_related("brand")


def update_campaign(actor: Principal, campaign_id: int, **fields: Any) -> Campaign:
    actor.require(Role.MEMBER)
    _validate(fields)
    with transaction.atomic():
        campaign = get_scoped(Campaign.objects.select_for_update(), actor.org_id, "brand", pk=campaign_id)
        if campaign.status not in EDITABLE:
            raise IllegalTransition("campaign", campaign.status, "edit the brief")
        if "currency" in fields and fields["currency"] != campaign.currency and campaign.contracts.exists():
            raise ValidationFailed(gettext("the currency is fixed once offers exist"), fields={"currency": "locked"})
        for name, value in fields.items():
            setattr(campaign, name, value)
        campaign.save()
        actor.audit("campaign.updated", "campaign", campaign.pk, {"fields": sorted(fields)})
        return campaign


def transition(actor: Principal, campaign_id: int, action: str) -> Campaign:
    """Apply a lifecycle action (open, activate, complete, cancel); anything else is an illegal transition."""
    actor.require(Role.MEMBER)
    with transaction.atomic():
        campaign = get_scoped(Campaign.objects.select_for_update(), actor.org_id, "brand", pk=campaign_id)
        new = CAMPAIGN.next(campaign.status, action)
        if action == "open" and not campaign.name.strip():
            raise ValidationFailed(gettext("a campaign needs a name before it opens"), fields={"name": "required"})
        if action in ("complete", "cancel"):
            live = list(
                campaign.contracts.filter(status__in=LIVE_CONTRACTS).order_by("id").values_list("id", flat=True)[:20]
            )
            if live:
                raise Conflict(
                    gettext(
                        "contracts %(contracts)s are still open: finish, terminate or withdraw them before you "
                        "%(action)s the campaign"
                    )
                    % {"contracts": ", ".join(f"#{i}" for i in live), "action": action},
                    code="contracts_open",
                    fields={"contracts": live},
                )
        old, campaign.status, campaign.status_changed_at = campaign.status, new, clock.now()
        campaign.save(update_fields=["status", "status_changed_at"])
        actor.audit(f"campaign.{action}", "campaign", campaign.pk, {"from": old, "to": new})
        publish(EVENTS[action], campaign, actor.label, {"from": old})
        return campaign


def delete_campaign(actor: Principal, campaign_id: int) -> None:
    """Delete a draft campaign that never had an offer or application; anything else stays (cancel it instead)."""
    actor.require(Role.MEMBER)
    with transaction.atomic():
        campaign = get_scoped(Campaign.objects.select_for_update(), actor.org_id, "brand", pk=campaign_id)
        if campaign.status != Campaign.Status.DRAFT:
            raise IllegalTransition("campaign", campaign.status, "delete (cancel it instead)")
        if campaign.contracts.exists():
            raise Conflict(
                gettext("offers were made for this campaign: cancel it instead"), code="campaign_has_contracts"
            )
        actor.audit("campaign.deleted", "campaign", campaign.pk, {"name": campaign.name})
        campaign.delete()
