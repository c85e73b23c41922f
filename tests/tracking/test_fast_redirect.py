"""Production /t/<code>: WSGI and ASGI fronts, group-committed click log, a loader storing each click exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from django.db import connection

from accord.core import clock
from accord.tracking import clicklog, loader, services
from accord.tracking.clickstore import ClickRecord, store_clicks
from accord.tracking.models import Click, FraudFlag
from accord.tracking.redirect import AsyncRedirectFront, RedirectFront, links
from tests.tracking.helpers import Setup, make_setup, rollup

T0 = datetime(2026, 5, 4, 10, 15, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to its end on a thread of its own: a browser test on this worker leaves Playwright's event loop
    running on the test thread, where ``asyncio.run`` refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def s(db: None) -> Setup:
    clock.set_now(T0)
    setup = make_setup()
    links.drop(setup.link.code)
    return setup


def django_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"django"]


def get(front: RedirectFront, path: str, ip: str = "203.0.113.7", ua: str = "Mozilla/5.0 (iPhone)", **extra: str):
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "REMOTE_ADDR": ip, "HTTP_USER_AGENT": ua, **extra}
    seen["body"] = b"".join(front(environ, start_response))
    return seen


def log_lines(directory: Path) -> list[bytes]:
    """The complete lines of every segment, as the loader reads them (an open segment has zeros after them)."""
    return [
        line
        for seg in clicklog.segments(directory)
        for chunk in clicklog.read_chunks(seg, 0, 10**9)
        for line in chunk.lines
    ]


def test_redirect_is_answered_after_the_click_is_in_the_log_and_the_loader_stores_it(s: Setup, tmp_path: Path) -> None:
    front = RedirectFront(django_app, clicklog.ClickLog(tmp_path))
    out = get(front, f"/t/{s.link.code}", HTTP_REFERER="https://instagram.com/", HTTP_CF_IPCOUNTRY="nl")
    assert out["status"] == 302
    assert out["headers"]["Cache-Control"] == "no-store"
    target = urlsplit(out["headers"]["Location"])
    query = parse_qs(target.query)
    assert (target.netloc, target.path, query["ref"], query["utm_source"]) == (
        "shop.example.com",
        "/spring",
        ["x"],
        ["accord"],
    )
    assert query["utm_content"] == [s.link.code]
    cid = query["accord_cid"][0]
    # Durable before the 302, and never the raw IP.
    lines = log_lines(tmp_path)
    assert len(lines) == 1
    assert b"203.0.113.7" not in lines[0]
    assert orjson.loads(lines[0])[0] == cid
    assert not Click.objects.exists()  # counting and rollups are the loader's

    assert loader.load_once(tmp_path) == 1
    stored = Click.objects.get()
    assert (stored.click_id, stored.counted, stored.is_bot, stored.country, stored.at) == (cid, True, False, "NL", T0)
    assert stored.referrer == "https://instagram.com/"
    assert stored.ip_hash == services.salted_hash("ip", "203.0.113.7")
    assert rollup("campaign", s.campaign.pk)["unique_clicks"] == 1
    assert rollup("collaboration", "collab-1", "hour")["clicks"] == 1


def test_other_paths_go_to_django_and_unknown_inactive_or_posted_codes_are_refused(s: Setup, tmp_path: Path) -> None:
    front = RedirectFront(django_app, clicklog.ClickLog(tmp_path))
    assert get(front, "/dashboard/")["body"] == b"django"
    assert get(front, "/t/nope-nope")["status"] == 404
    assert get(front, "/t/")["status"] == 404
    assert get(front, f"/t/{s.link.code}/x")["status"] == 404
    assert get(front, f"/t/{s.link.code}", REQUEST_METHOD="POST")["status"] == 405
    assert get(front, f"/t/{s.link.code}", REQUEST_METHOD="HEAD")["status"] == 405
    assert get(front, f"/t/{s.link.code}")["status"] == 302  # cached now
    s.link.active = False
    s.link.save()  # drops the cached entry in this process at once
    assert get(front, f"/t/{s.link.code}")["status"] == 404
    assert len(log_lines(tmp_path)) == 1


def test_a_log_that_cannot_be_written_answers_503_and_no_redirect(s: Setup, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    front = RedirectFront(django_app, clicklog.ClickLog(blocker / "clicklog"))
    out = get(front, f"/t/{s.link.code}")
    assert out["status"] == 503
    assert "Location" not in out["headers"]


def test_concurrent_appends_share_disk_syncs_and_all_land(tmp_path: Path) -> None:
    log = clicklog.ClickLog(tmp_path)
    barrier = threading.Barrier(16)

    def work(i: int) -> None:
        barrier.wait()
        for j in range(50):
            log.append(b'["%d-%d"]\n' % (i, j))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = log_lines(tmp_path)
    assert sorted(lines) == sorted(b'["%d-%d"]' % (i, j) for i in range(16) for j in range(50))
    assert log.flushes < len(lines)  # group commit: fewer syncs than clicks
    [segment] = clicklog.segments(tmp_path)
    assert not clicklog.is_sealed(segment)
    log.close()
    assert clicklog.is_sealed(segment)


def test_loader_skips_torn_tails_and_deletes_sealed_segments_once_loaded(s: Setup, tmp_path: Path) -> None:
    log = clicklog.ClickLog(tmp_path)
    records = [services.click_record(s.link.pk, ip=f"198.51.100.{i}", user_agent="Mozilla/5.0") for i in range(5)]
    for r in records:
        log.append(orjson.dumps(r.to_row()) + b"\n")
    [segment] = clicklog.segments(tmp_path)
    with segment.open("ab") as f:
        f.write(b'["torn-no-newline", 1')  # as if the writer died mid-write: never redirected
    assert loader.load_once(tmp_path) == 5
    assert segment.exists()  # still held by its writer
    assert loader.load_once(tmp_path) == 0
    log.close()
    assert loader.load_once(tmp_path) == 0
    assert not segment.exists()
    assert not clicklog.offset_path(segment).exists()
    assert sorted(Click.objects.values_list("click_id", flat=True)) == sorted(r.click_id for r in records)


def test_a_batch_applies_bot_burst_and_once_per_visitor_hour_like_single_clicks(s: Setup) -> None:
    services.record_click(s.link.code, ip="203.0.113.50", user_agent="Mozilla/5.0")  # counted before the batch
    batch = [services.click_record(s.link.pk, ip="203.0.113.50", user_agent="Mozilla/5.0")]
    batch += [services.click_record(s.link.pk, ip="203.0.113.60", user_agent="Mozilla/5.0") for _ in range(3)]
    batch += [services.click_record(s.link.pk, ip="203.0.113.70", user_agent="Googlebot/2.1")]
    # 25 clicks from one IP (different user agents) within the burst window: 20 pass, 5 are a burst.
    batch += [services.click_record(s.link.pk, ip="203.0.113.80", user_agent=f"Mozilla/5.0 v{i}") for i in range(25)]
    stored = store_clicks(batch)
    assert len(stored) == 30
    assert store_clicks(batch) == []  # replayed batch: nothing twice
    by_id = {c.click_id: c for c in Click.objects.all()}
    assert not by_id[batch[0].click_id].counted
    assert [by_id[r.click_id].counted for r in batch[1:4]] == [True, False, False]
    assert by_id[batch[4].click_id].is_bot
    assert Click.objects.filter(excluded=True).count() == 5
    assert FraudFlag.objects.filter(rule=FraudFlag.Rule.CLICK_BURST).count() == 5
    day = rollup("campaign", s.campaign.pk)
    assert (day["clicks"], day["unique_clicks"], day["bot_clicks"]) == (1 + 1 + 3 + 20, 1 + 1 + 20, 1)


def test_burst_window_spans_stored_clicks_and_ends_after_a_minute(s: Setup) -> None:
    for _ in range(20):
        services.record_click(s.link.code, ip="203.0.113.90", user_agent="Mozilla/5.0")
    late = ClickRecord(
        "late-click",
        s.link.pk,
        T0 + timedelta(seconds=61),
        services.salted_hash("ip", "203.0.113.90"),
        "v",
        "Mozilla/5.0",
    )
    early = ClickRecord("early-click", s.link.pk, T0, services.salted_hash("ip", "203.0.113.90"), "w", "Mozilla/5.0")
    store_clicks([late, early])
    assert Click.objects.get(click_id="early-click").excluded
    assert not Click.objects.get(click_id="late-click").excluded


LOADER = """
import os, sys
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
import django
django.setup()
from django.db import connection
connection.settings_dict["NAME"] = sys.argv[1]
from accord.tracking import loader

real = loader.store_clicks

def store_and_say(records):
    out = real(records)
    print("batch", flush=True)
    return out

loader.store_clicks = store_and_say
loader.load_once(Path(sys.argv[2]), batch=int(sys.argv[3]))
"""


@pytest.mark.django_db(transaction=True)
def test_a_loader_killed_mid_way_and_rerun_loads_nothing_twice_and_loses_nothing(tmp_path: Path) -> None:
    clock.set_now(T0)
    s = make_setup()
    log = clicklog.ClickLog(tmp_path)
    records = [
        services.click_record(s.link.pk, ip=f"10.0.{i // 250}.{i % 250}", user_agent="Mozilla/5.0") for i in range(3000)
    ]
    for r in records:
        log.append(orjson.dumps(r.to_row()) + b"\n")
    log.close()
    [segment] = clicklog.segments(tmp_path)
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    name = str(connection.settings_dict["NAME"])
    proc = subprocess.Popen(
        [sys.executable, "-c", LOADER, name, str(tmp_path), "50"], stdout=subprocess.PIPE, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    for _ in range(4):
        assert proc.stdout.readline() == b"batch\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partly = Click.objects.count()
    assert 200 <= partly < 3000
    # As if it had also died between a commit and saving its offset: the re-run re-reads stored lines.
    clicklog.save_offset(segment, 0)
    assert loader.load_once(tmp_path) == 3000 - partly
    assert Click.objects.count() == 3000
    assert Click.objects.filter(counted=True).count() == 3000
    day = rollup("campaign", s.campaign.pk)
    assert (day["clicks"], day["unique_clicks"]) == (3000, 3000)
    assert not segment.exists()


def test_storing_clicks_announces_the_collaborations_whose_counted_clicks_changed(s: Setup) -> None:
    from accord.tracking.clickstore import clicks_stored

    seen: list[tuple[set[tuple[int, int]], datetime]] = []

    def receiver(sender: Any, pairs: set[tuple[int, int]], newest: datetime, **kwargs: Any) -> None:
        seen.append((pairs, newest))

    clicks_stored.connect(receiver, dispatch_uid="test-clicks-stored")
    try:
        store_clicks([services.click_record(s.link.pk, ip="203.0.113.1", user_agent="Googlebot/2.1")])
        store_clicks([services.click_record(s.link.pk, ip="203.0.113.1", user_agent="Mozilla/5.0")])
    finally:
        clicks_stored.disconnect(dispatch_uid="test-clicks-stored")
    assert seen == [(set(), T0), ({(s.campaign.pk, s.creator.org.pk)}, T0)]


def test_segments_rotate_under_concurrent_appends_and_old_ones_are_sealed(tmp_path: Path) -> None:
    log = clicklog.ClickLog(tmp_path, segment_bytes=300)

    def work(i: int) -> None:
        for j in range(20):
            log.append(b'["%d-%d"]\n' % (i, j))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    segments = clicklog.segments(tmp_path)
    assert len(segments) > 2
    assert sorted(log_lines(tmp_path)) == sorted(b'["%d-%d"]' % (i, j) for i in range(8) for j in range(20))
    assert [clicklog.is_sealed(s) for s in segments] == [True] * (len(segments) - 1) + [False]
    log.close()
    assert clicklog.is_sealed(segments[-1])


# --- the ASGI front (what ``accord serve`` runs) ----------------------------------------------------------------------


async def django_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"django"})


async def aget(front: AsyncRedirectFront, path: str, method: str = "GET", **headers: str) -> dict[str, Any]:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "client": ("203.0.113.7", 51000),
        "headers": [(b"user-agent", b"Mozilla/5.0 (iPhone)")]
        + [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await front(scope, receive, send)
    start, body = sent
    return {
        "status": start["status"],
        "headers": {k.decode(): v.decode() for k, v in start["headers"]},
        "body": body["body"],
    }


@pytest.mark.django_db(transaction=True)  # the link is looked up off the event loop, on another connection
def test_asgi_front_answers_after_the_click_is_synced_and_passes_the_rest_to_django(tmp_path: Path) -> None:
    clock.set_now(T0)
    setup = make_setup()
    links.drop(setup.link.code)
    log = clicklog.AsyncClickLog(clicklog.ClickLog(tmp_path))
    front = AsyncRedirectFront(django_asgi, log)

    async def visit() -> list[dict[str, Any]]:
        first = await aget(front, f"/t/{setup.link.code}", Referer="https://instagram.com/", CF_IPCountry="nl")
        others = await asyncio.gather(*(aget(front, f"/t/{setup.link.code}") for _ in range(40)))
        refused = [
            await aget(front, "/dashboard/"),
            await aget(front, "/t/nope-nope"),
            await aget(front, f"/t/{setup.link.code}/x"),
            await aget(front, f"/t/{setup.link.code}", method="HEAD"),
        ]
        return [first, *others, *refused]

    first, *others, django, unknown, nested, head = run_async(visit())
    assert (first["status"], first["headers"]["cache-control"]) == (302, "no-store")
    assert {o["status"] for o in others} == {302}
    assert (django["body"], unknown["status"], nested["status"], head["status"]) == (b"django", 404, 404, 405)
    cids = [parse_qs(urlsplit(o["headers"]["location"]).query)["accord_cid"][0] for o in [first, *others]]
    lines = log_lines(tmp_path)
    assert sorted(orjson.loads(line)[0] for line in lines) == sorted(cids)  # every 302 has its synced line
    assert log.flushes < len(lines)  # concurrent requests shared disk syncs
    assert not any(b"203.0.113.7" in line for line in lines)
    log.close()

    assert loader.load_once(tmp_path) == 41
    stored = Click.objects.get(click_id=cids[0])
    assert (stored.country, stored.referrer) == ("NL", "https://instagram.com/")
    assert stored.ip_hash == services.salted_hash("ip", "203.0.113.7")


def test_asgi_front_answers_503_when_the_log_cannot_be_written(s: Setup, tmp_path: Path) -> None:
    links.get(s.link.code)  # cached: the request itself needs no database
    blocker = tmp_path / "file"
    blocker.write_text("")
    log = clicklog.AsyncClickLog(clicklog.ClickLog(blocker / "clicklog"))
    out = run_async(aget(AsyncRedirectFront(django_asgi, log), f"/t/{s.link.code}"))
    assert out["status"] == 503
    assert "location" not in out["headers"]
    log.close()


def test_segments_are_zero_filled_ahead_trimmed_on_close_and_a_killed_writer_loses_no_synced_line(
    s: Setup, tmp_path: Path
) -> None:
    log = clicklog.ClickLog(tmp_path)
    lines = [orjson.dumps(services.click_record(s.link.pk, ip=f"192.0.2.{i}").to_row()) + b"\n" for i in range(3)]
    for line in lines:
        log.append(line)
    [segment] = clicklog.segments(tmp_path)
    written = sum(map(len, lines))
    assert segment.stat().st_size == clicklog.ZERO_AHEAD  # syncs overwrite allocated blocks, no size change
    assert segment.read_bytes()[written:].count(0) == clicklog.ZERO_AHEAD - written
    log.close()
    assert segment.read_bytes() == b"".join(lines)  # sealed: the unused zeros are gone

    # A writer killed without closing leaves the zeros, and maybe a torn line over them; no synced line is lost.
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "from pathlib import Path\n"
            "from accord.tracking import clicklog\n"
            "log = clicklog.ClickLog(Path(sys.argv[1]))\n"
            "for line in sys.argv[2:]:\n"
            "    log.append(line.encode() + b'\\n')\n"
            "os.pwrite(log._fd, b'[\"torn', log._size)\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n",
            str(tmp_path / "killed"),
            *(line.decode().strip() for line in lines),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    [killed] = clicklog.segments(tmp_path / "killed")
    assert clicklog.is_sealed(killed) and killed.stat().st_size == clicklog.ZERO_AHEAD
    assert loader.load_once(tmp_path / "killed") == 3  # every synced line; the torn one was never redirected
    assert not killed.exists()
