"""Campaigns' part of an organization's export and erasure: the brand's own campaigns. Erasure cancels those still
running (no money is left in them by then: escrow balances block erasure) so creators no longer find or apply to
them; finished ones stay as the context of signed contracts."""

from __future__ import annotations

from typing import Any

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import rows
from accord.campaigns.models import Campaign

RUNNING = [Campaign.Status.DRAFT, Campaign.Status.OPEN, Campaign.Status.ACTIVE]


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    return {"campaigns": rows(Campaign.objects.filter(brand=org))}


def erase(org: Organization) -> None:
    Campaign.objects.filter(brand=org, status__in=RUNNING).update(
        status=Campaign.Status.CANCELLED, open_for_applications=False
    )
