"""Payout runs through the real ledger: selection, thresholds, money movement, SEPA file, paid/failed, lateness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.accounts.services import create_operator
from accord.core import clock
from accord.core.errors import IllegalTransition
from accord.ledger import services as ledger
from accord.ledger.models import Transaction
from accord.payouts import sepa, services
from accord.payouts.models import Payout, PayoutFile, PayoutRun, PayoutSchedule
from tests.payouts.helpers import DEBTOR_IBAN, assert_ledger_ok, creator, fund, in_transit, owner_principal, payable

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings: Any) -> None:
    settings.ACCORD_STRIPE_API_KEY = ""
    clock.set_now(MONDAY)
    services.add_debtor(name="Accord Platform B.V.", iban=DEBTOR_IBAN, bic="ABNANL2A", currency="EUR")


def operator() -> Principal:
    user = create_operator(email="ops@accord.test", password="operator-password-1")
    return Principal(organization=Organization.objects.get(kind="operator"), role=Role.OWNER, user=user)


def test_run_pays_due_creators_once_and_writes_a_valid_sepa_file() -> None:
    due = creator(5000)
    small = creator(500)  # below the default EUR 10.00 threshold
    wednesday = creator(7000, weekday=2)  # next slot is Wednesday
    no_method = creator(9000, method="none")
    custom = creator(300, thresholds={"EUR": 200})

    run = services.run_payouts("EUR")
    assert run.state == PayoutRun.State.DONE
    payouts = {p.organization_id: p for p in Payout.objects.filter(run=run)}
    assert set(payouts) == {due.pk, custom.pk}
    assert payouts[due.pk].amount == 5000 and payouts[due.pk].state == Payout.State.PROCESSING
    assert payouts[due.pk].promised_date == date(2026, 11, 25)  # Monday + 2 business days
    assert payable(due) == 0 and payable(custom) == 0
    assert payable(small) == 500 and payable(wednesday) == 7000 and payable(no_method) == 9000
    assert in_transit() == 5300
    assert PayoutSchedule.objects.get(organization=small).deferred_slot == MONDAY.date()
    assert run.payout_count == 2 and run.total_amount == 5300

    [f] = PayoutFile.objects.filter(run=run)
    content = bytes(f.content)
    sepa.validate(content)
    summary = sepa.parse_summary(content)
    assert summary["count"] == 2 and summary["control_sum"] == "53.00"
    assert summary["debtor_iban"] == DEBTOR_IBAN
    txs = {t["end_to_end_id"]: t for t in summary["transactions"]}  # type: ignore[union-attr]
    assert txs[f"ACCORD-PAYOUT-{payouts[due.pk].pk}"]["amount"] == "50.00"
    assert payouts[due.pk].method.iban in {t["iban"] for t in txs.values()}

    # Running again the same day changes nothing: no new payout, no money moves, no new file.
    entries_before = Transaction.objects.count()
    again = services.run_payouts("EUR")
    assert again.pk == run.pk
    assert Payout.objects.count() == 2 and PayoutFile.objects.count() == 1
    assert Transaction.objects.count() == entries_before
    assert_ledger_ok()


def test_paid_and_failed_move_money_and_refuse_illegal_transitions() -> None:
    a, b = creator(4000), creator(6000)
    run = services.run_payouts("EUR")
    pa = Payout.objects.get(run=run, organization=a)
    pb = Payout.objects.get(run=run, organization=b)
    op = operator()

    paid = services.mark_paid(op, pa.pk, reference="bank-statement-1")
    assert paid.state == Payout.State.PAID and paid.days_late == 0
    assert services.mark_paid(op, pa.pk).state == Payout.State.PAID  # idempotent, moves nothing more
    assert in_transit() == 6000
    assert ledger.balances(ledger.WORLD, "EUR").balance == -10000 + 4000

    failed = services.mark_failed(op, pb.pk, reason="account closed")
    assert failed.state == Payout.State.FAILED and failed.failure_reason == "account closed"
    assert payable(b) == 6000 and in_transit() == 0
    assert services.mark_failed(op, pb.pk, reason="again").failure_reason == "account closed"

    with pytest.raises(IllegalTransition):
        services.mark_failed(op, pa.pk, reason="too late")
    with pytest.raises(IllegalTransition):
        services.mark_paid(op, pb.pk)
    assert_ledger_ok()


def test_lateness_is_recorded_and_visible() -> None:
    a, b = creator(4000), creator(6000)
    run = services.run_payouts("EUR")
    pa = Payout.objects.get(run=run, organization=a)
    pb = Payout.objects.get(run=run, organization=b)
    assert pa.promised_date == date(2026, 11, 25)
    clock.set_now(datetime(2026, 11, 27, 12, tzinfo=UTC))  # Friday: two days past the promise
    assert pa.lateness() == 2 and pa.is_late
    assert set(services.late_payouts().values_list("pk", flat=True)) == {pa.pk, pb.pk}
    paid = services.mark_paid(operator(), pa.pk)
    assert paid.days_late == 2
    clock.set_now(datetime(2026, 12, 5, 12, tzinfo=UTC))
    assert Payout.objects.get(pk=pa.pk).lateness() == 2  # frozen once paid
    assert Payout.objects.get(pk=pb.pk).lateness() == 10  # still unpaid: keeps growing


def test_next_slots_threshold_crossing_and_on_demand() -> None:
    weekly = creator(5000)
    small = creator(500)
    on_demand = creator(3000, frequency="on_demand")
    services.run_payouts("EUR")
    assert payable(on_demand) == 3000  # not requested: not paid

    # Wednesday: the small creator crossed the threshold; on-demand creator asks to be paid.
    clock.set_now(datetime(2026, 11, 25, 9, tzinfo=UTC))
    fund(small, 700)
    fund(weekly, 1900)
    services.request_payout(owner_principal(on_demand))
    run = services.run_payouts("EUR")
    got = {p.organization_id: p for p in Payout.objects.filter(run=run)}
    assert set(got) == {small.pk, on_demand.pk}  # weekly creator waits for next Monday
    assert got[small.pk].amount == 1200
    assert got[small.pk].slot_date == date(2026, 11, 23)
    assert got[small.pk].promised_date == date(2026, 11, 27)  # promised from Wednesday, not the missed Monday
    assert got[on_demand.pk].promised_date == date(2026, 11, 27)
    assert PayoutSchedule.objects.get(organization=on_demand).on_demand_requested_at is None

    clock.set_now(datetime(2026, 11, 30, 9, tzinfo=UTC))
    run = services.run_payouts("EUR")
    assert list(Payout.objects.filter(run=run).values_list("organization_id", "amount")) == [(weekly.pk, 1900)]
    assert_ledger_ok()


def test_expected_next_payout() -> None:
    org = creator(5000, weekday=4)  # Fridays
    [exp] = services.expected_payouts(org.pk)
    assert (exp.slot_date, exp.promised_date, exp.amount, exp.reason) == (
        date(2026, 11, 27),
        date(2026, 12, 1),
        5000,
        "",
    )
    poor = creator(10)
    [exp] = services.expected_payouts(poor.pk)
    assert exp.amount == 0 and exp.reason == "below_threshold"


def test_batches_and_a_balance_that_shrank_after_selection() -> None:
    orgs = [creator(1000 + i) for i in range(5)]
    run = services._run_for("EUR", MONDAY.date(), "test")
    services._select(run, batch_size=2)
    assert Payout.objects.filter(run=run, state=Payout.State.SCHEDULED).count() == 5
    # One creator's payable shrinks between selection and the money move (e.g. an operator correction).
    ledger.transfer(
        key="test-shrink",
        kind="test_correction",
        currency="EUR",
        legs=[(ledger.creator_payable_code(orgs[2].pk), ledger.WORLD, 500)],
    )
    services.run_payouts("EUR", batch_size=2)
    states = {p.organization_id: p.state for p in Payout.objects.filter(run=run)}
    assert states.pop(orgs[2].pk) == Payout.State.FAILED
    assert set(states.values()) == {Payout.State.PROCESSING}
    assert payable(orgs[2]) == 502  # untouched
    assert in_transit() == sum(1000 + i for i in range(5) if i != 2)
    assert_ledger_ok()


def test_without_debtor_account_payouts_fail_and_money_returns() -> None:
    from accord.payouts.models import DebtorAccount

    DebtorAccount.objects.update(active=False)
    org = creator(5000)
    run = services.run_payouts("EUR")
    [p] = Payout.objects.filter(run=run)
    assert p.state == Payout.State.FAILED and "debtor" in p.failure_reason
    assert payable(org) == 5000 and in_transit() == 0
    assert run.state == PayoutRun.State.DONE
    assert_ledger_ok()


def test_stripe_without_configuration_fails_back_to_payable() -> None:
    org = creator(5000, method="stripe")
    run = services.run_payouts("EUR")
    [p] = Payout.objects.filter(run=run)
    assert p.provider == "stripe" and p.state == Payout.State.FAILED
    assert payable(org) == 5000
    assert_ledger_ok()


def test_file_paid_marks_every_payout_of_the_file() -> None:
    a, b = creator(4000), creator(6000)
    run = services.run_payouts("EUR")
    [f] = PayoutFile.objects.filter(run=run)
    assert services.mark_file_paid("test", f.pk) == 2
    assert services.mark_file_paid("test", f.pk) == 0
    assert set(Payout.objects.values_list("state", flat=True)) == {Payout.State.PAID}
    assert in_transit() == 0 and payable(a) == 0 and payable(b) == 0
    assert_ledger_ok()


def test_new_schedule_promises_nothing_retroactively() -> None:
    org = creator(5000, frequency="monthly")  # day 1; today is the 23rd
    run = services.run_payouts("EUR")
    assert not Payout.objects.filter(run=run, organization=org).exists()
    clock.set_now(datetime(2026, 12, 1, 9, tzinfo=UTC))
    run = services.run_payouts("EUR")
    p = Payout.objects.get(run=run, organization=org)
    assert p.slot_date == date(2026, 12, 1) and p.promised_date == date(2026, 12, 3)
    clock.set_now(datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(days=1))


def test_a_big_file_is_recorded_by_id_range_without_touching_other_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "RANGE_UPDATE_MIN", 1)
    orgs = [creator(2000 + i, method="sepa" if i % 2 == 0 else "stripe") for i in range(6)]
    run = services.run_payouts("EUR")
    assert run.state == PayoutRun.State.DONE
    [f] = PayoutFile.objects.filter(run=run)
    in_file = set(Payout.objects.filter(file=f).values_list("organization_id", flat=True))
    assert in_file == {o.pk for o in orgs[::2]}
    assert f.payment_count == 3
    stripe = Payout.objects.filter(run=run, provider="stripe")
    assert set(stripe.values_list("state", flat=True)) == {Payout.State.FAILED}
    assert all(payable(o) == 2000 + i for i, o in enumerate(orgs) if i % 2)
    assert_ledger_ok()
