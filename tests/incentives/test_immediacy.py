"""Re-accrual at once: a milestone approval, a cleared fraud flag, an escrow top-up and a new post-metric snapshot
mark their collaboration dirty in their own transaction, so one pass of the follower books them (no sweep)."""

from __future__ import annotations

import pytest

from accord.contracts import services as contracts
from accord.escrow import services as escrow
from accord.incentives.models import Booking, Dirty, State
from accord.ledger.verify import verify
from accord.tracking import services as tracking
from accord.tracking.models import FraudFlag
from tests.escrow.helpers import operator_principal
from tests.incentives.follower import follow_once
from tests.incentives.helpers import collaboration, ingest, sale

pytestmark = pytest.mark.django_db

REV10 = {"kind": "revenue_share", "id": "rev", "percent": "10"}


def booked(contract_id: int) -> int:
    return sum(Booking.objects.filter(contract_id=contract_id).values_list("amount", flat=True))


def test_milestone_approval_accrues_its_flat_fee_in_one_pass() -> None:
    deal, contract, _link = collaboration({"kind": "flat", "id": "fee", "amount": 7_500, "milestones": ["concept"]})
    follow_once()
    assert booked(contract.pk) == 0 and not Dirty.objects.exists()
    concept = contract.milestones.get(key="concept")
    contracts.fund_milestone(deal.brand_as(), concept.pk, key="fund")
    contracts.submit(deal.creator_as(), concept.pk, post_url="https://instagram.com/p/x", caption="Jas #advertentie")
    assert not Dirty.objects.exists()  # funding and submitting earn nothing yet
    contracts.approve(deal.brand_as(), concept.pk, key="approve")
    assert Dirty.objects.filter(contract=contract).exists()  # committed with the approval itself
    follow_once()
    assert booked(contract.pk) == 7_500
    assert verify() == []


def test_cleared_fraud_flag_accrues_in_one_pass() -> None:
    deal, contract, link = collaboration(REV10)
    ingest(deal, link, sale(10_000), sale(50_000, click_id="nosuchclick"))
    follow_once()
    state = State.objects.get(contract=contract)
    assert (booked(contract.pk), state.on_hold) == (1_000, 5_000)
    follow_once()
    assert not Dirty.objects.exists()
    flag = FraudFlag.objects.get(rule="no_click")
    tracking.clear_flag(operator_principal(), flag.pk, note="the shop confirmed the order")
    assert Dirty.objects.filter(contract=contract).exists()
    follow_once()
    state.refresh_from_db()
    assert (booked(contract.pk), state.on_hold) == (6_000, 0)


def test_escrow_top_up_books_the_waiting_accrual_in_one_pass() -> None:
    deal, contract, link = collaboration(REV10, deposit=3_000)
    ingest(deal, link, sale(50_000))
    follow_once()
    assert State.objects.get(contract=contract).awaiting == 2_000
    follow_once()
    assert not Dirty.objects.exists()
    deposit = escrow.start_deposit(deal.brand_as(), campaign_id=deal.campaign.pk, amount=10_000, key="top-up")
    assert not Dirty.objects.exists()  # a deposit that has not arrived changes nothing
    escrow.confirm_deposit(None, deposit_id=deposit.pk)
    assert Dirty.objects.filter(contract=contract).exists()
    follow_once()
    state = State.objects.get(contract=contract)
    assert (state.status, state.awaiting, booked(contract.pk)) == ("ok", 0, 5_000)


def test_new_snapshot_accrues_views_in_one_pass() -> None:
    deal, contract, _link = collaboration({"kind": "cpm", "id": "cpm", "rate": "500"})
    follow_once()

    def snapshot(post: str, views: int) -> None:
        data = tracking.SnapshotIn(
            campaign_id=deal.campaign.pk, creator_id=deal.creator.pk, platform="instagram", post_id=post, views=views
        )
        tracking.record_snapshot(deal.brand_as(), data)

    snapshot("p1", 40_000)
    assert Dirty.objects.filter(contract=contract).exists()
    follow_once()
    assert booked(contract.pk) == 20_000  # 40 thousand views at 5.00 per thousand
    snapshot("p1", 60_000)
    follow_once()
    assert booked(contract.pk) == 30_000


def test_timesheet_approval_accrues_hours_and_counts_the_release_as_spend_in_one_pass() -> None:
    from accord.core import clock
    from accord.incentives.models import Spend
    from tests.contracts.helpers import hourly_terms, make_deal, signed_contract
    from tests.incentives.helpers import comp

    deal = make_deal()
    data = hourly_terms(rate=6_000, cap=30_000)
    data["compensation"] = comp({"kind": "hourly", "id": "bonus", "rate": "1000"})
    contract = signed_contract(deal, data)
    budget = contract.milestones.get()
    contracts.fund_milestone(deal.brand_as(), budget.pk, key="budget")
    contracts.log_time(deal.creator_as(), contract.pk, work_date=clock.today(), minutes=180, note="Shoot")
    sheet = contract.timesheets.get()
    contracts.submit_timesheet(deal.creator_as(), sheet.pk)
    follow_once()
    assert booked(contract.pk) == 0 and not Dirty.objects.exists()
    contracts.approve_timesheet(deal.brand_as(), sheet.pk, key="w1")
    assert Dirty.objects.filter(contract=contract).exists()
    follow_once()
    assert booked(contract.pk) == 3_000  # 3 approved hours × 10.00 bonus
    assert sorted(Spend.objects.filter(contract=contract).values_list("kind", "amount")) == [
        ("accrual", 3_000),
        ("release", 18_000),  # the hourly payment itself, gross
    ]
