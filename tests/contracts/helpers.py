"""Building blocks for contract tests: a brand with an open campaign and funded escrow, a creator, principals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role, User
from accord.campaigns import services as campaigns
from accord.campaigns.models import Campaign
from accord.contracts import services
from accord.contracts.models import Contract
from accord.contracts.terms import example_terms
from accord.core import clock
from accord.creators.models import CreatorProfile
from accord.escrow import services as escrow
from tests.conftest import make_team


@dataclass
class Deal:
    brand: Organization
    brand_users: dict[str, User]
    creator: Organization
    creator_users: dict[str, User]
    campaign: Campaign

    def brand_as(self, role: str = Role.OWNER) -> Principal:
        return Principal(organization=self.brand, role=role, user=self.brand_users[role])

    def creator_as(self, role: str = Role.OWNER) -> Principal:
        return Principal(organization=self.creator, role=role, user=self.creator_users[role])


def make_deal(*, deposit: int = 1_000_000, no_go: list[str] | None = None, categories: list[str] | None = None) -> Deal:
    brand_team = make_team(Organization.Kind.BRAND)
    creator_team = make_team(Organization.Kind.CREATOR)
    creator = creator_team.org
    creator.country = "NL"
    creator.save(update_fields=["country"])
    CreatorProfile.objects.create(
        organization=creator, display_name=f"Creator {creator.pk}", no_go_categories=no_go or []
    )
    owner = Principal(organization=brand_team.org, role=Role.OWNER, user=brand_team.users[Role.OWNER])
    campaign = campaigns.create_campaign(
        owner,
        name="Spring launch",
        currency="EUR",
        budget=2_000_000,
        description="Hiking gear for the spring.",
        brand_categories=categories or [],
        open_for_applications=True,
    )
    campaigns.transition(owner, campaign.pk, "open")
    if deposit:
        dep = escrow.start_deposit(owner, campaign_id=campaign.pk, amount=deposit, key=f"dep-{campaign.pk}")
        escrow.confirm_deposit(None, deposit_id=dep.pk)
    return Deal(brand_team.org, brand_team.users, creator, creator_team.users, campaign)


def terms(**changes: Any) -> dict[str, Any]:
    data = example_terms("EUR", clock.today())
    data.update(changes)
    return data


def hourly_terms(rate: int = 6_000, cap: int = 30_000) -> dict[str, Any]:
    data = example_terms("EUR", clock.today())
    data["payment"] = {"kind": "hourly", "rate": rate, "cap": cap, "budget_due_on": clock.today().isoformat()}
    return data


def signed_contract(deal: Deal, data: dict[str, Any] | None = None) -> Contract:
    contract = services.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=data or terms()
    )
    services.sign(deal.brand_as(), contract.pk, typed_name="Bea Brand", version_number=1, ip="203.0.113.7")
    services.sign(deal.creator_as(), contract.pk, typed_name="Cas Creator", version_number=1, ip="198.51.100.9")
    contract.refresh_from_db()
    return contract


def days(n: int) -> timedelta:
    return timedelta(days=n)


def today_plus(n: int) -> date:
    return clock.today() + timedelta(days=n)
