"""Disputes on a payout, through the real services and ledger: a payout not yet moved is held out of its run and the
disputed amount is held on the creator's payable money; for a payout already paid, the same amount of the creator's
remaining payable money is held. Each outcome's ledger effect, withdrawal, and what no run may pay meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.accounts.auth import Principal
from accord.contracts import services as contracts
from accord.contracts.models import Contract
from accord.core import clock
from accord.core.errors import Conflict, NotFound, ValidationFailed
from accord.disputes import services
from accord.escrow import services as escrow
from accord.ledger import services as ledger
from accord.ledger.models import Hold
from accord.ledger.verify import verify
from accord.payouts import services as payouts
from accord.payouts.models import Payout, PayoutMethod
from tests.contracts.helpers import Deal, make_deal, signed_contract
from tests.disputes.test_disputes import _operator

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(START)


@pytest.fixture
def operator() -> Principal:
    return _operator("payout-mediator@accord.test")


def _released(deal: Deal, key: str) -> Contract:
    """A contract whose 1,000.00 milestone was approved: 900.00 net in the creator's payable money."""
    contract = signed_contract(deal)
    m = contract.milestones.get(key="publish")
    contracts.fund_milestone(deal.brand_as(), m.pk, key=f"fund-{key}")
    contracts.submit(deal.creator_as(), m.pk, post_url=f"https://example.test/{key}", caption="Ad #ad")
    contracts.approve(deal.brand_as(), m.pk, key=f"approve-{key}")
    return contract


def _on_demand(deal: Deal) -> None:
    p = deal.creator_as()
    payouts.add_method(p, kind=PayoutMethod.Kind.SEPA, account_holder="Cas Creator", iban="NL91ABNA0417164300")
    payouts.set_schedule(p, frequency="on_demand")
    payouts.request_payout(p)


def _scheduled(deal: Deal) -> Payout:
    """A payout selected for today's run whose money has not moved yet."""
    run = payouts._run_for("EUR", clock.today(), "test")
    payouts._select(run, 100)
    return Payout.objects.get(run=run, organization=deal.creator)


def _payable(deal: Deal) -> ledger.Balance:
    return ledger.balances(ledger.creator_payable_code(deal.creator.pk), "EUR")


def _escrow(deal: Deal) -> int:
    return ledger.balances(ledger.escrow_code(deal.campaign.pk), "EUR").balance


def test_a_scheduled_payout_is_held_out_of_the_run_and_a_split_applies_exactly(deal: Deal, operator: Principal) -> None:
    contract = _released(deal, "a")
    _on_demand(deal)
    payout = _scheduled(deal)
    assert (payout.state, payout.amount) == ("scheduled", 90_000)
    escrow_before = _escrow(deal)

    d = services.open_dispute(
        deal.brand_as(),
        target_type="payout",
        target_id=payout.pk,
        contract_id=contract.pk,
        reason="fraud",
        statement="The post was deleted after approval.",
    )
    payout.refresh_from_db()
    item = d.items.get()
    assert (d.frozen_amount, item.amount, item.payout_id) == (90_000, 90_000, payout.pk)
    assert payout.state == "held" and "dispute" in payout.failure_reason
    assert item.payable_hold is not None and item.payable_hold.status == Hold.Status.PENDING
    assert (_payable(deal).balance, _payable(deal).available) == (90_000, 0)
    assert d.evidence.filter(kind="ledger", title=f"Payout {payout.pk}").exists()

    run = payouts.run_payouts("EUR")  # the run finishes without the held payout; nothing moves
    assert run.state == "done" and run.payout_count == 0 and run.total_amount == 0
    assert _payable(deal).balance == 90_000 and ledger.balances(ledger.PAYOUTS_IN_TRANSIT, "EUR").balance == 0

    services.respond(deal.creator_as(), d.pk, statement="It is still online.")
    services.decide(operator, d.pk, outcome="split", creator_amount=30_000)
    d.refresh_from_db()
    item.refresh_from_db()
    assert d.status == "resolved" and item.transaction_id is not None and not item.active
    assert (_payable(deal).balance, _payable(deal).available) == (30_000, 30_000)
    assert _escrow(deal) == escrow_before + 60_000
    assert verify() == []
    # replaying the outcome moves nothing
    services.apply_outcome(d.pk)
    assert _payable(deal).balance == 30_000 and _escrow(deal) == escrow_before + 60_000


def test_a_paid_payout_holds_what_is_left_of_the_payable_money(deal: Deal, operator: Principal) -> None:
    contract = _released(deal, "a")
    _on_demand(deal)
    payouts.add_debtor(name="Accord BV", iban="NL02ABNA0123456789", bic="ABNANL2A", currency="EUR")
    run = payouts.run_payouts("EUR")
    payout = Payout.objects.get(run=run, organization=deal.creator)
    payouts.mark_paid(operator, payout.pk, reference="bank-1")
    assert _payable(deal).balance == 0

    with pytest.raises(Conflict) as nothing:  # nothing left to freeze
        services.open_dispute(
            deal.brand_as(),
            target_type="payout",
            target_id=payout.pk,
            contract_id=contract.pk,
            reason="fraud",
            statement="x",
        )
    assert nothing.value.code == "nothing_frozen"

    _released(deal, "b")  # another 900.00 becomes payable
    escrow_before = _escrow(deal)
    d = services.open_dispute(
        deal.brand_as(),
        target_type="payout",
        target_id=payout.pk,
        contract_id=contract.pk,
        reason="fraud",
        statement="x",
    )
    assert d.frozen_amount == 90_000 and _payable(deal).available == 0
    services.respond(deal.creator_as(), d.pk, statement="No.")
    services.decide(operator, d.pk, outcome="refund")
    assert _payable(deal).balance == 0 and _escrow(deal) == escrow_before + 90_000
    assert verify() == []


def test_withdrawing_a_payout_dispute_frees_the_money_for_the_next_run(deal: Deal) -> None:
    contract = _released(deal, "a")
    _on_demand(deal)
    payout = _scheduled(deal)
    d = services.open_dispute(
        deal.creator_as(),
        target_type="payout",
        target_id=payout.pk,
        contract_id=contract.pk,
        reason="payment_late",
        statement="Where is it?",
    )
    with pytest.raises(Conflict) as twice:
        services.open_dispute(
            deal.brand_as(),
            target_type="payout",
            target_id=payout.pk,
            contract_id=contract.pk,
            reason="fraud",
            statement="x",
        )
    assert twice.value.code in ("already_disputed", "illegal_transition")
    services.withdraw(deal.creator_as(), d.pk)
    assert (_payable(deal).balance, _payable(deal).available) == (90_000, 90_000)
    assert d.items.get().payable_hold.status == Hold.Status.VOIDED  # type: ignore[union-attr]
    payouts.request_payout(deal.creator_as())
    clock.set_now(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    payouts.add_debtor(name="Accord BV", iban="NL02ABNA0123456789", bic="ABNANL2A", currency="EUR")
    run = payouts.run_payouts("EUR")
    assert Payout.objects.get(run=run).amount == 90_000 and _payable(deal).balance == 0
    assert verify() == []


def test_a_payout_dispute_names_a_contract_of_the_payouts_creator(deal: Deal) -> None:
    contract = _released(deal, "a")
    _on_demand(deal)
    payout = _scheduled(deal)
    with pytest.raises(ValidationFailed):
        services.open_dispute(deal.brand_as(), target_type="payout", target_id=payout.pk, reason="fraud", statement="x")
    stranger = make_deal()
    with pytest.raises(NotFound):  # a brand without a contract with this creator cannot reach the payout
        services.open_dispute(
            stranger.brand_as(),
            target_type="payout",
            target_id=payout.pk,
            contract_id=contract.pk,
            reason="fraud",
            statement="x",
        )
    other = signed_contract(stranger)
    with pytest.raises(NotFound):  # its own contract, but with another creator
        services.open_dispute(
            stranger.brand_as(),
            target_type="payout",
            target_id=payout.pk,
            contract_id=other.pk,
            reason="fraud",
            statement="x",
        )
    assert escrow.payable_available(deal.creator.pk, "EUR") == 90_000


@pytest.fixture
def deal() -> Deal:
    return make_deal()


def test_a_creator_opens_a_payout_dispute_from_the_web(deal: Deal) -> None:
    from tests.conftest import client_for

    contract = _released(deal, "a")
    _on_demand(deal)
    payout = _scheduled(deal)
    creator = client_for(deal.creator_users["owner"], deal.creator)
    listing = creator.get("/disputes/").content.decode()
    link = f"/disputes/open/?target_type=payout&amp;target_id={payout.pk}"
    assert link in listing and "€900.00" in listing
    form = creator.get(link.replace("&amp;", "&")).content.decode()
    assert 'name="contract_id"' in form
    body = {
        "target_type": "payout",
        "target_id": str(payout.pk),
        "contract_id": str(contract.pk),
        "reason": "payment_late",
        "statement": "Not paid.",
        "nonce": "web-payout-1",
    }
    r = creator.post("/disputes/open/", body)
    d = services.visible_to(deal.creator_as()).get()
    assert r["Location"] == f"/disputes/{d.pk}/" and d.frozen_amount == 90_000
    assert link not in creator.get("/disputes/").content.decode()  # held out of its run: not offered again
