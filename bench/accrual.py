"""Benchmark: ingest → accrual visible, p95 latency, on PostgreSQL (goal ≤ 1 s).

    .venv/bin/python bench/accrual.py [--samples 200] [--collaborations 50] [--load-batches-per-s 4]

Uses ACCORD_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/accord_bench_accrual (that default database is
dropped and recreated). Everything runs on this machine.

Setup: one brand with a funded campaign escrow and ``--collaborations`` signed contracts with performance pay
(10 % revenue share, a CPC rule and a tiered views bonus), each with a tracking link. The accrual follower runs as
its own process, exactly as deployed: ``accord incentives follow --interval 0.1`` (change feed over tracking facts
→ dirty collaborations → evaluate → book escrow → creator pending through the ledger).

Each sample: the bench ingests (``accord.tracking.services.ingest_events``, the code behind ``POST /api/v1/events``)
a batch of 50 events for a random collaboration — 49 clicks/views and one sale — and then polls, every 10 ms, the
bookings table (one indexed ``EXISTS``, cheap so the bench does not steal the follower's CPU) until the accrual
booked for that sale is committed, then runs the query the dashboards' live panel runs
(``accord.incentives.services.live``), checks it shows the booking, and counts its time in. Latency is measured
from the moment the ingest call returned (the events are committed: "ingested") and also from the moment it was
called. Meanwhile a background thread ingests 1,000-event batches of clicks and views
into the other collaborations (``--load-batches-per-s``), so the follower works under load.

The dashboards poll the live panel every 500 ms (htmx), so what a person sees is later by the poll phase: the
bench also reports, per sample, when a dashboard polling at a random phase every 0.5 s would first show it (the
next tick at or after the accrual became visible and rendered).
Writes bench/results/accrual.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/accord_bench_accrual"
RESULTS = ROOT / "bench" / "results" / "accrual.json"
POLL = 0.01
DASHBOARD_EVERY = 0.5


def recreate_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    kwargs = {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": cfg["PORT"] or 5432,
        "user": cfg["USER"] or "postgres",
        "password": cfg["PASSWORD"] or None,
    }
    with psycopg.connect(**kwargs, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def setup_django(url: str) -> None:
    os.environ["ACCORD_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_fixtures(collaborations: int) -> dict[str, Any]:
    from accord.accounts.auth import Principal
    from accord.accounts.models import Membership, Organization, Role, User
    from accord.campaigns import services as campaigns
    from accord.contracts import services as contracts
    from accord.contracts.terms import example_terms
    from accord.core import clock
    from accord.escrow import services as escrow
    from accord.tracking import services as tracking

    stamp = int(time.time() * 1000)
    brand_user = User.objects.create_user(f"bench-brand-{stamp}@example.test", "bench-password-123")
    brand = Organization.objects.create(name="Bench brand", slug=f"bench-brand-{stamp}", kind="brand")
    Membership.objects.create(user=brand_user, organization=brand, role=Role.OWNER)
    bp = Principal(organization=brand, role=Role.OWNER, user=brand_user)
    campaign = campaigns.create_campaign(
        bp, name="Bench", currency="EUR", budget=10**9, description="Bench campaign", open_for_applications=True
    )
    campaigns.transition(bp, campaign.pk, "open")
    deposit = escrow.start_deposit(bp, campaign_id=campaign.pk, amount=10**11, key=f"bench-{stamp}")
    escrow.confirm_deposit(None, deposit_id=deposit.pk)
    terms = example_terms("EUR", clock.today())
    terms["compensation"] = {
        "currency": "EUR",
        "rules": [
            {"kind": "revenue_share", "id": "rev", "percent": "10"},
            {"kind": "cpc", "id": "cpc", "rate": "5", "kpi": "clicks"},
            {
                "kind": "tiered_bonus",
                "id": "views",
                "kpi": "views",
                "tiers": [{"threshold": 100_000, "amount": 20_000}, {"threshold": 250_000, "amount": 50_000}],
            },
        ],
    }
    collabs = []
    for i in range(collaborations):
        user = User.objects.create_user(f"bench-creator-{stamp}-{i}@example.test", "bench-password-123")
        creator = Organization.objects.create(name=f"Creator {i}", slug=f"bench-creator-{stamp}-{i}", kind="creator")
        Membership.objects.create(user=user, organization=creator, role=Role.OWNER)
        cp = Principal(organization=creator, role=Role.OWNER, user=user)
        contract = contracts.send_offer(bp, campaign_id=campaign.pk, creator_org_id=creator.pk, terms=terms)
        contracts.sign(bp, contract.pk, typed_name="Brand", version_number=1)
        contracts.sign(cp, contract.pk, typed_name="Creator", version_number=1)
        link = tracking.create_link(
            bp, campaign_id=campaign.pk, creator_id=creator.pk, destination="https://shop.example.com/x"
        )
        collabs.append({"contract_id": contract.pk, "code": link.code, "creator": cp})
    return {"brand": bp, "collabs": collabs}


def start_follower(url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ACCORD_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "accord.settings"}
    return subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "incentives", "follow", "--interval", "0.1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def background_load(brand: Any, codes: list[str], per_s: float, stop: threading.Event, counter: list[int]) -> None:
    from django.db import connection

    from accord.tracking import services as tracking

    rng = random.Random(7)
    n = 0
    try:
        while not stop.is_set():
            started = time.monotonic()
            code = rng.choice(codes)
            batch = [
                {"id": f"load-{n}-{j}", "type": rng.choice(["click", "view"]), "link": code, "quantity": 1}
                for j in range(1_000)
            ]
            tracking.ingest_events(brand, batch)
            counter[0] += 1
            n += 1
            stop.wait(max(1.0 / per_s - (time.monotonic() - started), 0))
    finally:
        connection.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--collaborations", type=int, default=50)
    parser.add_argument("--load-batches-per-s", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="Give up on one sample after this many seconds")
    args = parser.parse_args()
    url = os.environ.get("ACCORD_DATABASE_URL") or DEFAULT_URL
    if url == DEFAULT_URL:
        recreate_database(url)
    setup_django(url)
    from django.db.models import Max

    from accord.incentives import services
    from accord.incentives.models import Booking
    from accord.tracking import services as tracking

    fixtures = make_fixtures(args.collaborations)
    brand, collabs = fixtures["brand"], fixtures["collabs"]
    follower = start_follower(url)
    stop = threading.Event()
    load_batches = [0]
    probe, others = collabs[: len(collabs) // 2], [c["code"] for c in collabs[len(collabs) // 2 :]]
    loader = threading.Thread(
        target=background_load, args=(brand, others, args.load_batches_per_s, stop, load_batches), daemon=True
    )
    rng = random.Random(42)
    from_commit: list[float] = []
    from_call: list[float] = []
    dashboard: list[float] = []
    render: list[float] = []
    timeouts = 0
    try:
        time.sleep(3)  # the follower starts (Django setup, first sweep)
        loader.start()
        for i in range(args.samples):
            collab = rng.choice(probe)
            amount = rng.randint(1_000, 100_000)
            last_id = Booking.objects.filter(contract_id=collab["contract_id"]).aggregate(m=Max("id"))["m"] or 0
            events: list[dict[str, Any]] = [
                {"id": f"s{i}-{j}", "type": rng.choice(["click", "view"]), "link": collab["code"]} for j in range(49)
            ]
            events.append(
                {"id": f"s{i}-sale", "type": "conversion", "link": collab["code"], "amount": amount, "currency": "EUR"}
            )
            called = time.monotonic()
            result = tracking.ingest_events(brand, events)
            committed = time.monotonic()
            assert result.accepted == 50, result
            seen = None
            probe_qs = Booking.objects.filter(
                contract_id=collab["contract_id"], id__gt=last_id, position__rule_id="rev"
            )
            while time.monotonic() - committed < args.timeout:
                if probe_qs.exists():
                    # Visible: now render what the live panel reads, and count that time in.
                    t = time.monotonic()
                    live = services.live(collab["creator"], collab["contract_id"])
                    render.append(time.monotonic() - t)
                    assert (live.last_booking_id or 0) > last_id
                    seen = time.monotonic()
                    break
                time.sleep(POLL)
            if seen is None:
                timeouts += 1
                continue
            from_commit.append(seen - committed)
            from_call.append(seen - called)
            phase = rng.random() * DASHBOARD_EVERY
            waited = seen - committed
            ticks = max(0.0, (waited - phase)) / DASHBOARD_EVERY
            tick = phase + (int(ticks) + (1 if ticks > int(ticks) else 0)) * DASHBOARD_EVERY
            dashboard.append(max(tick, waited))
            time.sleep(rng.uniform(0.05, 0.3))
    finally:
        stop.set()
        os.killpg(follower.pid, signal.SIGTERM)
        follower.wait(timeout=10)
        loader.join(timeout=10)

    from django.db import connection

    from accord.ledger.verify import verify

    problems = verify()

    def summary(values: list[float]) -> dict[str, float]:
        return {
            "p50_ms": round(pct(values, 50) * 1000, 1),
            "p95_ms": round(pct(values, 95) * 1000, 1),
            "p99_ms": round(pct(values, 99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
        }

    out = {
        "benchmark": "ingest → accrual visible (PostgreSQL)",
        "command": "python bench/accrual.py " + " ".join(sys.argv[1:]),
        "database": connection.vendor,
        "postgres_version": connection.cursor().connection.info.server_version,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
        "collaborations": args.collaborations,
        "samples": len(from_commit),
        "timeouts": timeouts,
        "follower_interval_s": 0.1,
        "background_load": {"batches_of_1000_events_per_s": args.load_batches_per_s, "batches": load_batches[0]},
        "latency_from_ingest_committed": summary(from_commit),
        "latency_from_ingest_called": summary(from_call),
        "latency_seen_on_dashboard_polling_500ms": summary(dashboard),
        "live_query_ms_median": round(statistics.median(render) * 1000, 2),
        "goal_p95_ms": 1000,
        "goal_met": pct(from_commit, 95) <= 1.0 and timeouts == 0,
        "ledger_verify_problems": [p.message for p in problems],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
