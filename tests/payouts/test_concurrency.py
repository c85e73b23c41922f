"""Runs racing each other, the scheduled job, and currencies a SEPA file cannot carry."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from accord.core import clock
from accord.ledger import services as ledger
from accord.ledger.models import Entry
from accord.payouts import jobs, services
from accord.payouts.models import Payout, PayoutFile, PayoutRun
from tests.payouts.helpers import DEBTOR_IBAN, assert_ledger_ok, creator, in_transit, payable

MONDAY = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runners_pay_each_creator_once() -> None:
    clock.set_now(MONDAY)
    services.add_debtor(name="Accord", iban=DEBTOR_IBAN, bic="ABNANL2A", currency="EUR")
    orgs = [creator(1000 + i) for i in range(24)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def runner() -> None:
        try:
            barrier.wait()
            services.run_payouts("EUR", MONDAY.date(), batch_size=5)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    services.run_payouts("EUR", MONDAY.date())  # whoever lost a race: finish the run
    run = PayoutRun.objects.get(currency="EUR", run_date=MONDAY.date())
    assert run.state == PayoutRun.State.DONE
    assert sorted(Payout.objects.filter(run=run).values_list("organization_id", flat=True)) == sorted(
        o.pk for o in orgs
    )
    for org in orgs:
        assert payable(org) == 0
        assert Entry.objects.filter(account__code=ledger.creator_payable_code(org.pk), amount__lt=0).count() == 1
    [f] = PayoutFile.objects.filter(run=run)
    assert f.payment_count == 24
    assert in_transit() == sum(1000 + i for i in range(24))
    assert_ledger_ok()


@pytest.mark.django_db
def test_the_scheduled_job_runs_every_currency() -> None:
    clock.set_now(MONDAY)
    services.add_debtor(name="Accord", iban=DEBTOR_IBAN, bic="ABNANL2A", currency="EUR")
    eur = creator(5000)
    usd = creator(7000, currency="USD")  # no USD debtor account: fails back to payable
    jpy = creator(5000, currency="JPY")  # SEPA amounts have two decimals: refused, money returns
    assert jobs.run_payouts() == 3
    runs = {r.currency: r for r in PayoutRun.objects.all()}
    assert set(runs) == {"EUR", "USD", "JPY"} and all(r.state == PayoutRun.State.DONE for r in runs.values())
    assert Payout.objects.get(organization=eur).state == Payout.State.PROCESSING
    failed = {p.currency: p.failure_reason for p in Payout.objects.filter(state=Payout.State.FAILED)}
    assert "debtor" in failed["USD"] and "two decimals" in failed["JPY"]
    assert payable(usd, "USD") == 7000 and payable(jpy, "JPY") == 5000
    assert jobs.run_payouts() == 2  # the same day again (USD, JPY still hold money): nothing new
    assert Payout.objects.count() == 3
    assert_ledger_ok()
