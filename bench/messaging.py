"""Benchmark: the cost of ``accord.messaging.events.publish`` and of one signed webhook attempt.

    .venv/bin/python bench/messaging.py [--events 300] [--deliveries 300]

Runs on a fresh SQLite database in a temporary folder, or on ACCORD_DATABASE_URL when set (migrated, not dropped).
(a) publish: one committed transaction per event for a brand and a creator organization of 4 members each, with one
    subscribed webhook endpoint per organization — thread message, 8 notifications, 2 delivery rows, the on-commit
    enqueue of the e-mail task and 2 webhook tasks into the django-tasks-db queue. Reports ms per event (p50/p95) and
    events/s.
(b) webhook attempts: ``webhooks.attempt`` against a local http.server on 127.0.0.1 (claim, sign, POST, log the
    attempt): ms per attempt (p50/p95) and the HTTP round trip alone (the logged latency).
(c) HMAC-SHA256 sign + verify of a 1 KiB body per second (pure).
Writes bench/results/messaging.json (one entry per database vendor).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--deliveries", type=int, default=300)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="accord-bench-messaging-")
    if not os.environ.get("ACCORD_DATABASE_URL"):
        os.environ["ACCORD_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE = True

    from accord.accounts import services as accounts
    from accord.accounts.auth import Principal
    from accord.accounts.models import Membership, Role, User
    from accord.messaging import events, services, signing, webhooks
    from accord.messaging.models import Notification, WebhookDelivery

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"

    stamp = int(time.time())
    orgs = []
    for kind in ("brand", "creator"):
        owner = User.objects.create_user(f"bench-{kind}-{stamp}@example.test", "bench-password-1")
        org = accounts.create_organization(owner, name=f"Bench {kind} {stamp}", kind=kind)
        for n in range(3):
            user = User.objects.create_user(f"bench-{kind}-{stamp}-{n}@example.test", "bench-password-1")
            Membership.objects.create(user=user, organization=org, role=Role.MEMBER)
        admin = Principal(organization=org, role=Role.OWNER, user=owner)
        services.create_endpoint(admin, url=url, event_types=["milestone.released"])
        orgs.append(org)

    # (a) publish
    publish_ms = []
    for i in range(args.events):
        started = time.perf_counter()
        with transaction.atomic():
            events.publish(
                "milestone.released",
                subject=f"contract:bench-{stamp}-{i % 20}",
                organization_ids=[o.pk for o in orgs],
                actor_label="bench",
                data={"amount": 1000 + i, "currency": "EUR"},
            )
        publish_ms.append((time.perf_counter() - started) * 1000)

    # (b) webhook attempts
    pending = list(
        WebhookDelivery.objects.filter(endpoint__organization__in=orgs, status="pending")
        .order_by("id")
        .values_list("pk", flat=True)[: args.deliveries]
    )
    attempt_ms, http_ms = [], []
    for pk in pending:
        started = time.perf_counter()
        log = webhooks.attempt(pk)
        attempt_ms.append((time.perf_counter() - started) * 1000)
        assert log is not None and log.succeeded, log
        http_ms.append(float(log.latency_ms))
    server.shutdown()

    # (c) signatures
    body = os.urandom(1024)
    n, started = 20000, time.perf_counter()
    for t in range(n):
        signing.verify("whsec_bench", signing.sign("whsec_bench", t, body), body, now=t)
    sign_verify_per_s = n / (time.perf_counter() - started)

    result = {
        "database": connection.vendor,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "commits_per_event": "1 publish + 3 task enqueues (e-mail batch, 2 webhook deliveries)",
        "publish": {
            "events": len(publish_ms),
            "notifications_per_event": Notification.objects.filter(organization__in=orgs).count() // len(publish_ms),
            "webhook_deliveries_per_event": 2,
            "p50_ms": round(statistics.median(publish_ms), 2),
            "p95_ms": round(_pct(publish_ms, 0.95), 2),
            "events_per_s": round(len(publish_ms) / (sum(publish_ms) / 1000), 1),
        },
        "webhook_attempt": {
            "attempts": len(attempt_ms),
            "p50_ms": round(statistics.median(attempt_ms), 2),
            "p95_ms": round(_pct(attempt_ms, 0.95), 2),
            "http_round_trip_p50_ms": statistics.median(http_ms),
            "attempts_per_s": round(len(attempt_ms) / (sum(attempt_ms) / 1000), 1),
        },
        "sign_verify_1KiB_per_s": round(sign_verify_per_s),
        "command": "python bench/messaging.py " + " ".join(sys.argv[1:]),
    }
    out = ROOT / "bench" / "results" / "messaging.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    # One entry per database vendor, so a SQLite run does not erase the PostgreSQL numbers (or the reverse).
    previous = json.loads(out.read_text()) if out.exists() else {}
    previous = previous if isinstance(previous, dict) and "database" not in previous else {}
    previous[connection.vendor] = result
    out.write_text(json.dumps(previous, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
