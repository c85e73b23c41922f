"""Random sequences of escrow and ledger operations against a simple model; every invariant checked after each step.

Deposits, holds (some expiring), partial and full releases, voids, expiries, accruals, unlocks, clawbacks, refunds
and replays of earlier keys run through the real services on the test database (SQLite, or PostgreSQL where the
constraint triggers are made immediate so they check every statement).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test

from accord.accounts.models import Organization
from accord.core import clock
from accord.core.errors import IllegalTransition
from accord.escrow import services as escrow
from accord.escrow.models import Accrual
from accord.ledger import services as ledger
from accord.ledger.models import Hold
from accord.ledger.verify import verify
from tests.conftest import make_org
from tests.escrow.helpers import brand_principal, campaign_for, operator_principal

EUR = "EUR"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_keys = itertools.count(1)


def key(prefix: str) -> str:
    return f"{prefix}-{next(_keys)}"


@dataclass
class HeldRef:
    escrow_hold_id: int
    campaign: int
    amount: int
    expires_at: datetime | None


@dataclass
class AccrualRef:
    accrual_id: int
    campaign: int
    creator: int


class EscrowMachine(RuleBasedStateMachine):
    holds = Bundle("holds")
    accruals = Bundle("accruals")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        clock.set_now(START)
        self.brand = brand_principal()
        self.operator = operator_principal()
        self.campaigns = [campaign_for(self.brand.organization).pk for _ in range(2)]
        self.creators = [make_org(Organization.Kind.CREATOR)[0].pk for _ in range(2)]
        # the model
        self.escrow_balance = dict.fromkeys(self.campaigns, 0)
        self.held = dict.fromkeys(self.campaigns, 0)
        self.pending = dict.fromkeys(self.creators, 0)
        self.payable = dict.fromkeys(self.creators, 0)
        self.fees = 0
        self.world = 0
        self.pending_holds: dict[int, HeldRef] = {}
        self.locked: dict[int, tuple[int, datetime]] = {}  # accrual id -> (remaining, available_at)
        self.last_replay: tuple[str, object] | None = None

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        clock.set_now(None)

    def available(self, campaign: int) -> int:
        return self.escrow_balance[campaign] - self.held[campaign]

    # -- rules -----------------------------------------------------------------------------------------------------

    @rule(c=st.integers(0, 1), amount=st.integers(1, 50_000))
    def deposit(self, c: int, amount: int) -> None:
        campaign = self.campaigns[c]
        d = escrow.start_deposit(self.brand, campaign_id=campaign, amount=amount, key=key("dep"))
        escrow.confirm_deposit(self.operator, deposit_id=d.pk)
        escrow.confirm_deposit(self.operator, deposit_id=d.pk)  # a second confirmation moves nothing
        self.escrow_balance[campaign] += amount
        self.world -= amount

    @rule(
        target=holds,
        c=st.integers(0, 1),
        who=st.integers(0, 1),
        amount=st.integers(1, 40_000),
        days=st.none() | st.integers(1, 20),
    )
    def fund(self, c: int, who: int, amount: int, days: int | None) -> HeldRef | None:
        campaign = self.campaigns[c]
        expires = clock.now() + timedelta(days=days) if days else None
        k = key("fund")
        if amount > self.available(campaign):
            with pytest.raises(ledger.InsufficientFunds):
                escrow.fund_hold(
                    None, campaign_id=campaign, creator_org_id=self.creators[who], amount=amount,
                    reference_type="milestone", reference_id=k, key=k, expires_at=expires,
                )  # fmt: skip
            return None
        eh = escrow.fund_hold(
            None, campaign_id=campaign, creator_org_id=self.creators[who], amount=amount,
            reference_type="milestone", reference_id=k, key=k, expires_at=expires,
        )  # fmt: skip
        self.held[campaign] += amount
        ref = HeldRef(eh.pk, campaign, amount, expires)
        self.pending_holds[eh.pk] = ref
        return ref

    @rule(ref=consumes(holds), share=st.integers(1, 100))
    def release(self, ref: HeldRef | None, share: int) -> None:
        if ref is None:
            return
        amount = max(1, ref.amount * share // 100)
        k = key("rel")
        if ref.escrow_hold_id not in self.pending_holds:
            with pytest.raises(IllegalTransition):
                escrow.release(None, escrow_hold_id=ref.escrow_hold_id, key=k, amount=amount)
            return
        eh = escrow.release(None, escrow_hold_id=ref.escrow_hold_id, key=k, amount=amount)
        assert eh.released_amount == amount
        del self.pending_holds[ref.escrow_hold_id]
        self.held[ref.campaign] -= ref.amount
        self.escrow_balance[ref.campaign] -= amount
        self.payable[eh.creator_id] += amount - eh.fee_amount
        self.fees += eh.fee_amount
        self.last_replay = ("release", (ref.escrow_hold_id, k, amount))

    @rule(ref=consumes(holds))
    def void(self, ref: HeldRef | None) -> None:
        if ref is None:
            return
        if ref.escrow_hold_id not in self.pending_holds:
            with pytest.raises(IllegalTransition):
                escrow.void_funding(None, escrow_hold_id=ref.escrow_hold_id, key=key("void"))
            return
        escrow.void_funding(None, escrow_hold_id=ref.escrow_hold_id, key=key("void"))
        del self.pending_holds[ref.escrow_hold_id]
        self.held[ref.campaign] -= ref.amount

    @rule(
        target=accruals,
        c=st.integers(0, 1),
        who=st.integers(0, 1),
        amount=st.integers(1, 20_000),
        lock=st.sampled_from([0, 7, 14]),
    )
    def accrue(self, c: int, who: int, amount: int, lock: int) -> AccrualRef | None:
        campaign, creator = self.campaigns[c], self.creators[who]
        if amount > self.available(campaign):
            with pytest.raises(ledger.InsufficientFunds):
                escrow.accrue(
                    campaign_id=campaign, creator_org_id=creator, amount=amount, key=key("acc"), lock_days=lock
                )
            return None
        k = key("acc")
        a = escrow.accrue(campaign_id=campaign, creator_org_id=creator, amount=amount, key=k, lock_days=lock)
        self.escrow_balance[campaign] -= amount
        self.pending[creator] += amount
        self.locked[a.pk] = (amount, a.available_at)
        self.last_replay = ("accrue", (campaign, creator, amount, k, lock))
        return AccrualRef(a.pk, campaign, creator)

    @rule(ref=accruals, share=st.integers(1, 100))
    def clawback(self, ref: AccrualRef | None, share: int) -> None:
        if ref is None:
            return
        state = self.locked.get(ref.accrual_id)
        if state is None or state[0] == 0:
            with pytest.raises(IllegalTransition):
                escrow.clawback(accrual_id=ref.accrual_id, amount=1, reason="refunded order", key=key("cb"))
            return
        remaining, available_at = state
        amount = max(1, remaining * share // 100)
        escrow.clawback(accrual_id=ref.accrual_id, amount=amount, reason="refunded order", key=key("cb"))
        self.locked[ref.accrual_id] = (remaining - amount, available_at)
        if remaining - amount == 0:
            del self.locked[ref.accrual_id]
        self.pending[ref.creator] -= amount
        self.escrow_balance[ref.campaign] += amount

    @rule(days=st.integers(1, 15))
    def time_passes(self, days: int) -> None:
        clock.advance(timedelta(days=days))
        now = clock.now()
        expired = [r for r in self.pending_holds.values() if r.expires_at is not None and r.expires_at <= now]
        assert ledger.expire_holds() == len(expired)
        for r in expired:
            del self.pending_holds[r.escrow_hold_id]
            self.held[r.campaign] -= r.amount
        matured = {aid: rem for aid, (rem, at) in self.locked.items() if at <= now}
        assert escrow.unlock_matured() == len(matured)
        for aid, remaining in matured.items():
            creator = Accrual.objects.get(pk=aid).creator_id
            self.pending[creator] -= remaining
            self.payable[creator] += remaining
            del self.locked[aid]

    @rule(c=st.integers(0, 1), share=st.integers(1, 100))
    def refund(self, c: int, share: int) -> None:
        campaign = self.campaigns[c]
        if self.available(campaign) == 0:
            with pytest.raises(ledger.InsufficientFunds):
                escrow.refund(None, campaign_id=campaign, amount=1, key=key("ref"))
            return
        amount = max(1, self.available(campaign) * share // 100)
        escrow.refund(None, campaign_id=campaign, amount=amount, key=key("ref"))
        self.escrow_balance[campaign] -= amount
        self.world += amount

    @rule()
    def replay_last(self) -> None:
        """Replaying the last release or accrual with its key moves nothing."""
        if self.last_replay is None:
            return
        what, args = self.last_replay
        if what == "release":
            hold_id, k, amount = args  # type: ignore[misc]
            escrow.release(None, escrow_hold_id=hold_id, key=k, amount=amount)
        else:
            campaign, creator, amount, k, lock = args  # type: ignore[misc]
            escrow.accrue(campaign_id=campaign, creator_org_id=creator, amount=amount, key=k, lock_days=lock)

    # -- invariants ------------------------------------------------------------------------------------------------

    @invariant()
    def ledger_is_consistent(self) -> None:
        assert verify() == []

    @invariant()
    def balances_match_the_model(self) -> None:
        for campaign in self.campaigns:
            b = ledger.balances(ledger.escrow_code(campaign), EUR)
            assert (b.balance, b.pending_out) == (self.escrow_balance[campaign], self.held[campaign])
            assert b.available >= 0
        for creator in self.creators:
            assert ledger.balances(ledger.creator_pending_code(creator), EUR).balance == self.pending[creator]
            assert ledger.balances(ledger.creator_payable_code(creator), EUR).balance == self.payable[creator]
        assert ledger.balances(ledger.PLATFORM_FEES, EUR).balance == self.fees
        assert ledger.balances(ledger.WORLD, EUR).balance == self.world
        assert Hold.objects.filter(status=Hold.Status.PENDING).count() == len(self.pending_holds)


@pytest.mark.django_db
def test_escrow_state_machine() -> None:
    run_state_machine_as_test(
        EscrowMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
