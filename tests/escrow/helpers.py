"""Escrow test helpers: real organizations, campaigns and principals; no mocks of our own code."""

from __future__ import annotations

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.accounts.services import create_operator
from accord.campaigns.models import Campaign
from tests.conftest import make_org


def brand_principal(org: Organization | None = None, role: str = Role.OWNER) -> Principal:
    if org is None:
        org, owner = make_org(Organization.Kind.BRAND)
        return Principal(organization=org, role=role, user=owner)
    return Principal(organization=org, role=role, user=org.memberships.first().user)  # type: ignore[union-attr]


def operator_principal() -> Principal:
    user = create_operator(email="ops@accord.test", password="operator-password-1")
    org = Organization.objects.get(kind=Organization.Kind.OPERATOR)
    return Principal(organization=org, role=Role.OWNER, user=user)


def creator_org() -> Organization:
    org, _ = make_org(Organization.Kind.CREATOR)
    return org


def campaign_for(brand: Organization, currency: str = "EUR") -> Campaign:
    return Campaign.objects.create(brand=brand, name=f"Campaign of {brand.name}", currency=currency, budget=1_000_000)
