"""Racing brand members on PostgreSQL, committed for real: one milestone is funded once and released once, whatever
the interleaving; the losers get a clear illegal-transition error and the ledger stays consistent."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from accord.contracts import services
from accord.core.errors import IllegalTransition
from accord.ledger.models import Hold, Transaction
from accord.ledger.verify import verify
from tests.contracts.helpers import make_deal, signed_contract, terms

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 6


def _race(call: Callable[[int], object]) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait()
            try:
                call(n)
                result = "ok"
            except IllegalTransition:
                result = "illegal"
            with lock:
                outcomes[result] += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return outcomes


def test_concurrent_funding_and_approval_move_money_once() -> None:
    deal = make_deal()
    contract = signed_contract(deal, terms(require_disclosure=False))
    milestone = contract.milestones.get(key="concept")

    funded = _race(lambda n: services.fund_milestone(deal.brand_as(), milestone.pk, key=f"fund-{n}"))
    assert funded == Counter({"ok": 1, "illegal": THREADS - 1})
    assert Hold.objects.count() == 1

    services.submit(deal.creator_as(), milestone.pk, post_url="https://instagram.com/p/race")
    before = Transaction.objects.filter(kind="release").count()
    approved = _race(lambda n: services.approve(deal.brand_as(), milestone.pk, key=f"approve-{n}"))
    assert approved == Counter({"ok": 1, "illegal": THREADS - 1})
    assert Transaction.objects.filter(kind="release").count() == before + 1
    milestone.refresh_from_db()
    assert milestone.status == "released" and milestone.released_amount == 50_000
    assert verify() == []
