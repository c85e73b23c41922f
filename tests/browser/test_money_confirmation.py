"""A button that moves money asks first: a confirmation page, a ``<dialog>`` or the browser's confirm box comes
between the click and the ledger. Checked in the browser by clicking and looking at the ledger before confirming."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from accord.accounts.models import Role
from accord.contracts import services as contracts
from accord.core import clock
from accord.disputes import services as disputes
from accord.escrow.models import Deposit
from accord.ledger import services as ledger
from accord.payouts.models import PayoutRun
from tests.conftest import PASSWORD
from tests.contracts.helpers import Deal, hourly_terms, make_deal, signed_contract
from tests.escrow.helpers import operator_principal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OPERATOR = ("ops@accord.test", "operator-password-1")  # as tests.escrow.helpers.operator_principal creates it


def asks_first(page: Any, click: Callable[[], None], moved: Callable[[], bool]) -> bool:
    """Click; True when nothing moved and the browser's confirm box, an open ``<dialog>`` or a confirming button
    ("Yes, …" / "Confirm …") stands between the person and the money."""
    boxes: list[str] = []

    def dismiss(dialog: Any) -> None:
        boxes.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    click()
    page.wait_for_load_state()
    page.remove_listener("dialog", dismiss)
    if moved():
        return False
    confirming = page.get_by_role("button", name=re.compile(r"^(Yes|Confirm)\b", re.IGNORECASE))
    return bool(boxes) or page.locator("dialog[open]").count() > 0 or confirming.count() > 0


def _payable(deal: Deal) -> int:
    return ledger.balances(ledger.creator_payable_code(deal.creator.pk), "EUR").balance


def test_deposits_and_payout_runs_ask_before_money_moves(open_as: Any) -> None:
    deal = make_deal(deposit=0)
    brand = open_as(deal.brand_users[Role.OWNER].email, PASSWORD, start=f"/escrow/campaigns/{deal.campaign.pk}/")
    brand.get_by_label("Amount (EUR)").fill("2000")
    brand.get_by_label("Payment method").select_option("manual")
    assert asks_first(brand, brand.get_by_role("button", name="Review the deposit").click, Deposit.objects.exists)
    brand.get_by_role("button", name="Yes, start the deposit").click()
    deposit = Deposit.objects.get()

    operator_principal()  # creates the operator who signs in below
    console = open_as(*OPERATOR, start="/escrow/operator/deposits/")

    def booked() -> bool:
        return ledger.balances(ledger.escrow_code(deal.campaign.pk), "EUR").balance != 0

    assert asks_first(console, console.get_by_role("button", name="Review").click, booked)
    console.get_by_role("button", name="Yes, the money has arrived").click()
    assert booked()
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.CONFIRMED

    contract = signed_contract(deal)
    concept = contract.milestones.get(key="concept")
    contracts.fund_milestone(deal.brand_as(), concept.pk, key="fund")
    contracts.submit(deal.creator_as(), concept.pk, post_url="https://example.test/p/1", caption="#ad")
    contracts.approve(deal.brand_as(), concept.pk, key="approve")
    console.goto("/payouts/operator/")
    run_link = console.get_by_role("link", name="Run EUR payouts", exact=False)
    assert asks_first(console, run_link.click, PayoutRun.objects.exists)
    console.get_by_role("button", name="Yes, run payouts").click()
    assert PayoutRun.objects.filter(currency="EUR").exists()


def _submitted_milestone(deal: Deal) -> int:
    contract = signed_contract(deal)
    m = contract.milestones.get(key="concept")
    contracts.fund_milestone(deal.brand_as(), m.pk, key="fund")
    contracts.submit(deal.creator_as(), m.pk, post_url="https://example.test/p/1", caption="Reel #ad")
    return m.pk


def test_milestone_release_asks_first(open_as: Any) -> None:
    deal = make_deal()
    milestone = _submitted_milestone(deal)
    brand = open_as(deal.brand_users[Role.OWNER].email, PASSWORD, start=f"/contracts/milestones/{milestone}/")
    button = brand.get_by_role("button", name="Approve and release")
    assert asks_first(brand, button.click, lambda: _payable(deal) > 0)
    brand.get_by_role("button", name="Yes, release the money").click()
    assert "Approved and released." in brand.content() and _payable(deal) > 0


def test_timesheet_payment_asks_first(open_as: Any) -> None:
    deal = make_deal()
    contract = signed_contract(deal, hourly_terms())
    contracts.fund_milestone(deal.brand_as(), contract.milestones.get().pk, key="budget")
    contracts.log_time(deal.creator_as(), contract.pk, work_date=clock.today(), minutes=60, note="Shoot")
    contracts.submit_timesheet(deal.creator_as(), contract.timesheets.get().pk)
    brand = open_as(deal.brand_users[Role.OWNER].email, PASSWORD, start=f"/contracts/{contract.pk}/time/")
    button = brand.get_by_role("button", name="Approve and pay")
    assert asks_first(brand, button.click, lambda: _payable(deal) > 0)
    brand.get_by_role("button", name="Yes, pay this week").click()
    assert "Timesheet approved and paid." in brand.content() and _payable(deal) > 0


def test_finishing_hourly_work_asks_first(open_as: Any) -> None:
    deal = make_deal()
    contract = signed_contract(deal, hourly_terms())
    contracts.fund_milestone(deal.brand_as(), contract.milestones.get().pk, key="budget")

    def returned() -> bool:
        return ledger.balances(ledger.escrow_code(deal.campaign.pk), "EUR").pending_out == 0

    assert not returned()
    brand = open_as(deal.brand_users[Role.OWNER].email, PASSWORD, start=f"/contracts/{contract.pk}/time/")
    button = brand.get_by_role("button", name="Finish the hourly work")
    assert asks_first(brand, button.click, returned)
    brand.get_by_role("button", name="Yes, finish and return the rest").click()
    assert returned()


def test_dispute_decision_asks_first(open_as: Any) -> None:
    deal = make_deal()
    milestone = _submitted_milestone(deal)
    dispute = disputes.open_dispute(
        deal.brand_as(), target_type="milestone", target_id=milestone, reason="not_as_agreed", statement="Off brief"
    )
    operator_principal()  # creates the operator who signs in below
    disputes.respond(deal.creator_as(), dispute.pk, statement="It matches.")
    console = open_as(*OPERATOR, start=f"/disputes/{dispute.pk}/")
    console.get_by_label("Outcome").select_option("release")
    button = console.get_by_role("button", name="Decide (final)")
    assert asks_first(console, button.click, lambda: _payable(deal) > 0)
