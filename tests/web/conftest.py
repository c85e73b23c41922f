"""Hand-built worlds for the dashboards: a brand with a running collaboration, its creator, and an operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role, User
from accord.accounts.services import create_operator
from accord.contracts import services as contracts
from accord.contracts.models import Contract, Milestone
from accord.core import clock
from accord.incentives.spend import scan_spend
from accord.tracking import services as tracking
from accord.tracking.models import TrackingLink
from tests.contracts.helpers import Deal, make_deal, signed_contract

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
CAPTION = "Nieuwe jas #advertentie"


@dataclass
class World:
    deal: Deal
    contract: Contract
    concept: Milestone
    publish: Milestone
    link: TrackingLink


def ingest(deal: Deal, link: TrackingLink, *events: dict[str, Any]) -> None:
    batch = [
        {"id": f"ev-{link.pk}-{n}", "link": link.code, **e, "occurred_at": e["occurred_at"].isoformat()}
        for n, e in enumerate(events)
    ]
    result = tracking.ingest_events(deal.brand_as(), batch)
    assert not result.errors, result.errors


def build_world() -> World:
    """Deposit 10,000.00 of a 20,000.00 budget; concept (500.00) released, publish (1,000.00) submitted and held;
    tracked traffic on two days."""
    clock.set_now(NOW - timedelta(days=3))
    deal = make_deal(deposit=1_000_000)
    contract = signed_contract(deal)
    concept = contract.milestones.get(key="concept")
    publish = contract.milestones.get(key="publish")
    contracts.fund_milestone(deal.brand_as(), concept.pk, key=f"fund-c-{contract.pk}")
    contracts.fund_milestone(deal.brand_as(), publish.pk, key=f"fund-p-{contract.pk}")
    contracts.submit(deal.creator_as(), concept.pk, post_url="https://instagram.com/p/a", caption=CAPTION)
    contracts.approve(deal.brand_as(), concept.pk, key=f"approve-c-{contract.pk}")
    clock.set_now(NOW - timedelta(days=1))
    contracts.submit(deal.creator_as(), publish.pk, post_url="https://instagram.com/p/b", caption=CAPTION)
    link = tracking.create_link(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_id=deal.creator.pk, destination="https://shop.test/x"
    )
    day1, day2 = NOW - timedelta(days=2), NOW - timedelta(days=1)
    ingest(
        deal,
        link,
        {"type": "click", "quantity": 40, "occurred_at": day1},
        {"type": "view", "quantity": 1_000, "occurred_at": day1},
        {"type": "click", "quantity": 60, "occurred_at": day2},
        {"type": "view", "quantity": 3_000, "occurred_at": day2},
        {"type": "conversion", "amount": 120_000, "currency": "EUR", "order_id": "o-1", "occurred_at": day2},
        {"type": "conversion", "amount": 80_000, "currency": "EUR", "order_id": "o-2", "occurred_at": day2},
    )
    scan_spend()  # what the incentives follower does after every ledger commit: the release becomes rollup spend
    clock.set_now(NOW)
    concept.refresh_from_db()
    publish.refresh_from_db()
    return World(deal, contract, concept, publish, link)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def operator(db: None) -> tuple[Organization, User]:
    user = create_operator(email="ops@accord.test", password="operator-password-1")
    return Organization.objects.get(kind=Organization.Kind.OPERATOR), user


def principal(org: Organization, user: User, role: str = Role.OWNER) -> Principal:
    return Principal(organization=org, role=role, user=user)
