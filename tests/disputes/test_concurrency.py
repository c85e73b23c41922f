"""On PostgreSQL, committed for real: both parties opening a dispute on the same milestone at once freeze it once;
the deadline job and a request applying the same outcome at once move the money once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from accord.contracts import services as contracts
from accord.core import clock
from accord.core.errors import DomainError
from accord.disputes import services
from accord.disputes.models import Dispute, FrozenItem
from accord.ledger.models import Transaction
from accord.ledger.verify import verify
from tests.contracts.helpers import make_deal
from tests.disputes.test_disputes import _funded, _operator

pytestmark = pytest.mark.postgres


def _race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            value = call()
            with lock:
                results.append(value)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_both_parties_open_at_once(transactional_db: None) -> None:
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    deal = make_deal()
    m = _funded(deal)

    def opener(actor: Any) -> Callable[[], Dispute]:
        return lambda: services.open_dispute(
            actor, target_type="milestone", target_id=m.pk, reason="other", statement="mine"
        )

    results, errors = _race([opener(deal.brand_as()), opener(deal.creator_as())])
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], DomainError)
    assert Dispute.objects.count() == 1 and FrozenItem.objects.filter(active=True).count() == 1


def test_job_and_request_apply_the_same_outcome_once(transactional_db: None) -> None:
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    deal = make_deal()
    op = _operator("race@accord.test")
    contract_m = _funded(deal)
    concept = contract_m.contract.milestones.get(key="concept")
    contracts.fund_milestone(deal.brand_as(), concept.pk, key="fund-concept")
    d = services.open_dispute(
        deal.creator_as(), target_type="contract", target_id=contract_m.contract_id, reason="other", statement="x"
    )
    services.respond(deal.brand_as(), d.pk, statement="y")
    before = Transaction.objects.count()
    original = services.after_item_step
    services.after_item_step = lambda item: (_ for _ in ()).throw(RuntimeError("crash"))
    try:
        with pytest.raises(RuntimeError):
            services.decide(op, d.pk, outcome="release")
    finally:
        services.after_item_step = original
    _results, errors = _race([lambda: services.apply_outcome(d.pk), lambda: services.enforce_deadlines()] * 2)
    assert errors == [], errors
    d.refresh_from_db()
    assert d.status == "resolved"
    assert d.items.filter(applied_at__isnull=False).count() == 2
    assert Transaction.objects.count() == before + 2
    assert verify() == []


@pytest.mark.parametrize("attempt", range(3))
def test_a_payout_run_and_a_payout_dispute_at_once(transactional_db: None, attempt: int) -> None:
    """Whichever commits first, the disputed money is either held (the payout out of the run) or paid out, never
    both, and a dispute that finds the money gone freezes nothing. The run is resumable if it lost the race."""
    from accord.ledger import services as ledger
    from accord.payouts import services as payouts
    from accord.payouts.models import Payout
    from tests.disputes.test_payout_disputes import _on_demand, _released, _scheduled

    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    deal = make_deal()
    contract = _released(deal, f"race{attempt}")
    _on_demand(deal)
    payouts.add_debtor(name="Accord BV", iban="NL02ABNA0123456789", bic="ABNANL2A", currency="EUR")
    payout = _scheduled(deal)

    def dispute() -> Dispute:
        return services.open_dispute(
            deal.brand_as(),
            target_type="payout",
            target_id=payout.pk,
            contract_id=contract.pk,
            reason="fraud",
            statement="race",
        )

    _results, errors = _race([lambda: payouts.run_payouts("EUR"), dispute])
    assert all(isinstance(e, DomainError) for e in errors), errors
    payouts.run_payouts("EUR")  # the daily job resumes a run that lost the race
    payout.refresh_from_db()
    payable = ledger.balances(ledger.creator_payable_code(deal.creator.pk), "EUR")
    in_transit = ledger.balances(ledger.PAYOUTS_IN_TRANSIT, "EUR").balance
    held = Dispute.objects.filter(target_type="payout").first()
    if held is not None:
        assert payout.state == Payout.State.HELD and in_transit == 0
        assert (payable.balance, payable.pending_out) == (90_000, held.frozen_amount) == (90_000, 90_000)
    else:
        assert payout.state in (Payout.State.PROCESSING, Payout.State.PAID) and in_transit == 90_000
        assert (payable.balance, payable.pending_out) == (0, 0)
    assert verify() == []
