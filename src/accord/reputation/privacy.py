"""Reputation's part of an organization's export: its commitments, tier and tier history."""

from __future__ import annotations

from typing import Any

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import rows
from accord.reputation.models import Commitment, ContractBenefits, CreatorTier, TierChange


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    return {
        "commitments": rows(Commitment.objects.filter(owner_org=org)),
        "tier": rows(CreatorTier.objects.filter(organization=org)),
        "tier_changes": rows(TierChange.objects.filter(organization=org)),
        "contract_benefits": rows(ContractBenefits.objects.filter(creator=org)),
    }
