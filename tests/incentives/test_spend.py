"""Spend in the rollups: accruals and releases add, clawbacks subtract, each ledger transaction exactly once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accord.contracts import services as contracts
from accord.incentives import services, spend
from accord.incentives.models import Cursor, Spend
from accord.ledger.models import Transaction
from accord.tracking import kpis
from accord.tracking.models import Rollup
from tests.incentives.follower import follow_once
from tests.incentives.helpers import collaboration, ingest, refund, sale

pytestmark = pytest.mark.django_db

REV10 = {"kind": "revenue_share", "id": "rev", "percent": "10"}


def spend_of(dimension: str, key: str, granularity: str = "day") -> int:
    rows = Rollup.objects.filter(dimension=dimension, key=key, granularity=granularity)
    return sum(rows.values_list("spend", flat=True))


def test_accruals_add_and_clawbacks_subtract_in_every_dimension() -> None:
    deal, contract, link = collaboration(REV10)
    ingest(deal, link, sale(10_000), sale(20_000))
    follow_once()
    mine = f"contract:{contract.pk}"
    assert link.collaboration == mine  # made while the pair has this one contract: made for it
    keys = {"campaign": str(deal.campaign.pk), "creator": str(deal.creator.pk), "collaboration": mine}
    for dimension, key in keys.items():
        assert spend_of(dimension, key, "day") == spend_of(dimension, key, "hour") == 3_000
    ingest(deal, link, refund(4_000))
    follow_once()
    assert spend_of("collaboration", mine) == 2_600
    assert sorted(Spend.objects.values_list("kind", "amount")) == [("accrual", 3_000), ("clawback", -400)]
    assert all(s.contract_id == contract.pk and s.collaboration == mine for s in Spend.objects.all())
    follow_once()
    assert spend.scan_spend() == 0 and spend_of("collaboration", mine) == 2_600  # counted once


def test_milestone_release_counts_gross_under_the_contract_tag() -> None:
    deal, contract, _ = collaboration(REV10)
    from accord.tracking import services as tracking

    tracking.create_link(
        deal.brand_as(),
        campaign_id=deal.campaign.pk,
        creator_id=deal.creator.pk,
        destination="https://shop.example/y",
        collaboration=f"contract:{contract.pk}",
    )
    concept = contract.milestones.get(key="concept")
    contracts.fund_milestone(deal.brand_as(), concept.pk, key="fund")
    contracts.submit(deal.creator_as(), concept.pk, post_url="https://instagram.com/p/x", caption="Jas #advertentie")
    contracts.approve(deal.brand_as(), concept.pk, key="approve")
    assert spend.scan_spend() == 1
    row = Spend.objects.get()
    assert (row.kind, row.amount, row.contract_id) == ("release", concept.amount, contract.pk)
    assert spend_of("collaboration", f"contract:{contract.pk}") == concept.amount  # the fee included
    assert spend_of("campaign", str(deal.campaign.pk)) == concept.amount


def test_a_transaction_committed_behind_the_cursor_is_still_counted() -> None:
    deal, contract, link = collaboration(REV10)
    ingest(deal, link, sale(10_000))
    services.accrue_contract(contract.pk)
    newest = Transaction.objects.order_by("-pk").values_list("pk", flat=True)[0]
    Cursor.objects.update_or_create(name=spend.CURSOR, defaults={"last_id": newest + 10})
    assert spend.scan_spend() == 1
    assert spend_of("campaign", str(deal.campaign.pk)) == 1_000


def test_the_sweep_counts_spend_committed_far_behind_the_cursor() -> None:
    deal, contract, link = collaboration(REV10)
    ingest(deal, link, sale(10_000))
    services.accrue_contract(contract.pk)
    newest = Transaction.objects.order_by("-pk").values_list("pk", flat=True)[0]
    Cursor.objects.update_or_create(name=spend.CURSOR, defaults={"last_id": newest + spend.LOOKBACK + 5})
    assert spend.scan_spend() == 0  # beyond the follower's short look-back
    services.sweep()
    assert spend_of("campaign", str(deal.campaign.pk)) == 1_000


def test_dashboard_kpis_from_rollups_with_spend() -> None:
    deal, _contract, link = collaboration({"kind": "cpa", "id": "cpa", "rate": "1000"})
    ingest(deal, link, {"type": "view", "quantity": 40_000}, sale(9_000), sale(6_000))
    follow_once()
    rows = Rollup.objects.filter(dimension="campaign", key=str(deal.campaign.pk), granularity="hour")
    derived = kpis.kpis(kpis.Totals.sum(rows))
    assert (derived.cpa, derived.roas, derived.cpm) == (Decimal("1000.00"), Decimal("7.5000"), Decimal("50.00"))
