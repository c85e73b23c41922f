"""8 threads × 500 random transfers (plus holds, posts and voids) on shared accounts, on PostgreSQL, committed for
real: every invariant holds afterwards and no deadlock or serialization error ever reaches a caller."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from django.db import connection

from accord.ledger import services as ledger
from accord.ledger.models import Account, Transaction
from accord.ledger.verify import verify

EUR = "EUR"
ACCOUNTS = [f"acct:{i}" for i in range(10)]
THREADS, OPS = 8, 500


def shared_legs(i: int) -> list[tuple[str, str, int]]:
    rnd = random.Random(i)
    src, dst = rnd.sample(ACCOUNTS, 2)
    return [(src, dst, rnd.randint(1, 500))]


def worker(n: int, outcomes: Counter[str], errors: list[BaseException], lock: threading.Lock) -> None:
    rnd = random.Random(1000 + n)
    local: Counter[str] = Counter()
    try:
        for i in range(OPS):
            roll = rnd.random()
            try:
                if roll < 0.1:  # the same key from every thread: exactly one of them moves money
                    ledger.transfer(key=f"shared-{i}", kind="shared", currency=EUR, legs=shared_legs(i))
                    local["shared"] += 1
                elif roll < 0.2:
                    code = rnd.choice(ACCOUNTS)
                    held = ledger.hold(key=f"h-{n}-{i}", code=code, currency=EUR, amount=rnd.randint(1, 2_000))
                    if rnd.random() < 0.5:
                        ledger.void_hold(key=f"v-{n}-{i}", hold_id=held.pk)
                        local["void"] += 1
                    else:
                        dst = rnd.choice([c for c in ACCOUNTS if c != code])
                        part = rnd.randint(1, held.amount)
                        ledger.post_hold(key=f"p-{n}-{i}", hold_id=held.pk, legs=[(dst, part)])
                        local["post"] += 1
                else:
                    legs = []
                    for _ in range(rnd.randint(1, 3)):
                        src, dst = rnd.sample(ACCOUNTS, 2)
                        legs.append((src, dst, rnd.randint(1, 3_000)))
                    ledger.transfer(key=f"t-{n}-{i}", kind="random", currency=EUR, legs=legs)
                    local["transfer"] += 1
            except ledger.InsufficientFunds:
                local["insufficient"] += 1
    except BaseException as exc:  # anything else (deadlock, serialization failure, bug) fails the test
        errors.append(exc)
    finally:
        connection.close()
        with lock:
            outcomes.update(local)


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_transfers_keep_every_invariant(transactional_db: None) -> None:
    for code in ACCOUNTS:
        ledger.transfer(key=f"seed-{code}", kind="seed", currency=EUR, legs=[("world", code, 20_000)])
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=worker, args=(n, outcomes, errors, lock)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], errors[:3]
    assert sum(outcomes.values()) == THREADS * OPS
    assert outcomes["transfer"] > 1_000  # the test really moved money, not only refusals
    assert outcomes["insufficient"] > 0  # and really hit the protected floor
    assert verify() == []
    balances = list(Account.objects.values_list("code", "balance", "pending_out"))
    assert sum(b for _, b, _ in balances) == 0
    assert all(b >= 0 and p == 0 for code, b, p in balances if code != "world")
    shared = Transaction.objects.filter(kind="shared")
    assert shared.count() == len({k for k in shared.values_list("idempotency_key", flat=True)})
    seeded = THREADS * OPS - outcomes["insufficient"] - outcomes["shared"] - outcomes["void"]
    assert Transaction.objects.exclude(kind__in=["seed", "shared"]).count() == seeded
