"""Accrual into the ledger: incremental, idempotent, bounded by caps and escrow, refunds clawed back with evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.escrow.models import Accrual
from accord.incentives import services
from accord.incentives.models import Booking, Dirty, Position, State
from accord.ledger import services as ledger
from accord.ledger.verify import verify
from tests.incentives.helpers import collaboration, ingest, refund, sale

pytestmark = pytest.mark.django_db

REV10 = {"kind": "revenue_share", "id": "rev", "percent": "10"}


def pending(org_id: int) -> int:
    return ledger.balances(ledger.creator_pending_code(org_id), "EUR").balance


def test_accrues_revenue_share_once_and_explains_it() -> None:
    deal, contract, link = collaboration(REV10)
    ingest(deal, link, sale(12_345), sale(10_000))
    first = services.accrue_contract(contract.pk)
    assert first.accrued == 2_234  # 10 % of 22,345 = 2,234.5, rounded half-even once
    again = services.accrue_contract(contract.pk)
    assert again.accrued == 0 and again.bookings == []
    assert pending(deal.creator.pk) == 2_234
    booking = Booking.objects.get(contract=contract)
    assert booking.kind == "accrual" and booking.kpi == "revenue_net" and booking.kpi_value == 22_345
    assert booking.evidence["query"]["fact_types"] == ["conversion", "refund"]
    assert booking.transaction.idempotency_key == f"escrow:accrue:incentives:{contract.pk}:rev:all:1"
    facts = services.facts_behind(booking)
    assert sorted(f["amount"] for f in facts) == [10_000, 12_345]
    assert booking.escrow_accrual.status == Accrual.Status.PENDING
    assert verify() == []


def test_incremental_books_only_the_difference() -> None:
    deal, contract, link = collaboration(REV10)
    ingest(deal, link, sale(10_000))
    services.accrue_contract(contract.pk)
    ingest(deal, link, sale(5_000))
    out = services.accrue_contract(contract.pk)
    assert out.accrued == 500
    assert [b.amount for b in Booking.objects.filter(contract=contract).order_by("seq")] == [1_000, 500]
    assert pending(deal.creator.pk) == 1_500


def test_refund_claws_back_to_what_the_net_order_earns() -> None:
    deal, contract, link = collaboration(REV10)
    ingest(deal, link, sale(10_000), sale(20_000))
    services.accrue_contract(contract.pk)
    ingest(deal, link, refund(4_000, order_id="o-1"))
    out = services.accrue_contract(contract.pk)
    assert out.clawed_back == 400
    claw = Booking.objects.get(contract=contract, kind="clawback")
    assert claw.reason == "refund" and claw.amount == -400
    assert claw.evidence["refunds"]["refund_events"]
    assert pending(deal.creator.pk) == 2_600 == round((30_000 - 4_000) * 0.10)
    assert verify() == []


def test_clawback_cap_and_lock_window() -> None:
    deal, contract, link = collaboration(REV10)
    ingest(deal, link, sale(10_000))
    services.accrue_contract(contract.pk)
    from tests.escrow.helpers import operator_principal

    services.set_clawback_cap(operator_principal(), contract_id=contract.pk, cap=300)
    ingest(deal, link, refund(10_000))
    out = services.accrue_contract(contract.pk)
    assert out.clawed_back == 300 and out.unrecovered == 700
    position = Position.objects.get(contract=contract)
    assert position.status == Position.Status.UNRECOVERED
    # New sales are offset against the unrecovered 700 first.
    ingest(deal, link, sale(5_000))
    out = services.accrue_contract(contract.pk)
    assert out.accrued == 0 and pending(deal.creator.pk) == 700


def test_no_clawback_after_the_lock_window() -> None:
    from accord.core import clock

    deal, contract, link = collaboration(REV10, lock_days=7)
    ingest(deal, link, sale(10_000))
    services.accrue_contract(contract.pk)
    clock.advance(timedelta(days=8))
    ingest(deal, link, refund(10_000))
    out = services.accrue_contract(contract.pk)
    assert out.clawed_back == 0 and out.unrecovered == 1_000
    assert not Booking.objects.filter(kind="clawback").exists()


def test_insufficient_escrow_waits_and_asks_for_a_topup() -> None:
    from accord.accounts.models import Role
    from accord.messaging.models import Message, Notification
    from tests.conftest import client_for

    deal, contract, link = collaboration(REV10)
    available = ledger.balances(ledger.escrow_code(deal.campaign.pk), "EUR").available
    ingest(deal, link, sale(available * 10 + 50_000))
    out = services.accrue_contract(contract.pk)
    assert out.accrued == available and out.awaiting == 5_000
    state = State.objects.get(contract=contract)
    assert state.status == "awaiting_funds" and state.awaiting == 5_000
    assert Message.objects.filter(thread__subject=contract.subject).exists()
    assert ledger.balances(ledger.escrow_code(deal.campaign.pk), "EUR").available == 0
    assert verify() == []
    # The brand's members are notified with the missing amount; the creator sees the same waiting amount.
    asked = Notification.objects.filter(event_type="incentives.topup_needed", user=deal.brand_users[Role.OWNER])
    assert [(n.data["missing"], n.data["currency"]) for n in asked] == [(5_000, "EUR")]
    assert asked[0].title.startswith("Earned commission waits for an escrow top-up")
    for user, org in ((deal.brand_users[Role.VIEWER], deal.brand), (deal.creator_users[Role.OWNER], deal.creator)):
        panel = client_for(user, org).get(f"/incentives/c/{contract.pk}/live/").content.decode()
        assert "Awaiting escrow top-up" in panel and "€50.00" in panel
    services.accrue_contract(contract.pk)
    assert asked.count() == 1  # asked once a day while it waits, not on every evaluation


def test_caps_and_spend_limits_bound_accrual() -> None:
    rule = {"kind": "cpa", "id": "cpa", "rate": "1000", "cap": 4_500, "spend_limit": {"amount": 3_000, "period": "day"}}
    deal, contract, link = collaboration(rule)
    ingest(deal, link, *[sale(100) for _ in range(4)])
    out = services.accrue_contract(contract.pk)
    assert out.accrued == 3_000  # spend limit per day
    from accord.core import clock

    clock.advance(timedelta(days=1))
    ingest(deal, link, *[sale(100) for _ in range(4)])
    out = services.accrue_contract(contract.pk)
    assert out.accrued == 1_500  # lifetime cap 4,500
    assert pending(deal.creator.pk) == 4_500


def test_change_feed_marks_and_books() -> None:
    deal, contract, link = collaboration(REV10)
    services.scan_changes()
    services.process_dirty()
    ingest(deal, link, sale(10_000))
    assert services.scan_changes() == 1
    assert Dirty.objects.filter(contract=contract).exists()
    outcomes = services.process_dirty()
    assert [o.accrued for o in outcomes] == [1_000]
    assert services.run_once() == []
