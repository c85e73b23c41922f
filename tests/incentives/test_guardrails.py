"""Fraud holds, clawback guardrails, escrow top-ups, and concurrent accrual (PostgreSQL)."""

from __future__ import annotations

import html
import threading
from datetime import timedelta

import pytest
from django.db import connection

from accord.core import clock
from accord.core.errors import PermissionDenied, ValidationFailed
from accord.escrow import services as escrow
from accord.incentives import services
from accord.incentives.models import Booking, Position, State
from accord.ledger import services as ledger
from accord.ledger.verify import verify
from accord.tracking import services as tracking
from accord.tracking.models import Event, FraudFlag
from tests.escrow.helpers import operator_principal
from tests.incentives.helpers import collaboration, ingest, sale

REV10 = {"kind": "revenue_share", "id": "rev", "percent": "10"}


def _flag_event(external_id: str, contract: object) -> FraudFlag:
    event = Event.objects.get(external_id=external_id)
    return FraudFlag.objects.create(
        target_type=FraudFlag.Target.EVENT,
        target_id=event.pk,
        rule=FraudFlag.Rule.SELF_PURCHASE,
        reason="buyer e-mail hash matches the creator",
        campaign_id=event.campaign_id,
        creator_id=event.creator_id,
    )


@pytest.mark.django_db
def test_flagged_sale_is_on_hold_not_clawed_back_and_accrues_when_cleared() -> None:
    deal, contract, link = collaboration(REV10)
    # A conversion naming a click id that does not exist is flagged (no_click) and excluded at ingest.
    ingest(deal, link, sale(10_000), sale(50_000, click_id="nosuchclick"))
    out = services.accrue_contract(contract.pk)
    assert out.accrued == 1_000 and out.on_hold == 5_000 and out.clawed_back == 0
    position = Position.objects.get(contract=contract)
    assert position.on_hold == 5_000 and position.hold_reasons
    flag = FraudFlag.objects.get(rule="no_click")
    operator = operator_principal()
    from accord.accounts.models import Role

    assert operator.role == Role.OWNER
    tracking.clear_flag(operator, flag.pk, note="the shop confirmed the order")
    out = services.accrue_contract(contract.pk)
    assert out.accrued == 5_000 and out.on_hold == 0
    assert ledger.balances(ledger.creator_pending_code(deal.creator.pk), "EUR").balance == 6_000
    assert verify() == []


@pytest.mark.django_db
def test_fraud_clawback_needs_operator_flag_lock_window_and_respects_the_cap() -> None:
    deal, contract, link = collaboration(REV10, lock_days=7)
    ingest(deal, link, sale(10_000))
    booking = Booking.objects.get(pk=services.accrue_contract(contract.pk).bookings[0])
    with pytest.raises(PermissionDenied):
        services.claw_back_for_fraud(deal.brand_as(), booking_id=booking.pk, flag_id=0, key="k1")
    operator = operator_principal()
    with pytest.raises(ValidationFailed) as missing:
        services.claw_back_for_fraud(operator, booking_id=booking.pk, flag_id=999_999, key="k1")
    assert missing.value.code == "evidence_required"
    flag = _flag_event(Event.objects.get(campaign_id=deal.campaign.pk).external_id, contract)
    services.set_clawback_cap(operator, contract_id=contract.pk, cap=600)
    claw = services.claw_back_for_fraud(operator, booking_id=booking.pk, flag_id=flag.pk, key="k1")
    assert claw.amount == -600 and claw.reason == "fraud" and claw.evidence["fraud_flag"] == flag.pk
    again = services.claw_back_for_fraud(operator, booking_id=booking.pk, flag_id=flag.pk, key="k1")
    assert again.pk == claw.pk  # idempotent by key
    with pytest.raises(ValidationFailed) as capped:
        services.claw_back_for_fraud(operator, booking_id=booking.pk, flag_id=flag.pk, key="k2")
    assert capped.value.code == "clawback_cap_reached"
    services.set_clawback_cap(operator, contract_id=contract.pk, cap=None)
    clock.advance(timedelta(days=8))
    try:
        with pytest.raises(ValidationFailed) as late:
            services.claw_back_for_fraud(operator, booking_id=booking.pk, flag_id=flag.pk, key="k3")
        assert late.value.code == "lock_ended"
    finally:
        clock.set_now(None)
    assert ledger.balances(ledger.creator_pending_code(deal.creator.pk), "EUR").balance == 400
    assert verify() == []


@pytest.mark.django_db
def test_awaiting_funds_is_booked_after_a_top_up_through_the_feed() -> None:
    deal, contract, link = collaboration(REV10, deposit=3_000)
    ingest(deal, link, sale(50_000))
    services.run_once()
    state = State.objects.get(contract=contract)
    assert (state.status, state.awaiting) == ("awaiting_funds", 2_000)
    assert services.run_once() == []  # nothing new, no money: nothing to do
    dep = escrow.start_deposit(deal.brand_as(), campaign_id=deal.campaign.pk, amount=10_000, key="topup")
    escrow.confirm_deposit(None, deposit_id=dep.pk)
    outcomes = services.run_once()
    assert [o.accrued for o in outcomes] == [2_000]
    state.refresh_from_db()
    assert (state.status, state.awaiting, state.net) == ("ok", 0, 5_000)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accruals_book_once() -> None:
    deal, contract, link = collaboration(REV10)
    ingest(deal, link, *[sale(1_000 + i) for i in range(20)])
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                services.accrue_contract(contract.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    expected = round(sum(1_000 + i for i in range(20)) * 0.10)
    assert sum(Booking.objects.filter(contract=contract).values_list("amount", flat=True)) == expected
    assert ledger.balances(ledger.creator_pending_code(deal.creator.pk), "EUR").balance == expected
    assert verify() == []


@pytest.mark.django_db
def test_creator_sees_a_clawback_with_the_same_detail_as_the_accrual() -> None:
    from accord.accounts.models import Role
    from tests.conftest import client_for
    from tests.incentives.helpers import refund

    deal, contract, link = collaboration(REV10)
    ingest(deal, link, sale(10_000), sale(20_000))
    services.accrue_contract(contract.pk)
    ingest(deal, link, refund(4_000))
    services.accrue_contract(contract.pk)
    creator = client_for(deal.creator_users[Role.VIEWER], deal.creator)
    items = creator.get(f"/api/v1/incentives/contracts/{contract.pk}/accruals").json()["items"]
    by_kind = {i["kind"]: i for i in items}
    claw, accrual = by_kind["clawback"], by_kind["accrual"]
    assert claw["transaction_id"] and claw["transaction_id"] != accrual["transaction_id"]
    detail_fields = ("rule_id", "rule_kind", "period", "kpi", "currency")
    assert [claw[f] for f in detail_fields] == [accrual[f] for f in detail_fields]
    assert (claw["reason"], claw["amount"], claw["kpi_value"]) == ("refund", -400, "26000.0000")
    refund_event = Event.objects.get(type="refund").pk
    assert claw["evidence"]["refunds"]["refund_events"] == [refund_event]
    assert claw["evidence"]["query"] == accrual["evidence"]["query"]  # the same facts query, now with the refund
    facts = creator.get(f"/api/v1/incentives/accruals/{claw['id']}").json()["facts"]
    assert sorted(f["amount"] for f in facts) == [-4_000, 10_000, 20_000]
    page = html.unescape(creator.get(f"/incentives/c/{contract.pk}/").content.decode())
    assert "Refund" in page and f"'refund_events': [{refund_event}]" in page
