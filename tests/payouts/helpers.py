"""Helpers for payout tests: creators with money in payable, methods and schedules, ledger checks."""

from __future__ import annotations

import itertools
from datetime import date

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.ledger import services as ledger
from accord.ledger.verify import verify
from accord.payouts import services
from accord.payouts.models import PayoutMethod
from tests.conftest import make_org

IBANS = ["DE89370400440532013000", "NL91ABNA0417164300", "FR1420041010050500013M02606", "AT683501840977713794"]
DEBTOR_IBAN = "NL02ABNA0123456789"
_seq = itertools.count(1)


def owner_principal(org: Organization) -> Principal:
    user = org.memberships.get(role=Role.OWNER).user
    return Principal(organization=org, role=Role.OWNER, user=user)


def fund(org: Organization, amount: int, currency: str = "EUR") -> None:
    """Put ``amount`` on the creator's payable account (from the outside world, as a release would)."""
    ledger.transfer(
        key=f"test-fund:{org.pk}:{next(_seq)}",
        kind="test_release",
        currency=currency,
        legs=[(ledger.WORLD, ledger.creator_payable_code(org.pk), amount)],
        memo="milestone released",
        metadata={"milestone": 7},
    )


def payable(org: Organization, currency: str = "EUR") -> int:
    return ledger.balances(ledger.creator_payable_code(org.pk), currency).balance


def in_transit(currency: str = "EUR") -> int:
    return ledger.balances(ledger.PAYOUTS_IN_TRANSIT, currency).balance


def creator(
    amount: int = 0,
    *,
    frequency: str = "weekly",
    weekday: int = 0,
    method: str = "sepa",
    effective_from: date | None = None,
    thresholds: dict[str, int] | None = None,
    currency: str = "EUR",
) -> Organization:
    org, _ = make_org(Organization.Kind.CREATOR)
    p = owner_principal(org)
    n = next(_seq)
    if method == "sepa":
        services.add_method(p, kind=PayoutMethod.Kind.SEPA, account_holder=f"Créator {n}", iban=IBANS[n % len(IBANS)])
    elif method == "stripe":
        services.add_method(p, kind=PayoutMethod.Kind.STRIPE, stripe_account_id=f"acct_1Test{n:08d}")
    sched = services.set_schedule(p, frequency=frequency, weekday=weekday, thresholds=thresholds)
    if effective_from is not None:
        type(sched).objects.filter(pk=sched.pk).update(effective_from=effective_from)
    if amount:
        fund(org, amount, currency)
    return org


def assert_ledger_ok() -> None:
    problems = verify()
    assert not problems, problems
