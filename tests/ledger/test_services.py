"""Ledger services against a real database: transfers, holds, idempotency, illegal transitions, verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from typer.testing import CliRunner

from accord.core import clock
from accord.core.errors import Conflict, IllegalTransition, ValidationFailed
from accord.ledger import services as ledger
from accord.ledger.cli import app as ledger_cli
from accord.ledger.models import Account, Entry, Hold, Transaction
from accord.ledger.verify import verify

pytestmark = pytest.mark.django_db
EUR = "EUR"


def ok() -> None:
    assert verify() == []


def fund(code: str, amount: int, key: str | None = None) -> None:
    ledger.transfer(key=key or f"fund-{code}-{amount}", kind="deposit", currency=EUR, legs=[("world", code, amount)])


def test_get_account_creates_once_with_kind_and_protection() -> None:
    a = ledger.get_account("escrow:7", EUR)
    b = ledger.get_account("escrow:7", EUR)
    assert a.pk == b.pk
    assert a.kind == Account.Kind.ESCROW
    assert a.protected
    world = ledger.get_account("world", EUR, protected=True)
    assert world.kind == Account.Kind.WORLD
    assert not world.protected
    assert ledger.get_account("escrow:7", "USD").pk != a.pk
    with pytest.raises(ValidationFailed):
        ledger.get_account("escrow:7", "XXX")


def test_transfer_moves_money_and_balances() -> None:
    fund("escrow:1", 10_000)
    tx = ledger.transfer(
        key="rel-1",
        kind="release",
        currency=EUR,
        legs=[("escrow:1", "creator:5:payable", 9_000), ("escrow:1", "platform:fees", 1_000)],
        memo="milestone 1",
        metadata={"milestone": 1},
    )
    assert tx.pk
    assert Transaction.objects.get(pk=tx.pk).metadata == {"milestone": 1}
    assert ledger.balances("escrow:1", EUR) == ledger.Balance(0, 0, 0)
    assert ledger.balances("creator:5:payable", EUR).balance == 9_000
    assert ledger.balances("world", EUR).balance == -10_000
    assert Entry.objects.filter(transaction_id=tx.pk).count() == 4
    ok()


def test_protected_account_never_negative() -> None:
    fund("escrow:1", 500)
    with pytest.raises(ledger.InsufficientFunds) as err:
        ledger.transfer(key="t", kind="refund", currency=EUR, legs=[("escrow:1", "world", 501)])
    assert err.value.code == "insufficient_funds"
    assert err.value.status == 409
    assert ledger.balances("escrow:1", EUR).balance == 500
    assert not Transaction.objects.filter(idempotency_key="t").exists()
    # the failed key is free again: the same key can be used once the request is valid
    ledger.transfer(key="t", kind="refund", currency=EUR, legs=[("escrow:1", "world", 500)])
    ok()


def test_multi_leg_refused_atomically() -> None:
    fund("a", 100)
    with pytest.raises(ledger.InsufficientFunds):
        ledger.transfer(key="x", kind="t", currency=EUR, legs=[("a", "b", 60), ("a", "c", 60)])
    assert ledger.balances("a", EUR).balance == 100
    assert ledger.balances("b", EUR).balance == 0
    ok()


def test_transfer_replay_moves_nothing_and_conflict_on_other_content() -> None:
    fund("escrow:1", 1_000)
    legs = [("escrow:1", "creator:2:payable", 300)]
    first = ledger.transfer(key="k1", kind="release", currency=EUR, legs=legs)
    again = ledger.transfer(key="k1", kind="release", currency=EUR, legs=legs)
    assert again.pk == first.pk
    assert ledger.balances("escrow:1", EUR).balance == 700
    assert Transaction.objects.filter(idempotency_key="k1").count() == 1
    with pytest.raises(Conflict) as err:
        ledger.transfer(key="k1", kind="release", currency=EUR, legs=[("escrow:1", "creator:2:payable", 301)])
    assert err.value.code == "idempotency_conflict"
    assert err.value.status == 409
    assert ledger.balances("escrow:1", EUR).balance == 700
    ok()


@pytest.mark.parametrize(
    "legs",
    [[], [("a", "a", 1)], [("a", "b", 0)], [("a", "b", -5)], [("a", "b", 1.5)], [("a", "b", True)]],
)
def test_transfer_validation(legs: list[tuple[str, str, int]]) -> None:
    with pytest.raises(ValidationFailed):
        ledger.transfer(key="v", kind="t", currency=EUR, legs=legs)


def test_transfer_text_validation() -> None:
    with pytest.raises(ValidationFailed):
        ledger.transfer(key="v", kind="", currency=EUR, legs=[("a", "b", 1)])
    with pytest.raises(ValidationFailed):
        ledger.transfer(key="v", kind="t", currency=EUR, legs=[("a", "b", 1)], memo="x" * 501)
    with pytest.raises(ValidationFailed):
        ledger.transfer(key="", kind="t", currency=EUR, legs=[("a", "b", 1)])
    with pytest.raises(ValidationFailed):
        ledger.transfer(key="v", kind="t", currency="XXX", legs=[("a", "b", 1)])


def test_hold_post_partial_releases_the_rest() -> None:
    fund("escrow:1", 1_000)
    h = ledger.hold(key="h1", code="escrow:1", currency=EUR, amount=600)
    assert ledger.balances("escrow:1", EUR) == ledger.Balance(1_000, 600, 400)
    with pytest.raises(ledger.InsufficientFunds):
        ledger.transfer(key="too-much", kind="refund", currency=EUR, legs=[("escrow:1", "world", 401)])
    with pytest.raises(ledger.InsufficientFunds):
        ledger.hold(key="h2", code="escrow:1", currency=EUR, amount=401)
    tx = ledger.post_hold(key="p1", hold_id=h.pk, legs=[("creator:3:payable", 450), ("platform:fees", 50)])
    h.refresh_from_db()
    assert h.status == Hold.Status.POSTED
    assert h.posted_amount == 500
    assert h.transaction_id == tx.pk
    assert ledger.balances("escrow:1", EUR) == ledger.Balance(500, 0, 500)
    assert ledger.balances("creator:3:payable", EUR).balance == 450
    # replay returns the same transaction and moves nothing
    legs = [("creator:3:payable", 450), ("platform:fees", 50)]
    assert ledger.post_hold(key="p1", hold_id=h.pk, legs=legs).pk == tx.pk
    assert ledger.balances("creator:3:payable", EUR).balance == 450
    with pytest.raises(Conflict):
        ledger.post_hold(key="p1", hold_id=h.pk, legs=[("creator:3:payable", 500)])
    ok()


def test_hold_illegal_transitions() -> None:
    fund("escrow:1", 1_000)
    h = ledger.hold(key="h1", code="escrow:1", currency=EUR, amount=100)
    with pytest.raises(ValidationFailed):
        ledger.post_hold(key="p-big", hold_id=h.pk, legs=[("x", 101)])
    voided = ledger.void_hold(key="v1", hold_id=h.pk)
    assert voided.status == Hold.Status.VOIDED
    assert ledger.void_hold(key="v1", hold_id=h.pk).status == Hold.Status.VOIDED  # replay
    with pytest.raises(IllegalTransition):
        ledger.void_hold(key="v2", hold_id=h.pk)
    with pytest.raises(IllegalTransition) as err:
        ledger.post_hold(key="p1", hold_id=h.pk, legs=[("x", 10)])
    assert err.value.code == "illegal_transition"
    assert err.value.status == 409
    h2 = ledger.hold(key="h2", code="escrow:1", currency=EUR, amount=100)
    ledger.post_hold(key="p2", hold_id=h2.pk, legs=[("x", 100)])
    with pytest.raises(IllegalTransition):
        ledger.void_hold(key="v3", hold_id=h2.pk)
    with pytest.raises(IllegalTransition):
        ledger.post_hold(key="p3", hold_id=h2.pk, legs=[("x", 1)])
    assert ledger.balances("escrow:1", EUR) == ledger.Balance(900, 0, 900)
    ok()


def test_hold_replay_and_conflict() -> None:
    fund("escrow:1", 1_000)
    h = ledger.hold(key="h1", code="escrow:1", currency=EUR, amount=100)
    assert ledger.hold(key="h1", code="escrow:1", currency=EUR, amount=100).pk == h.pk
    assert ledger.balances("escrow:1", EUR).pending_out == 100
    with pytest.raises(Conflict):
        ledger.hold(key="h1", code="escrow:1", currency=EUR, amount=101)


def test_expiry() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock.set_now(start)
    fund("escrow:1", 1_000)
    h = ledger.hold(key="h1", code="escrow:1", currency=EUR, amount=300, expires_at=start + timedelta(days=1))
    ledger.hold(key="h2", code="escrow:1", currency=EUR, amount=200)
    assert ledger.expire_holds() == 0
    clock.advance(timedelta(days=1))
    with pytest.raises(IllegalTransition):
        ledger.post_hold(key="p", hold_id=h.pk, legs=[("x", 1)])
    assert ledger.expire_holds() == 1
    h.refresh_from_db()
    assert h.status == Hold.Status.EXPIRED
    assert ledger.balances("escrow:1", EUR) == ledger.Balance(1_000, 200, 800)
    with pytest.raises(IllegalTransition):
        ledger.void_hold(key="v", hold_id=h.pk)
    assert ledger.expire_holds() == 0
    ok()


def test_verify_names_what_is_wrong() -> None:
    fund("escrow:1", 1_000)
    ok()
    Account.objects.filter(code="escrow:1").update(balance=1_001)
    checks = {p.check for p in verify()}
    assert {"balance_mismatch", "currency_not_zero"} <= checks
    result = CliRunner().invoke(ledger_cli, ["verify"])
    assert result.exit_code == 1
    assert "balance_mismatch" in result.output


def test_verify_cli_ok() -> None:
    fund("escrow:1", 1_000)
    result = CliRunner().invoke(ledger_cli, ["verify"])
    assert result.exit_code == 0, result.output
    assert "ledger ok" in result.output


@pytest.mark.postgres
def test_postgres_refuses_unbalanced_transaction_at_commit() -> None:
    a = ledger.get_account("a", EUR)
    tx = Transaction.objects.create(kind="bad", idempotency_key="bad", fingerprint="x")

    def unbalanced() -> None:
        with transaction.atomic():
            Entry.objects.create(transaction=tx, account=a, amount=5)
            with connection.cursor() as cur:  # check the deferred trigger now instead of at the test's commit
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with pytest.raises(IntegrityError, match="does not balance"):
        unbalanced()


@pytest.mark.postgres
def test_postgres_entries_are_append_only() -> None:
    fund("a", 10)
    entry = Entry.objects.first()
    assert entry is not None
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(amount=11)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).delete()


@pytest.mark.postgres
def test_postgres_rechecks_a_transaction_that_gets_more_entries() -> None:
    """The trigger skips entries it already checked, never ones added after the check."""
    a, b = ledger.get_account("a", EUR), ledger.get_account("b", EUR)
    tx = Transaction.objects.create(kind="bad", idempotency_key="bad", fingerprint="x")

    def balanced_then_unbalanced() -> None:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            Entry.objects.bulk_create(
                [Entry(transaction=tx, account=a, amount=-5), Entry(transaction=tx, account=b, amount=5)]
            )
            Entry.objects.create(transaction=tx, account=b, amount=1)

    with pytest.raises(IntegrityError, match="does not balance"):
        balanced_then_unbalanced()


@pytest.mark.postgres
def test_postgres_unbatched_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """With server-side binding configured the transfer sends one statement at a time; same results."""
    monkeypatch.setitem(connection.settings_dict.setdefault("OPTIONS", {}), "server_side_binding", True)
    fund("a", 100)
    tx = ledger.transfer(key="u", kind="t", currency=EUR, legs=[("a", "b", 60)])
    assert ledger.transfer(key="u", kind="t", currency=EUR, legs=[("a", "b", 60)]).pk == tx.pk
    with pytest.raises(ledger.InsufficientFunds):
        ledger.transfer(key="u2", kind="t", currency=EUR, legs=[("a", "b", 41)])
    assert ledger.balances("b", EUR).balance == 60
    ok()


def test_many_legs_in_one_transaction() -> None:
    """A payout-run sized transaction (1,000 legs) books in one go and balances."""
    legs = [("world", f"creator:{i}:payable", 100 + i) for i in range(1_000)]
    tx = ledger.transfer(key="big", kind="bulk", currency=EUR, legs=legs)
    assert Entry.objects.filter(transaction_id=tx.pk).count() == 2_000
    assert ledger.balances("creator:999:payable", EUR).balance == 1_099
    assert ledger.balances("world", EUR).balance == -sum(a for _, _, a in legs)
    ok()
