"""kill -9 in the middle of a payout run, then run again: every creator is paid exactly once, invariants hold.

The run is a real ``accord payouts run`` subprocess on the test database. ``ACCORD_PAYOUTS_HANG_AT=<step>:<n>`` makes
it announce and hang at that point (after a committed batch, or inside an open transaction); the test SIGKILLs it
there, checks the ledger, runs the command again without the hook and checks the outcome.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from accord.core import clock
from accord.ledger import services as ledger
from accord.ledger.models import Entry
from accord.payouts import sepa, services
from accord.payouts.models import Payout, PayoutFile, PayoutRun
from tests.payouts.helpers import DEBTOR_IBAN, assert_ledger_ok, creator, in_transit, payable

ROOT = Path(__file__).resolve().parents[2]
AMOUNTS = [1500, 2600, 3700, 4800, 5900, 7000, 8100]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        auth = s.get("USER") or "postgres"
        if s.get("PASSWORD"):
            auth += f":{s['PASSWORD']}"
        return f"postgres://{auth}@{host}:{port}/{s['NAME']}"
    return f"sqlite:///{Path(s['NAME']).resolve()}"


def accord(hang_at: str | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "ACCORD_DATABASE_URL": database_url(), "ACCORD_PAYOUTS_BATCH": "2"}
    env.pop("ACCORD_PAYOUTS_HANG_AT", None)
    env.pop("ACCORD_STRIPE_API_KEY", None)
    if hang_at:
        env["ACCORD_PAYOUTS_HANG_AT"] = hang_at
    return subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "payouts", "run", "--currency", "EUR"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_until_hang_then_kill(hang_at: str) -> str:
    proc = accord(hang_at)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith(f"HANG {hang_at}"):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            assert proc.returncode == -signal.SIGKILL
            return "".join(seen)
    proc.kill()
    proc.wait()
    raise AssertionError(f"the run never reached {hang_at}: {''.join(seen)}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("hang_at", ["select-uncommitted:1", "move:2", "move-uncommitted:2", "submit:1"])
def test_a_run_killed_mid_way_and_run_again_pays_everyone_exactly_once(hang_at: str) -> None:
    clock.set_now(None)  # the subprocess reads the system clock: schedules must be due today for real
    today = clock.today()
    services.add_debtor(name="Accord Platform", iban=DEBTOR_IBAN, bic="ABNANL2A", currency="EUR")
    orgs = [creator(amount, weekday=today.weekday()) for amount in AMOUNTS]
    bystander = creator(900, weekday=today.weekday())  # below threshold: never paid

    run_until_hang_then_kill(hang_at)
    assert_ledger_ok()  # whatever was committed is consistent, whatever was not left no trace
    moved = Payout.objects.exclude(move_transaction_id=None).count()
    assert in_transit() == sum(Payout.objects.exclude(move_transaction_id=None).values_list("amount", flat=True))
    if hang_at == "move:2":
        assert moved == 4

    done = accord()
    out, _ = done.communicate(timeout=120)
    assert done.returncode == 0, out

    run = PayoutRun.objects.get(currency="EUR", run_date=today)
    assert run.state == PayoutRun.State.DONE
    payouts = list(Payout.objects.filter(run=run))
    assert sorted(p.organization_id for p in payouts) == sorted(o.pk for o in orgs)
    assert all(p.state == Payout.State.PROCESSING and p.file_id is not None for p in payouts)
    for org, amount in zip(orgs, AMOUNTS, strict=True):
        assert payable(org) == 0
        debits = Entry.objects.filter(
            account__code=ledger.creator_payable_code(org.pk), account__currency="EUR", amount__lt=0
        )
        assert list(debits.values_list("amount", flat=True)) == [-amount]  # moved exactly once
    assert payable(bystander) == 900
    assert in_transit() == sum(AMOUNTS)
    [f] = PayoutFile.objects.filter(run=run)
    summary = sepa.parse_summary(bytes(f.content))
    ids = sorted(t["end_to_end_id"] for t in summary["transactions"])  # type: ignore[union-attr]
    assert ids == sorted(p.end_to_end_id for p in payouts)
    assert_ledger_ok()
