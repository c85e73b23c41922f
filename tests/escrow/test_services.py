"""Escrow flows through the real ledger: deposit, hold, release with fee, refund, accrual, unlock, clawback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.accounts.models import Role
from accord.core import clock
from accord.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from accord.escrow import services as escrow
from accord.escrow.models import Accrual, Deposit, FeeOverride
from accord.escrow.providers import find_reference
from accord.escrow.statements import StatementError, parse_csv
from accord.ledger import services as ledger
from accord.ledger.models import Hold
from accord.ledger.verify import verify
from tests.escrow.helpers import brand_principal, campaign_for, creator_org, operator_principal

pytestmark = pytest.mark.django_db
EUR = "EUR"


def funded_campaign(amount: int = 100_000):  # type: ignore[no-untyped-def]
    brand = brand_principal()
    campaign = campaign_for(brand.organization)
    deposit = escrow.start_deposit(brand, campaign_id=campaign.pk, amount=amount, key="dep-1")
    escrow.confirm_deposit(operator_principal(), deposit_id=deposit.pk, provider_ref="BANK-1")
    return brand, campaign


def test_deposit_is_booked_only_when_confirmed_and_once() -> None:
    brand = brand_principal()
    campaign = campaign_for(brand.organization)
    deposit = escrow.start_deposit(brand, campaign_id=campaign.pk, amount=50_000, key="k")
    assert deposit.status == Deposit.Status.PENDING
    assert find_reference(f"payment {deposit.reference.lower()} thanks") == deposit.reference
    assert escrow.start_deposit(brand, campaign_id=campaign.pk, amount=50_000, key="k").pk == deposit.pk
    with pytest.raises(Conflict):
        escrow.start_deposit(brand, campaign_id=campaign.pk, amount=50_001, key="k")
    assert ledger.balances(ledger.escrow_code(campaign.pk), EUR).balance == 0
    op = operator_principal()
    with pytest.raises(PermissionDenied):
        escrow.confirm_deposit(brand, deposit_id=deposit.pk)
    escrow.confirm_deposit(op, deposit_id=deposit.pk)
    escrow.confirm_deposit(op, deposit_id=deposit.pk)  # replay: nothing moves twice
    assert ledger.balances(ledger.escrow_code(campaign.pk), EUR).balance == 50_000
    assert ledger.balances("world", EUR).balance == -50_000
    assert ledger.get_account(ledger.escrow_code(campaign.pk), EUR).owner_id == brand.org_id
    assert verify() == []


def test_other_brand_cannot_fund_someone_elses_campaign() -> None:
    brand = brand_principal()
    campaign = campaign_for(brand.organization)
    with pytest.raises(NotFound):
        escrow.start_deposit(brand_principal(), campaign_id=campaign.pk, amount=1, key="k")
    with pytest.raises(PermissionDenied):
        escrow.start_deposit(
            brand_principal(brand.organization, Role.VIEWER), campaign_id=campaign.pk, amount=1, key="k"
        )


def test_hold_release_with_fee_and_partial_release() -> None:
    _, campaign = funded_campaign()
    creator = creator_org()
    eh = escrow.fund_hold(
        None, campaign_id=campaign.pk, creator_org_id=creator.pk, amount=30_000, reference_type="milestone",
        reference_id=1, key="m1",
    )  # fmt: skip
    assert escrow.campaign_escrow(campaign).available == 70_000
    released = escrow.release(None, escrow_hold_id=eh.pk, key="r1", amount=20_001)
    assert released.fee_amount == 2_000  # 10 % of 20,001 = 2,000.1 -> 2,000 (half-even)
    assert ledger.balances(ledger.creator_payable_code(creator.pk), EUR).balance == 18_001
    assert ledger.balances(ledger.PLATFORM_FEES, EUR).balance == 2_000
    # the unreleased 9,999 is back in available escrow
    summary = escrow.campaign_escrow(campaign)
    assert (summary.balance, summary.held, summary.available) == (79_999, 0, 79_999)
    assert escrow.release(None, escrow_hold_id=eh.pk, key="r1", amount=20_001).pk == eh.pk  # replay
    with pytest.raises(IllegalTransition):
        escrow.release(None, escrow_hold_id=eh.pk, key="r2")
    with pytest.raises(IllegalTransition):
        escrow.void_funding(None, escrow_hold_id=eh.pk, key="v")
    (row,) = escrow.creator_summary(creator.pk)
    assert (row.funded, row.held, row.released, row.payable) == (20_001, 0, 18_001, 18_001)
    assert verify() == []


def test_fee_override_per_organization() -> None:
    _, campaign = funded_campaign()
    creator = creator_org()
    escrow.set_fee_override(operator_principal(), organization_id=creator.pk, fee_bps=250)
    assert FeeOverride.objects.get(organization=creator).fee_bps == 250
    eh = escrow.fund_hold(
        None, campaign_id=campaign.pk, creator_org_id=creator.pk, amount=10_000, reference_type="milestone",
        reference_id=2, key="m2",
    )  # fmt: skip
    escrow.release(None, escrow_hold_id=eh.pk, key="r")
    assert ledger.balances(ledger.PLATFORM_FEES, EUR).balance == 250
    assert ledger.balances(ledger.creator_payable_code(creator.pk), EUR).balance == 9_750


def test_void_and_expiry_return_funds() -> None:
    clock.set_now(datetime(2026, 3, 1, tzinfo=UTC))
    _, campaign = funded_campaign(10_000)
    creator = creator_org()
    eh = escrow.fund_hold(
        None, campaign_id=campaign.pk, creator_org_id=creator.pk, amount=4_000, reference_type="milestone",
        reference_id=3, key="m3", expires_at=clock.now() + timedelta(days=30),
    )  # fmt: skip
    eh2 = escrow.fund_hold(
        None, campaign_id=campaign.pk, creator_org_id=creator.pk, amount=6_000, reference_type="milestone",
        reference_id=4, key="m4",
    )  # fmt: skip
    with pytest.raises(ledger.InsufficientFunds):
        escrow.refund(None, campaign_id=campaign.pk, amount=1, key="ref-0")
    escrow.void_funding(None, escrow_hold_id=eh2.pk, key="v4")
    clock.advance(timedelta(days=30))
    assert ledger.expire_holds() == 1
    eh.hold.refresh_from_db()
    assert eh.hold.status == Hold.Status.EXPIRED
    escrow.refund(None, campaign_id=campaign.pk, amount=10_000, key="ref-1", reason="campaign cancelled")
    assert ledger.balances(ledger.escrow_code(campaign.pk), EUR).balance == 0
    assert escrow.campaign_escrow(campaign).refunded == 10_000
    assert verify() == []


def test_accrual_unlock_and_clawback() -> None:
    clock.set_now(datetime(2026, 3, 1, tzinfo=UTC))
    _, campaign = funded_campaign(10_000)
    creator = creator_org()
    a = escrow.accrue(campaign_id=campaign.pk, creator_org_id=creator.pk, amount=3_000, key="acc-1", lock_days=14)
    assert (
        escrow.accrue(campaign_id=campaign.pk, creator_org_id=creator.pk, amount=3_000, key="acc-1", lock_days=14).pk
        == a.pk
    )
    with pytest.raises(Conflict):
        escrow.accrue(campaign_id=campaign.pk, creator_org_id=creator.pk, amount=3_001, key="acc-1", lock_days=14)
    with pytest.raises(ValidationFailed):
        escrow.accrue(campaign_id=campaign.pk, creator_org_id=creator.pk, amount=1, key="acc-x", lock_days=3)
    pending = ledger.creator_pending_code(creator.pk)
    assert ledger.balances(pending, EUR).balance == 3_000
    cb = escrow.clawback(accrual_id=a.pk, amount=1_000, reason="order 42 refunded", key="cb-1")
    assert escrow.clawback(accrual_id=a.pk, amount=1_000, reason="order 42 refunded", key="cb-1").pk == cb.pk
    with pytest.raises(ValidationFailed):
        escrow.clawback(accrual_id=a.pk, amount=2_001, reason="too much", key="cb-2")
    assert escrow.unlock_matured() == 0
    with pytest.raises(IllegalTransition):
        escrow.unlock_accrual(a.pk)
    clock.advance(timedelta(days=14))
    assert escrow.unlock_matured() == 1
    assert escrow.unlock_matured() == 0
    a.refresh_from_db()
    assert a.status == Accrual.Status.UNLOCKED
    assert ledger.balances(pending, EUR).balance == 0
    assert ledger.balances(ledger.creator_payable_code(creator.pk), EUR).balance == 2_000
    assert ledger.balances(ledger.escrow_code(campaign.pk), EUR).balance == 8_000
    with pytest.raises(IllegalTransition):
        escrow.clawback(accrual_id=a.pk, amount=1, reason="late", key="cb-3")
    (row,) = escrow.creator_summary(creator.pk, campaign.pk)
    assert (row.pending, row.payable) == (0, 2_000)
    assert escrow.creator_balances(creator.pk) == [{"currency": EUR, "pending": 0, "payable": 2_000}]
    assert verify() == []


def test_full_clawback_reverses_accrual() -> None:
    _, campaign = funded_campaign(10_000)
    creator = creator_org()
    a = escrow.accrue(campaign_id=campaign.pk, creator_org_id=creator.pk, amount=500, key="a", lock_days=7)
    escrow.clawback(accrual_id=a.pk, amount=500, reason="fraud", key="c")
    a.refresh_from_db()
    assert a.status == Accrual.Status.REVERSED
    with pytest.raises(IllegalTransition):
        escrow.clawback(accrual_id=a.pk, amount=1, reason="again", key="c2")
    assert verify() == []


def test_statement_import_confirms_matching_deposits_once() -> None:
    brand = brand_principal()
    campaign = campaign_for(brand.organization)
    d1 = escrow.start_deposit(brand, campaign_id=campaign.pk, amount=12_345, key="1")
    d2 = escrow.start_deposit(brand, campaign_id=campaign.pk, amount=500, key="2")
    csv_text = (
        "date,amount,currency,reference,bank_ref\n"
        f"2026-03-01,123.45,EUR,Payment {d1.reference.lower()},B-1\n"
        f"2026-03-01,4.00,EUR,{d2.reference},B-2\n"
        "2026-03-01,10.00,EUR,no reference here,B-3\n"
        "2026-03-01,-10.00,EUR,fee,B-4\n"
    )
    op = operator_principal()
    result = escrow.import_statement(op, csv_text)
    assert result.confirmed == [d1.pk]
    assert len(result.unmatched) == 2  # wrong amount for d2, no reference
    again = escrow.import_statement(op, csv_text)
    assert again.confirmed == []
    assert again.already == [d1.pk]
    assert ledger.balances(ledger.escrow_code(campaign.pk), EUR).balance == 12_345
    with pytest.raises(StatementError):
        parse_csv("amount,currency\n1,EUR\n")
    assert verify() == []


def test_split_fee_parts_sum() -> None:
    for amount in (1, 5, 15, 99_999, 123_456_789):
        for bps in (0, 1, 250, 1000, 10_000):
            net, fee = escrow.split_fee(amount, bps)
            assert net + fee == amount
            assert net >= 0
            assert fee >= 0
