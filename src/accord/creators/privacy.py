"""Creators' part of an organization's export and erasure: the profile, channels and rate card. Erasure removes
them, which also takes the creator out of discovery and matching."""

from __future__ import annotations

from typing import Any

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import rows
from accord.creators.models import Channel, CreatorProfile, RateCardItem


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    return {
        "profile": rows(CreatorProfile.objects.filter(organization=org)),
        "channels": rows(Channel.objects.filter(organization=org)),
        "rates": rows(RateCardItem.objects.filter(organization=org)),
    }


def erase(org: Organization) -> None:
    CreatorProfile.objects.filter(organization=org).delete()
