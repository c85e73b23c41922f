"""'Run payouts now' on the operator's page: a big run is handed to the background worker (django-tasks-db, the real
worker) and its page follows the progress; a small one finishes in the request."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from accord.accounts.models import Organization
from accord.accounts.services import create_operator
from accord.core import clock
from accord.payouts import services
from accord.payouts.models import PayoutRun
from tests.conftest import client_for, run_worker
from tests.payouts.helpers import DEBTOR_IBAN, assert_ledger_ok, creator, in_transit

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NONCE = re.compile(r'name="nonce" value="([0-9a-f]{32})"')


@pytest.fixture(autouse=True)
def _monday() -> None:
    clock.set_now(MONDAY)


def _operator() -> Client:
    user = create_operator(email="runs@accord.test", password="operator-password-1")
    return client_for(user, Organization.objects.get(kind=Organization.Kind.OPERATOR))


def _run_now(op: Client) -> object:
    found = NONCE.search(op.get("/payouts/operator/run/?currency=EUR").content.decode())
    assert found
    return op.post("/payouts/operator/run/", {"nonce": found.group(1), "currency": "EUR"}, follow=True)


@pytest.mark.django_db(transaction=True)
def test_a_big_run_goes_to_the_worker_and_its_page_follows_it(settings: Any) -> None:
    settings.ACCORD_PAYOUTS_INLINE_MAX = 2
    services.add_debtor(name="Accord BV", iban=DEBTOR_IBAN, bic="", currency="EUR")
    for amount in (5000, 6000, 7000):
        creator(amount)
    op = _operator()

    page = _run_now(op)
    run = PayoutRun.objects.get()
    assert page.redirect_chain[-1][0] == f"/payouts/operator/runs/{run.pk}/"  # type: ignore[attr-defined]
    html = page.content.decode()  # type: ignore[attr-defined]
    assert "started in the background" in html and 'hx-trigger="every 5s"' in html
    assert run.state == PayoutRun.State.OPEN and in_transit() == 0  # the request did not run it
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    run_worker("test-payouts-worker")
    run.refresh_from_db()
    assert run.state == PayoutRun.State.DONE and run.payout_count == 3 and run.total_amount == 18_000
    assert in_transit() == 18_000 and set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert 'hx-trigger="every 5s"' not in op.get(f"/payouts/operator/runs/{run.pk}/").content.decode()
    assert_ledger_ok()

    # starting it again: the run is done, nothing is queued or moved twice
    _run_now(op)
    run_worker("test-payouts-worker")
    assert PayoutRun.objects.count() == 1 and in_transit() == 18_000 and DBTaskResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_small_run_finishes_in_the_request() -> None:
    services.add_debtor(name="Accord BV", iban=DEBTOR_IBAN, bic="", currency="EUR")
    creator(5000)
    page = _run_now(_operator())
    run = PayoutRun.objects.get()
    assert run.state == PayoutRun.State.DONE and in_transit() == 5000 and not DBTaskResult.objects.exists()
    assert "started in the background" not in page.content.decode()  # type: ignore[attr-defined]
