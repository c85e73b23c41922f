"""Hypothesis properties of accrual against the real ledger (bounded examples: each builds a signed contract).

- accrual is idempotent: accruing twice books what accruing once does (the second run books nothing);
- accrued never exceeds the rule cap, the spend limit per period, the terms cap or the escrow;
- refunds bring the commission to what the net orders would have earned (inside the lock window, no cap);
- the money is checked against the ledger (creator pending = sum of bookings, escrow = deposit − net) and the
  ledger verifies clean.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from accord.core import clock
from accord.core.money import round_half_even
from accord.incentives import services
from accord.incentives.models import Booking
from accord.ledger import services as ledger
from accord.ledger.verify import verify
from tests.incentives.helpers import collaboration, ingest, refund, sale

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example builds a contract in the DB
)

step = st.tuples(
    st.booleans(),  # next day first
    st.sampled_from(["sale", "sale", "refund"]),
    st.integers(min_value=1, max_value=40_000),
)


def _check_ledger(deal_creator: int, campaign_id: int, deposit: int, contract_id: int) -> int:
    net = sum(Booking.objects.filter(contract_id=contract_id).values_list("amount", flat=True))
    assert ledger.balances(ledger.creator_pending_code(deal_creator), "EUR").balance == net
    assert ledger.balances(ledger.escrow_code(campaign_id), "EUR").balance == deposit - net
    assert verify() == []
    return net


@SETTINGS
@given(
    steps=st.lists(step, min_size=1, max_size=6),
    deposit=st.integers(min_value=1, max_value=6_000),
    rule_cap=st.one_of(st.none(), st.integers(min_value=0, max_value=5_000)),
    limit=st.one_of(st.none(), st.integers(min_value=0, max_value=3_000)),
    terms_cap=st.one_of(st.none(), st.integers(min_value=0, max_value=6_000)),
)
def test_idempotent_and_bounded_by_caps_limits_and_escrow(
    steps: list[tuple[bool, str, int]], deposit: int, rule_cap: int | None, limit: int | None, terms_cap: int | None
) -> None:
    clock.set_now(None)
    rev: dict[str, object] = {"kind": "revenue_share", "id": "rev", "percent": "10"}
    cpa: dict[str, object] = {"kind": "cpa", "id": "cpa", "rate": "700"}
    if rule_cap is not None:
        rev["cap"] = rule_cap
    if limit is not None:
        cpa["spend_limit"] = {"amount": limit, "period": "day"}
    deal, contract, link = collaboration(rev, cpa, deposit=deposit, cap=terms_cap)
    sold = 0
    try:
        for next_day, kind, amount in steps:
            if next_day:
                clock.advance(timedelta(days=1))
            if kind == "refund":
                amount = min(amount, sold)
                if not amount:
                    continue
                sold -= amount
                ingest(deal, link, refund(amount))
            else:
                sold += amount
                ingest(deal, link, sale(amount))
            services.accrue_contract(contract.pk)
            again = services.accrue_contract(contract.pk)
            assert (again.accrued, again.clawed_back, again.bookings) == (0, 0, [])
            net = _check_ledger(deal.creator.pk, deal.campaign.pk, deposit, contract.pk)
            assert 0 <= net <= deposit  # never more than the escrow held (clawed-back money may accrue again)
            if terms_cap is not None:
                assert net <= terms_cap
            if rule_cap is not None:
                assert sum(b.amount for b in Booking.objects.filter(contract=contract, position__rule_id="rev")) <= (
                    rule_cap
                )
            if limit is not None:
                per_day: dict[str, int] = defaultdict(int)
                for b in Booking.objects.filter(contract=contract, position__rule_id="cpa").select_related("position"):
                    per_day[b.position.period] += b.amount
                assert all(v <= limit for v in per_day.values())
    finally:
        clock.set_now(None)


@SETTINGS
@given(
    sales=st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=5),
    refund_shares=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=5),
    percent=st.sampled_from(["5", "10", "12.5", "33"]),
)
def test_refunds_bring_commission_to_what_the_net_orders_earn(
    sales: list[int], refund_shares: list[int], percent: str
) -> None:
    deal, contract, link = collaboration({"kind": "revenue_share", "id": "rev", "percent": percent})
    ingest(deal, link, *[sale(s) for s in sales])
    services.accrue_contract(contract.pk)
    refunded = 0
    for s, share in zip(sales, refund_shares, strict=False):
        amount = s * share // 100
        if amount:
            refunded += amount
            ingest(deal, link, refund(amount))
            services.accrue_contract(contract.pk)
    expected = round_half_even(Decimal(percent) * Decimal(sum(sales) - refunded) / 100)
    net = _check_ledger(deal.creator.pk, deal.campaign.pk, 1_000_000, contract.pk)
    assert net == expected
    assert all(b.reason == "refund" and b.evidence["refunds"] for b in Booking.objects.filter(kind="clawback"))
