"""Benchmark: one payout run over N creators (default 100,000) on PostgreSQL, SEPA file included.

    .venv/bin/python bench/payouts.py [--creators 100000] [--batch 2000]

Uses ACCORD_DATABASE_URL or postgres://postgres@127.0.0.1:5432/accord_bench_payouts; the database is dropped and
recreated. Creators, payout methods, schedules and payable balances are prepared with bulk SQL (not 100k service
calls): each creator's balance comes from its own balanced ledger transaction ``world → creator:<org>:payable``.
The timed part is exactly what ``accord payouts run`` does: ``services.run_payouts("EUR")`` — select due creators,
create payouts, move money payable → payouts:in_transit through the ledger, write and XSD-validate the
pain.001.001.03 file, store it. Afterwards the ledger is verified and every creator checked to be paid exactly once.
Writes bench/results/payouts.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/accord_bench_payouts"
IBANS = [
    "DE89370400440532013000",
    "NL91ABNA0417164300",
    "FR1420041010050500013M02606",
    "AT683501840977713794",
    "IT60X0542811101000000123456",
    "ES9121000418450200051332",
]


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process on this machine (the PostgreSQL backend)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def recreate_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    admin = psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def prepare(n: int, today: Any) -> dict[str, float]:
    from django.db import connection, transaction

    from accord.accounts.models import Organization
    from accord.core import clock
    from accord.ledger.models import Account, Entry, Transaction
    from accord.payouts import banking
    from accord.payouts.models import PayoutMethod, PayoutSchedule
    from accord.payouts.services import add_debtor

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    now = clock.now()
    masked = {iban: banking.validate_sepa("x", iban) for iban in IBANS}
    with transaction.atomic():
        Organization.objects.bulk_create(
            [
                Organization(name=f"Bench Creator {i}", slug=f"bench-creator-{i}", kind="creator", created_at=now)
                for i in range(n)
            ],
            batch_size=5000,
        )
        org_ids = list(Organization.objects.filter(kind="creator").order_by("id").values_list("id", flat=True))
        methods = []
        schedules = []
        for i, org in enumerate(org_ids):
            d = masked[IBANS[i % len(IBANS)]]
            methods.append(
                PayoutMethod(
                    organization_id=org,
                    kind="sepa",
                    account_holder=f"Bench Créator {i}",
                    iban=d.iban,
                    iban_masked=d.iban_masked,
                    bic=d.bic,
                    bank_name=d.bank_name,
                    is_default=True,
                    created_at=now,
                )
            )
            schedules.append(
                PayoutSchedule(
                    organization_id=org,
                    frequency="weekly",
                    weekday=today.weekday(),
                    effective_from=today - timedelta(days=30),
                    updated_at=now,
                )
            )
        PayoutMethod.objects.bulk_create(methods, batch_size=5000)
        PayoutSchedule.objects.bulk_create(schedules, batch_size=5000)
    timings["organizations_methods_schedules"] = time.perf_counter() - t0

    # Payable balances: one balanced seed transaction per creator (world → payable), inserted in bulk. The
    # per-row deferred balance trigger is switched off for this session's seeding only (replica role); the
    # ledger is verified afterwards with the same checks as `accord ledger verify`.
    t0 = time.perf_counter()
    amounts = [1000 + (i * 7919) % 90000 for i in range(n)]
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")
        world = Account.objects.create(
            code="world", currency="EUR", kind="world", protected=False, balance=-sum(amounts)
        )
        Account.objects.create(code="payouts:in_transit", currency="EUR", kind="in_transit")
        accounts = Account.objects.bulk_create(
            [
                Account(
                    code=f"creator:{org}:payable",
                    currency="EUR",
                    owner_id=org,
                    kind="creator_payable",
                    balance=amount,
                    created_at=now,
                )
                for org, amount in zip(org_ids, amounts, strict=True)
            ],
            batch_size=5000,
        )
        txs = Transaction.objects.bulk_create(
            [
                Transaction(
                    kind="release",
                    idempotency_key=f"bench-seed-{org}",
                    fingerprint="bench",
                    created_at=now,
                    memo="bench seed: milestone released",
                    metadata={"milestone": org},
                )
                for org in org_ids
            ],
            batch_size=5000,
        )
        entries = []
        for acc, tx, amount in zip(accounts, txs, amounts, strict=True):
            entries.append(Entry(transaction_id=tx.pk, account_id=world.pk, amount=-amount))
            entries.append(Entry(transaction_id=tx.pk, account_id=acc.pk, amount=amount))
        Entry.objects.bulk_create(entries, batch_size=10000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    add_debtor(name="Accord Platform B.V.", iban="NL02ABNA0123456789", bic="ABNANL2A", currency="EUR")
    timings["ledger_seed"] = time.perf_counter() - t0
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--creators", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=None, help="creators per batch (default: the service default)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "payouts.json"))
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the run")
    args = parser.parse_args()

    url = os.environ.get("ACCORD_DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        raise SystemExit("this benchmark runs on PostgreSQL (ACCORD_DATABASE_URL=postgres://…)")
    os.environ["ACCORD_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    os.environ.pop("ACCORD_PAYOUTS_HANG_AT", None)
    recreate_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from accord.core import clock
    from accord.ledger.models import Entry
    from accord.ledger.verify import verify
    from accord.payouts import sepa, services
    from accord.payouts.models import Payout, PayoutFile

    call_command("migrate", "--no-input", "-v", "0")
    moment = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    clock.set_now(moment)
    today = moment.date()
    print(f"preparing {args.creators:,} creators …", flush=True)
    setup = prepare(args.creators, today)
    print(f"prepared in {sum(setup.values()):.1f}s: {setup}", flush=True)

    step_times: dict[str, float] = {}
    originals = {name: getattr(services, name) for name in ("_select", "_move", "_submit", "_finish")}

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        (backend_pid,) = cur.fetchone()
    step_cpu: dict[str, list[float]] = {}

    def timed(name: str) -> Any:
        def wrapper(*a: Any, **kw: Any) -> Any:
            t, py, pg = time.perf_counter(), time.process_time(), backend_cpu(backend_pid)
            try:
                return originals[name](*a, **kw)
            finally:
                key = name.strip("_")
                step_times[key] = step_times.get(key, 0.0) + time.perf_counter() - t
                cpu = step_cpu.setdefault(key, [0.0, 0.0])
                cpu[0] += time.process_time() - py
                cpu[1] += backend_cpu(backend_pid) - pg

        return wrapper

    for name in originals:
        setattr(services, name, timed(name))
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    load_before = os.getloadavg()
    py_cpu0, pg_cpu0 = time.process_time(), backend_cpu(backend_pid)
    t0 = time.perf_counter()
    run = services.run_payouts("EUR", today, started_by="bench", batch_size=args.batch)
    seconds = time.perf_counter() - t0
    py_cpu, pg_cpu = time.process_time() - py_cpu0, backend_cpu(backend_pid) - pg_cpu0
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    for name, func in originals.items():
        setattr(services, name, func)
    print(f"payout run: {seconds:.2f}s  steps: { {k: round(v, 2) for k, v in step_times.items()} }", flush=True)

    # Check the outcome: every creator paid exactly once, one valid SEPA file with every payout, ledger consistent.
    t0 = time.perf_counter()
    payouts = Payout.objects.filter(run=run)
    count = payouts.count()
    distinct = payouts.values("organization_id").distinct().count()
    files = list(PayoutFile.objects.filter(run=run))
    sepa.validate(bytes(files[0].content))
    debits = Entry.objects.filter(account__kind="creator_payable", amount__lt=0).count()
    problems = verify()
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM ledger_account WHERE kind = 'creator_payable' AND balance <> 0")
        (left,) = cur.fetchone()
        cur.execute("SELECT version()")
        (pg_version,) = cur.fetchone()
    check_seconds = time.perf_counter() - t0
    ok = (
        run.state == "done"
        and count == distinct == args.creators
        and debits == args.creators
        and left == 0
        and not problems
        and len(files) == 1
        and files[0].payment_count == args.creators
    )
    result = {
        "benchmark": "payout run (accord.payouts.services.run_payouts) on PostgreSQL, SEPA file included",
        "creators": args.creators,
        "batch_size": args.batch or settings.ACCORD_PAYOUTS_BATCH,
        "seconds": round(seconds, 2),
        "goal_seconds": 30,
        "meets_goal": seconds <= 30,
        "steps_seconds": {k: round(v, 2) for k, v in step_times.items()},
        # CPU actually spent (this Python process + its PostgreSQL backend): on a busy shared machine the wall time
        # above includes waiting for a CPU; their sum estimates the run on an idle one (fsync waits excluded).
        "cpu_seconds": {
            "python": round(py_cpu, 2),
            "postgres_backend": round(pg_cpu, 2),
            "sum": round(py_cpu + pg_cpu, 2),
        },
        "steps_cpu_seconds": {k: {"python": round(v[0], 2), "postgres": round(v[1], 2)} for k, v in step_cpu.items()},
        "payouts": count,
        "payout_total_minor": run.total_amount,
        "sepa_file_bytes": len(bytes(files[0].content)) if files else 0,
        "sepa_payments": files[0].payment_count if files else 0,
        "verified": ok,
        "ledger_problems": [p.message for p in problems][:5],
        "check_seconds": round(check_seconds, 2),
        "setup_seconds": {k: round(v, 2) for k, v in setup.items()},
        "postgres": pg_version,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_1_5_15_before_run": [round(x, 2) for x in load_before],
        "load_average_1_5_15_after_run": [round(x, 2) for x in os.getloadavg()],
        "legs_per_ledger_transfer": services.MOVE_LEGS,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "ACCORD_DATABASE_URL=… .venv/bin/python bench/payouts.py --creators "
        f"{args.creators}" + (f" --batch {args.batch}" if args.batch else ""),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if not ok:
        raise SystemExit("the run did not verify")


if __name__ == "__main__":
    main()
