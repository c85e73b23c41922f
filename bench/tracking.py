"""Benchmark: tracking redirects against nginx, batch ingest against PostgreSQL COPY, redirect click → CPC accrual.

    .venv/bin/python bench/tracking.py [--seconds 8] [--rounds 3] [--connections 128,32]
        [--server edge|granian|granian-wsgi|gunicorn] [--workers 2] [--threads 32] [--batches 10] [--accrual-samples 20]

Uses ACCORD_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/accord_bench_tracking (that default database is
dropped and recreated). Needs ``nginx`` and ``wrk`` (Debian: ``apt-get install -y nginx wrk``). Everything runs on
127.0.0.1 of this machine; the load average is recorded next to each round (the machine may be shared).

(a) redirect: requests/s of ``GET /t/<code>`` served as in production — ``accord tracking serve-redirects``
    (``accord.tracking.edge``, ``--workers`` processes; ``--server granian`` for the ASGI front of
    ``accord.asgi`` on the main port, ``granian-wsgi`` or ``gunicorn`` for ``accord.wsgi`` on ``--threads``
    threads): cached link, click line on the local click log with a group-committed ``fdatasync`` before the 302 —
    with the loader (``accord tracking load-clicks``) running beside it and storing the clicks (counting, fraud,
    rollups) in PostgreSQL; measured with wrk against nginx answering a static 302 with the same wrk settings, in
    alternating rounds, medians reported, for each ``--connections`` concurrency (the first is the headline). Why
    two: every 302 waits for a disk sync, so with few connections a closed-loop load generator measures the sync
    latency more than the server (throughput <= connections / latency), while nginx, which writes nothing, is the
    same at either; visitors of a popular link are many independent clients, so 128 is the headline and 32 is shown
    beside it. Each request comes from a random visitor (``X-Forwarded-For`` with a random address, trusted by the
    bench's settings as behind a proxy) so the counted-click path is measured, not the burst path. The server's and
    the loader's CPU time per request are reported. After the rounds the bench waits until the loader has stored a
    click for every 302 wrk saw and reports how long that took. Goal: ratio >= 0.25.
(b) ingest: events/s of ``accord.tracking.services.ingest_events`` fed raw JSON batches of 10,000 events (parse and
    validation, link lookup, ``COPY`` into the events table (a staged ``INSERT … ON CONFLICT DO NOTHING`` when
    some ids are stored already), rollup upserts, commit), against PostgreSQL ``COPY`` of the same rows into a
    table with the same columns and indexes (``CREATE TABLE … (LIKE tracking_event INCLUDING ALL)``), one
    transaction per batch for both, interleaved batch by batch, medians reported. Goal: ratio >= 0.5 and >= 50,000
    events/s.
(c) click accrual: a redirect click (the same front, in process) on a collaboration whose contract pays CPC; the
    time until the loader has stored it and until the incentives follower has booked its CPC accrual. Goal:
    p95 <= 1 s (the issue's ingest → accrual goal, for clicks).
Writes bench/results/tracking.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/accord_bench_tracking"
RESULTS = ROOT / "bench" / "results" / "tracking.json"

WRK_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  math.randomseed(os.time() * 100 + tid)
end
local counter = 0
request = function()
  counter = counter + 1
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  wrk.headers["X-Forwarded-For"] = ip
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) bench/" .. (counter % 7)
  return wrk.format("GET", wrk.path)
end
"""

NGINX_CONF = """
worker_processes auto;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{ return 302 "https://shop.example.com/spring?utm_source=accord&utm_medium=influencer"; }}
  }}
}}
"""

APP_MODULE = """
from django.urls import get_resolver

from accord.{interface} import application  # noqa: F401

# Import every URLconf and API router before the workers fork, so no worker pays for it on its first request.
get_resolver().url_patterns
"""

SETTINGS_MODULE = """
from accord.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ACCORD_TRUST_X_FORWARDED_FOR = True  # the bench plays a load balancer in front of the app
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


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

    name = _connect_kwargs(url)["dbname"]
    with psycopg.connect(**_connect_kwargs(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["ACCORD_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_fixtures() -> dict[str, Any]:
    from accord.accounts.auth import Principal
    from accord.accounts.models import Membership, Organization, Role, User
    from accord.campaigns.models import Campaign
    from accord.tracking import services

    stamp = int(time.time() * 1000)
    user = User.objects.create_user(f"bench-{stamp}@example.test", "bench-password-123")
    brand = Organization.objects.create(name="Bench brand", slug=f"bench-brand-{stamp}", kind="brand")
    creator = Organization.objects.create(name="Bench creator", slug=f"bench-creator-{stamp}", kind="creator")
    Membership.objects.create(user=user, organization=brand, role=Role.OWNER)
    campaign = Campaign.objects.create(brand=brand, name="Bench", currency="EUR", budget=10**9)
    p = Principal(organization=brand, role=Role.OWNER, user=user)
    links = [
        services.create_link(
            p, campaign_id=campaign.pk, creator_id=creator.pk, destination="https://shop.example.com/spring"
        )
        for _ in range(20)
    ]
    return {"principal": p, "campaign": campaign, "links": links}


# --- (b) ingest vs COPY ----------------------------------------------------------------------------------------------


def make_batches(codes: list[str], batches: int, size: int = 10_000) -> list[bytes]:
    import random

    rng = random.Random(7)
    kinds = ["view", "impression", "engagement", "click"]
    out = []
    n = 0
    for _ in range(batches):
        events = []
        for _ in range(size):
            n += 1
            events.append(
                {
                    "id": f"bench-{n}",
                    "type": rng.choice(kinds),
                    "link": rng.choice(codes),
                    "quantity": rng.randint(1, 50),
                    "occurred_at": f"2026-05-04T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+00:00",
                }
            )
        out.append(json.dumps(events).encode())
    return out


def bench_ingest(fixtures: dict[str, Any], batches: int) -> dict[str, Any]:
    """Interleaved: ingest batch i, then COPY the same rows into the twin table; medians of the per-batch rates."""
    import statistics

    import psycopg
    from django.db import connection

    from accord.core import clock
    from accord.tracking import services
    from accord.tracking.models import Event, Rollup

    p = fixtures["principal"]
    codes = [link.code for link in fixtures["links"]]
    bodies = make_batches(codes, batches + 1)
    clock.set_now(None)
    services.ingest_events(p, services.parse_batch(bodies[0]))  # warm-up batch (imports, plans, caches)
    cols = [
        "organization_id", "external_id", "type", "link_id", "campaign_id", "creator_id", "click_ref", "occurred_at",
        "received_at", "quantity", "amount", "currency", "order_ref", "excluded",
    ]  # fmt: skip
    db = connection.settings_dict
    kwargs: dict[str, Any] = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"] or "postgres",
        "dbname": db["NAME"],
    }
    if db.get("PASSWORD"):
        kwargs["password"] = db["PASSWORD"]
    ingest_ms: list[float] = []
    copy_ms: list[float] = []
    with psycopg.connect(**kwargs) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_event_copy")
        conn.execute("CREATE TABLE bench_event_copy (LIKE tracking_event INCLUDING ALL)")
        conn.commit()
        for body in bodies[1:]:
            t = time.perf_counter()
            result = services.ingest_events(p, services.parse_batch(body, "application/json"))
            ingest_ms.append((time.perf_counter() - t) * 1000)
            assert result.accepted == 10_000, result
            ids = [e["id"] for e in json.loads(body)]
            rows = list(Event.objects.filter(organization_id=p.org_id, external_id__in=ids).values_list(*cols))
            t = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY bench_event_copy ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            copy_ms.append((time.perf_counter() - t) * 1000)
        copied = conn.execute("SELECT count(*) FROM bench_event_copy").fetchone()[0]  # type: ignore[index]
        conn.execute("DROP TABLE bench_event_copy")
        conn.commit()
    # Replaying a batch must change nothing.
    replay = services.ingest_events(p, services.parse_batch(bodies[1]))
    assert replay.accepted == 0, replay
    assert replay.duplicates == 10_000, replay
    ingest_eps = 10_000 / (statistics.median(ingest_ms) / 1000)
    copy_eps = 10_000 / (statistics.median(copy_ms) / 1000)
    return {
        "what": "ingest_events(raw JSON batch of 10,000) vs COPY of the same rows into a twin table, interleaved",
        "events": 10_000 * batches,
        "batch_size": 10_000,
        "ingest_events_per_s_median": round(ingest_eps),
        "ingest_events_per_s_total": round(10_000 * batches / (sum(ingest_ms) / 1000)),
        "ingest_batch_ms": [round(t, 1) for t in ingest_ms],
        "copy_rows": copied,
        "copy_rows_per_s_median": round(copy_eps),
        "copy_rows_per_s_total": round(copied / (sum(copy_ms) / 1000)),
        "copy_batch_ms": [round(t, 1) for t in copy_ms],
        "ratio": round(ingest_eps / copy_eps, 3),
        "goal_ratio": 0.5,
        "goal_events_per_s": 50_000,
        "meets_goal": ingest_eps / copy_eps >= 0.5 and ingest_eps >= 50_000,
        "rollup_rows": Rollup.objects.count(),
        "replay_accepted": replay.accepted,
    }


REDIRECT_PATHS = {
    "edge": (
        "accord tracking serve-redirects (accord.tracking.edge: llhttp on uvloop, one SO_REUSEPORT socket per worker): "
        "link from the in-process cache, clicks of one event-loop pass written and fdatasync'ed together before their "
        "302s; loader (accord tracking load-clicks --interval 0.1) stores clicks, counting and rollups in batches"
    ),
    "front": (
        "accord.tracking.redirect ({interface} front before Django): link from the in-process cache, click appended "
        "to the process's click log with group-committed fdatasync before the 302; loader "
        "(accord tracking load-clicks --interval 0.1) stores clicks, counting and rollups in batches"
    ),
}

# --- (a) redirect vs nginx -------------------------------------------------------------------------------------------


def run_wrk(url: str, seconds: int, connections: int, script: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    latency = {m.group(1): m.group(2) for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE)}
    return {
        "requests_per_s": rps,
        "requests": total,
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
        "latency": latency,
        "raw": out,
    }


def server_command(server: str, port: int, workers: int, threads: int) -> list[str]:
    bin_dir = Path(sys.executable).parent
    if server == "edge":  # as ``accord serve --redirect-port``: the lean redirect server (accord.tracking.edge)
        return [
            sys.executable, "-m", "accord.cli", "tracking", "serve-redirects", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers),
        ]  # fmt: skip
    if server == "granian":  # as ``accord serve``: ASGI, redirects wait for their disk sync on the event loop
        return [
            str(bin_dir / "granian"), "--interface", "asginl", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--backlog", "2048", "--log-level", "warning", "--no-ws",
            "bench_tracking_asgi:application",
        ]  # fmt: skip
    if server == "granian-wsgi":  # the WSGI front on granian's thread pool, for comparison
        return [
            str(bin_dir / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--blocking-threads", str(threads), "--backlog", "2048",
            "--log-level", "warning", "--no-ws", "bench_tracking_wsgi:application",
        ]  # fmt: skip
    return [
        str(bin_dir / "gunicorn"), "bench_tracking_wsgi:application", "--preload", "-b", f"127.0.0.1:{port}",
        "-w", str(workers), "--worker-class", "gthread", "--threads", str(threads), "--backlog", "2048",
        "--log-level", "warning",
    ]  # fmt: skip


def process_tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and every process below it (the workers of a server)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += int(stats[current][11]) + int(stats[current][12])
        todo += children.get(current, [])
    return total / tick


def bench_redirect(
    url: str,
    fixtures: dict[str, Any],
    seconds: int,
    concurrencies: list[int],
    workers: int,
    threads: int,
    rounds: int,
    server: str,
) -> dict[str, Any]:
    """Both servers up; for each wrk concurrency, ``rounds`` alternating runs against each; medians per concurrency
    (the machine may be shared). The first concurrency is the headline ratio."""
    import statistics

    from accord.tracking.models import Click

    code = fixtures["links"][0].code
    tmp = Path(tempfile.mkdtemp(prefix="accord-bench-tracking-"))
    script = tmp / "visitors.lua"
    script.write_text(WRK_SCRIPT)
    (tmp / "bench_tracking_settings.py").write_text(SETTINGS_MODULE)
    for interface in ("wsgi", "asgi"):
        (tmp / f"bench_tracking_{interface}.py").write_text(APP_MODULE.format(interface=interface))
    procs: list[subprocess.Popen[bytes]] = []
    runs: dict[int, dict[str, list[dict[str, Any]]]] = {c: {"nginx": [], "accord": []} for c in concurrencies}
    cpu: dict[int, dict[str, float]] = {c: {"server": 0.0, "loader": 0.0} for c in concurrencies}
    loads: list[list[float]] = []
    try:
        nginx_port = free_port()
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(prefix=tmp, port=nginx_port))
        procs.append(subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)]))
        app_port = free_port()
        env = dict(
            os.environ,
            ACCORD_DATABASE_URL=url,
            ACCORD_VAR_DIR=str(tmp / "var"),  # the click log lives under it
            DJANGO_SETTINGS_MODULE="bench_tracking_settings",
            PYTHONPATH=f"{tmp}{os.pathsep}{ROOT / 'src'}",
        )
        app = subprocess.Popen(server_command(server, app_port, workers, threads), env=env, cwd=tmp)
        procs.append(app)
        # The loader, as ``accord serve`` runs it next to the web workers.
        loader_cmd = [sys.executable, "-m", "accord.cli", "tracking", "load-clicks", "--interval", "0.1"]
        loader_proc = subprocess.Popen(loader_cmd, env=env, cwd=tmp, stdout=subprocess.DEVNULL)
        procs.append(loader_proc)
        wait_port(nginx_port)
        wait_port(app_port, timeout=120)
        nginx_url, app_url = f"http://127.0.0.1:{nginx_port}/t/{code}", f"http://127.0.0.1:{app_port}/t/{code}"
        run_wrk(nginx_url, 2, concurrencies[0], script)  # warm-ups
        run_wrk(app_url, 3, concurrencies[0], script)
        time.sleep(2)  # let the loader take the warm-up clicks in
        before = Click.objects.count()
        for _ in range(rounds):
            for c in concurrencies:
                loads.append(list(os.getloadavg()))
                runs[c]["nginx"].append(run_wrk(nginx_url, seconds, c, script))
                server_cpu, loader_cpu = process_tree_cpu_s(app.pid), process_tree_cpu_s(loader_proc.pid)
                runs[c]["accord"].append(run_wrk(app_url, seconds, c, script))
                cpu[c]["server"] += process_tree_cpu_s(app.pid) - server_cpu
                cpu[c]["loader"] += process_tree_cpu_s(loader_proc.pid) - loader_cpu
        loads.append(list(os.getloadavg()))
        app_runs = [r for c in concurrencies for r in runs[c]["accord"]]
        answered = sum(r["requests"] - r["non_2xx_3xx"] for r in app_runs)
        # Every 302 sent has its click on disk; the loader must bring them all into the database.
        drain_started = time.monotonic()
        stored = Click.objects.count() - before
        while stored < answered and time.monotonic() - drain_started < 180:
            time.sleep(0.2)
            stored = Click.objects.count() - before
        drain_s = time.monotonic() - drain_started
        left_in_log = sum(1 for _ in (tmp / "var" / "clicklog").glob("clicks-*.log"))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGQUIT if proc is procs[0] else signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    by_connections = {}
    for c in concurrencies:
        app_rps = statistics.median(r["requests_per_s"] for r in runs[c]["accord"])
        nginx_rps = statistics.median(r["requests_per_s"] for r in runs[c]["nginx"])
        requests = sum(r["requests"] for r in runs[c]["accord"])
        by_connections[str(c)] = {
            "tool": f"wrk -t2 -c{c} -d{seconds}s x {rounds} rounds alternating with nginx (random visitor per request)",
            "accord_requests_per_s_median": app_rps,
            "accord_requests_per_s_rounds": [r["requests_per_s"] for r in runs[c]["accord"]],
            "accord_latency_last_round": runs[c]["accord"][-1]["latency"],
            "accord_non_2xx_3xx": sum(r["non_2xx_3xx"] for r in runs[c]["accord"]),
            "accord_socket_errors": [r["socket_errors"] for r in runs[c]["accord"] if r["socket_errors"]],
            "accord_server_cpu_us_per_request": round(cpu[c]["server"] / requests * 1e6, 1) if requests else None,
            "loader_cpu_us_per_request_meanwhile": round(cpu[c]["loader"] / requests * 1e6, 1) if requests else None,
            "nginx_requests_per_s_median": nginx_rps,
            "nginx_requests_per_s_rounds": [r["requests_per_s"] for r in runs[c]["nginx"]],
            "nginx_latency_last_round": runs[c]["nginx"][-1]["latency"],
            "ratio": round(app_rps / nginx_rps, 4),
        }
    headline = by_connections[str(concurrencies[0])]
    return {
        "server": " ".join(server_command(server, 0, workers, threads)[1:]).replace("--port 0", "--port <p>"),
        "redirect_path": REDIRECT_PATHS["edge" if server == "edge" else "front"].format(
            interface="WSGI" if "wsgi" in server_command(server, 0, 1, 1)[-1] else "ASGI"
        ),
        "headline_connections": concurrencies[0],
        "accord_requests_per_s_median": headline["accord_requests_per_s_median"],
        "nginx_requests_per_s_median": headline["nginx_requests_per_s_median"],
        "ratio": headline["ratio"],
        "goal_ratio": 0.25,
        "meets_goal": headline["ratio"] >= 0.25,
        "by_connections": by_connections,
        "redirects_answered": answered,
        "clicks_stored": stored,
        "every_answered_redirect_has_a_stored_click": answered > 0 and stored >= answered,
        "loader_drain_s_after_last_round": round(drain_s, 2),
        "log_segments_left": left_in_log,
        "load_average_1_5_15_before_each_run_pair_and_after": [[round(x, 2) for x in la] for la in loads],
    }


def bench_click_accrual(url: str, samples: int, timeout: float) -> dict[str, Any]:
    """(c) A redirect click on a collaboration with a CPC rule → (1) the click stored and rolled up by the loader,
    (2) the CPC accrual booked by the incentives follower; both from the moment the 302 was ready."""
    import random
    import statistics

    from django.db.models import Max

    from accord.incentives.models import Booking
    from accord.tracking import clicklog
    from accord.tracking.models import Click
    from accord.tracking.redirect import RedirectFront

    sys.path.insert(0, str(ROOT / "bench"))
    import accrual  # the accrual bench's fixtures: funded escrow, signed contracts with cpc on clicks

    fixtures = accrual.make_fixtures(4)
    tmp = Path(tempfile.mkdtemp(prefix="accord-bench-click-accrual-"))
    env = dict(os.environ, ACCORD_DATABASE_URL=url, ACCORD_VAR_DIR=str(tmp))
    follower = accrual.start_follower(url)
    loader = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "tracking", "load-clicks", "--interval", "0.1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    front = RedirectFront(lambda e, s: [], clicklog.ClickLog(tmp / "clicklog"))
    rng = random.Random(5)
    stored_s: list[float] = []
    accrued_s: list[float] = []
    accrual_timeouts = 0
    try:
        time.sleep(3)  # follower and loader start
        for i in range(samples):
            collab = rng.choice(fixtures["collabs"])
            last = Booking.objects.filter(contract_id=collab["contract_id"]).aggregate(m=Max("id"))["m"] or 0
            status: list[str] = []
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": f"/t/{collab['code']}",
                "REMOTE_ADDR": f"192.0.2.{i % 250 + 1}",
                "HTTP_USER_AGENT": f"Mozilla/5.0 sample/{i}",
            }
            headers: dict[str, str] = {}
            front(environ, lambda st, h, status=status, headers=headers: (status.append(st), headers.update(h)))
            ready = time.monotonic()
            assert status == ["302 Found"], status
            cid = parse_qs(urlsplit(headers["Location"]).query)["accord_cid"][0]
            stored = accrued = None
            probe = Booking.objects.filter(contract_id=collab["contract_id"], id__gt=last, position__rule_id="cpc")
            while time.monotonic() - ready < timeout:
                if stored is None and Click.objects.filter(click_id=cid).exists():
                    stored = time.monotonic() - ready
                if stored is not None and probe.exists():
                    accrued = time.monotonic() - ready
                    break
                time.sleep(0.01)
            if stored is not None:
                stored_s.append(stored)
            if accrued is None:
                accrual_timeouts += 1
            else:
                accrued_s.append(accrued)
            time.sleep(rng.uniform(0.05, 0.2))
    finally:
        for proc in (loader, follower):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    def p95(values: list[float]) -> float | None:
        return (
            round(sorted(values)[min(len(values) - 1, round(0.95 * (len(values) - 1)))] * 1000, 1) if values else None
        )

    return {
        "what": (
            "in-process redirect front (same code as /t/ under the server) on a collaboration with a CPC rule; "
            "loader (accord tracking load-clicks --interval 0.1) and follower (accord incentives follow --interval "
            "0.1) as separate processes; times from the 302 being ready"
        ),
        "samples": samples,
        "timeout_s": timeout,
        "click_stored_and_rolled_up_p50_ms": round(statistics.median(stored_s) * 1000, 1) if stored_s else None,
        "click_stored_and_rolled_up_p95_ms": p95(stored_s),
        "cpc_accrual_visible_p50_ms": round(statistics.median(accrued_s) * 1000, 1) if accrued_s else None,
        "cpc_accrual_visible_p95_ms": p95(accrued_s),
        "cpc_accrual_timeouts": accrual_timeouts,
        "goal_p95_ms": 1000,
        "meets_goal": accrual_timeouts == 0 and (p95(accrued_s) or 10**9) <= 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating nginx/accord wrk runs")
    parser.add_argument(
        "--connections",
        default="128,32",
        help="wrk concurrencies, comma-separated; the first is the headline ratio (see the module docstring)",
    )
    parser.add_argument("--workers", type=int, default=2, help="web worker processes")
    parser.add_argument("--threads", type=int, default=32, help="threads per WSGI worker (granian-wsgi, gunicorn)")
    parser.add_argument("--server", choices=("edge", "granian", "granian-wsgi", "gunicorn"), default="edge")
    parser.add_argument("--batches", type=int, default=10, help="batches of 10,000 events for (b); 0 skips (b)")
    parser.add_argument("--skip-redirect", action="store_true")
    parser.add_argument("--accrual-samples", type=int, default=20, help="(c) redirect click → CPC accrual samples")
    parser.add_argument("--accrual-timeout", type=float, default=5.0, help="(c) seconds to wait per sample")
    args = parser.parse_args()
    url = os.environ.get("ACCORD_DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        raise SystemExit("this benchmark needs PostgreSQL (ACCORD_DATABASE_URL=postgres://…)")
    if url == DEFAULT_URL:
        recreate_database(url)
    setup_django(url)
    fixtures = make_fixtures()
    for tool in ("nginx", "wrk"):
        if not args.skip_redirect and shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install -y nginx wrk")

    ingest = None
    if args.batches:
        ingest = bench_ingest(fixtures, args.batches)
        print(
            f"(b) ingest {ingest['ingest_events_per_s_median']:,} events/s vs COPY "
            f"{ingest['copy_rows_per_s_median']:,} rows/s = {ingest['ratio']}"
        )
    redirect = None
    if not args.skip_redirect:
        redirect = bench_redirect(
            url,
            fixtures,
            args.seconds,
            [int(c) for c in args.connections.split(",")],
            args.workers,
            args.threads,
            args.rounds,
            args.server,
        )
        for c, row in redirect["by_connections"].items():
            print(
                f"(a) redirect at {c} connections {row['accord_requests_per_s_median']:,.0f} req/s vs nginx "
                f"{row['nginx_requests_per_s_median']:,.0f} req/s = {row['ratio']} (server "
                f"{row['accord_server_cpu_us_per_request']} µs CPU/request, loader meanwhile "
                f"{row['loader_cpu_us_per_request_meanwhile']} µs)"
            )

    click_accrual = None
    if args.accrual_samples:
        click_accrual = bench_click_accrual(url, args.accrual_samples, args.accrual_timeout)
        print(
            f"(c) redirect click stored p95 {click_accrual['click_stored_and_rolled_up_p95_ms']} ms, CPC accrual "
            f"visible p95 {click_accrual['cpc_accrual_visible_p95_ms']} ms ({click_accrual['cpc_accrual_timeouts']} "
            f"of {args.accrual_samples} not within {args.accrual_timeout:g} s)"
        )

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    result = {
        "benchmark": "tracking",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": pg_version,
            "platform": platform.platform(),
            "note": "shared machine: other processes (test suites) may run at the same time",
        },
        "command": " ".join([".venv/bin/python", "bench/tracking.py", *sys.argv[1:]]),
        "redirect": redirect,
        "ingest": ingest,
        "click_accrual": click_accrual,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
