"""Benchmark: ledger transfers/s against the server's plain INSERT + COMMIT ceiling, on PostgreSQL.

    .venv/bin/python bench/ledger.py [--workers 4] [--accounts 10000] [--seconds 8] [--rounds 3]

Uses ACCORD_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/accord_bench (that default database is dropped and
recreated; a database given by URL is only migrated, and the bench uses its own ``bench:<n>`` accounts).

(a) transfers/s through ``accord.ledger.services.transfer`` (one leg between two random accounts of ``--accounts``,
    each call its own committed transaction with its own idempotency key) with ``--workers`` worker processes;
(b) the ceiling: single-row ``INSERT`` + ``COMMIT`` transactions/s by plain psycopg on the same server with the same
    number of worker processes (and, for reference, with one);
(c) the ratio a / b.
The measurements are interleaved over ``--rounds`` rounds (a, b, then the one-worker pair) and medians reported, so a
busy shared machine weighs on both sides alike; ``c_ratio`` is the median of the per-round ratios (each a and b
measured back to back), and the per-round values are kept in the result.
Afterwards ``accord ledger verify``'s checks run over the whole ledger. Writes bench/results/ledger.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/accord_bench"
FUNDING = 10**12


def _connect_kwargs(url: str, dbname: str | None = None) -> dict[str, Any]:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    return {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": cfg["PORT"] or 5432,
        "user": cfg["USER"] or "postgres",
        "password": cfg["PASSWORD"] or None,
        "dbname": dbname or cfg["NAME"],
    }


def recreate_database(url: str) -> None:
    import psycopg

    kwargs = _connect_kwargs(url, "postgres")
    name = _connect_kwargs(url)["dbname"]
    with psycopg.connect(**kwargs, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["ACCORD_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()


def prepare_accounts(n: int) -> list[str]:
    """Create ``n`` protected accounts, each funded from ``world`` through the ledger (in chunks of 500 legs)."""
    from accord.ledger import services as ledger

    codes = [f"bench:{i}" for i in range(n)]
    for start in range(0, n, 500):
        chunk = codes[start : start + 500]
        ledger.transfer(
            key=f"bench-fund-{n}-{start}",
            kind="bench_fund",
            currency="EUR",
            legs=[("world", code, FUNDING) for code in chunk],
        )
    return codes


def transfer_worker(
    url: str, codes: list[str], run: str, seconds: float, ready: Any, start: Any, results: Any, wid: int
) -> None:
    setup_django(url)
    from django.db import connection

    from accord.ledger import services as ledger

    rnd = random.Random(f"{run}-{wid}")
    ledger.balances(codes[0], "EUR")  # connect before the clock starts
    ready.put(wid)
    start.wait()
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        src, dst = rnd.sample(codes, 2)
        legs = [(src, dst, rnd.randint(1, 10_000))]
        ledger.transfer(key=f"bench-{run}-{wid}-{done}", kind="bench", currency="EUR", legs=legs)
        done += 1
    connection.close()
    results.put(done)


def insert_worker(url: str, seconds: float, ready: Any, start: Any, results: Any, wid: int) -> None:
    import psycopg

    with psycopg.connect(**_connect_kwargs(url)) as conn:
        conn.execute("SELECT 1")
        conn.commit()
        ready.put(wid)
        start.wait()
        done = 0
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            conn.execute("INSERT INTO bench_ceiling (worker, v) VALUES (%s, %s)", (wid, done))
            conn.commit()
            done += 1
    results.put(done)


def run_parallel(target: Any, args: tuple[Any, ...], workers: int, seconds: float) -> float:
    """Start ``workers`` processes, wait until every one is connected, then count what they finish in ``seconds``."""
    ctx = mp.get_context("spawn")
    ready, start, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, seconds, ready, start, results, w)) for w in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    t0 = time.perf_counter()
    start.set()
    total = sum(results.get(timeout=seconds + 120) for _ in procs)
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join()
    return total / elapsed


def statements_per_transfer(codes: list[str]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accord.ledger import services as ledger

    with CaptureQueriesContext(connection) as ctx:
        ledger.transfer(
            key=f"bench-count-{time.time_ns()}", kind="bench", currency="EUR", legs=[(codes[0], codes[1], 1)]
        )
    return len(ctx.captured_queries)


def server_settings(url: str) -> dict[str, str]:
    import psycopg

    names = ["server_version", "synchronous_commit", "fsync", "wal_sync_method", "commit_delay", "max_connections"]
    with psycopg.connect(**_connect_kwargs(url)) as conn:
        return {n: str(conn.execute(f"SHOW {n}").fetchone()[0]) for n in names}  # type: ignore[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ledger.json"))
    args = parser.parse_args()

    url = os.environ.get("ACCORD_DATABASE_URL") or DEFAULT_URL
    if url == DEFAULT_URL:
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "--no-input", "-v", "0")
    import psycopg

    with psycopg.connect(**_connect_kwargs(url), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_ceiling")
        conn.execute("CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, worker int NOT NULL, v bigint NOT NULL)")

    t0 = time.perf_counter()
    codes = prepare_accounts(args.accounts)
    prepare_s = time.perf_counter() - t0
    with connection.cursor() as cur:  # what autovacuum would do after a bulk load; the bench should not wait for it
        cur.execute("ANALYZE")
    statements = statements_per_transfer(codes)
    connection.close()
    run = str(time.time_ns())

    # Interleave the two measurements so both see the same background load on a shared machine; report medians.
    rounds: list[dict[str, float]] = []
    for r in range(args.rounds):
        a = run_parallel(transfer_worker, (url, codes, f"{run}-{r}"), args.workers, args.seconds)
        b = run_parallel(insert_worker, (url,), args.workers, args.seconds)
        a1 = run_parallel(transfer_worker, (url, codes, f"{run}-{r}-single"), 1, args.seconds)
        b1 = run_parallel(insert_worker, (url,), 1, args.seconds)
        rounds.append({"a": a, "b": b, "ratio": a / b, "a_1": a1, "b_1": b1, "ratio_1": a1 / b1})
        print(f"round {r + 1}: " + ", ".join(f"{k}={v:.3f}" for k, v in rounds[-1].items()), file=sys.stderr)
    transfers = statistics.median(x["a"] for x in rounds)
    ceiling = statistics.median(x["b"] for x in rounds)
    transfers_1 = statistics.median(x["a_1"] for x in rounds)
    ceiling_1 = statistics.median(x["b_1"] for x in rounds)

    from accord.ledger.models import Transaction
    from accord.ledger.verify import verify

    problems = verify()
    result = {
        "benchmark": "ledger",
        "database": "postgresql",
        "server": server_settings(url),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_end": os.getloadavg(),
        },
        "workers": args.workers,
        "accounts": args.accounts,
        "seconds_per_measurement": args.seconds,
        "rounds": args.rounds,
        "prepare_seconds": round(prepare_s, 2),
        "sql_statements_per_transfer": statements,
        "a_transfers_per_s": round(transfers, 1),
        "b_insert_commit_per_s": round(ceiling, 1),
        "c_ratio": round(statistics.median(x["ratio"] for x in rounds), 3),
        "c_ratio_of_medians": round(transfers / ceiling, 3),
        "c_ratio_per_round": [round(x["ratio"], 3) for x in rounds],
        "reference": {
            "transfers_per_s_1_worker": round(transfers_1, 1),
            "insert_commit_per_s_1_worker": round(ceiling_1, 1),
            "ratio_1_worker": round(statistics.median(x["ratio_1"] for x in rounds), 3),
            "ratio_1_worker_per_round": [round(x["ratio_1"], 3) for x in rounds],
        },
        "goal_ratio": 0.5,
        "ledger_transactions": Transaction.objects.count(),
        "ledger_verify_problems": [f"{p.check}: {p.message}" for p in problems],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
