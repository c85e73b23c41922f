"""Campaigns' part of an organization's export: the brand's own campaigns."""

from __future__ import annotations

from typing import Any

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import rows
from accord.campaigns.models import Campaign


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    return {"campaigns": rows(Campaign.objects.filter(brand=org))}
