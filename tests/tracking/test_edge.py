"""``accord tracking serve-redirects`` (accord.tracking.edge): real sockets against the server on its own event loop.

The server runs in a thread with its own uvloop loop (as in a worker process) and looks links up in the test
database from its lookup threads, so these tests commit their data (``transactional_db``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import uvloop

from accord.core import clock
from accord.tracking import clicklog, edge, loader, redirect, services
from accord.tracking.models import Click, TrackingLink
from accord.tracking.redirect import links
from tests.messaging.conftest import free_port
from tests.tracking.helpers import Setup, make_setup

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)"


class Running:
    def __init__(self, port: int, server: edge.EdgeServer, directory: Path) -> None:
        self.port, self.server, self.directory = port, server, directory

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        return sock

    def request(self, raw: bytes, heads: tuple[int, ...] = ()) -> list[Response]:
        """Send ``raw`` (one or more requests) on a fresh connection; the answers until the server closes it."""
        with self.connect() as sock:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
            return parse_responses(read_all(sock), heads)

    def get(self, path: str, **headers: str) -> Response:
        head = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
        raw = f"GET {path} HTTP/1.1\r\nHost: go.example.com\r\nUser-Agent: {UA}\r\n{head}Connection: close\r\n\r\n"
        [response] = self.request(raw.encode())
        return response

    def lines(self) -> list[list[object]]:
        return [
            orjson.loads(line)
            for seg in clicklog.segments(self.directory)
            for chunk in clicklog.read_chunks(seg, 0, 10**9)
            for line in chunk.lines
        ]


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def parse_responses(data: bytes, heads: tuple[int, ...] = ()) -> list[Response]:
    """Answers in order; those at ``heads`` answer a HEAD request (a Content-Length but no body)."""
    out: list[Response] = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(": ")
            headers[name.lower()] = value
        length = 0 if len(out) in heads else int(headers.get("content-length", "0"))
        out.append(Response(int(status_line.split()[1]), headers, rest[:length]))
        data = rest[length:]
    return out


@pytest.fixture
def setup(transactional_db: None) -> Setup:
    clock.set_now(None)
    made = make_setup()
    links.drop(made.link.code)
    return made


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    directory = tmp_path / "clicklog"
    sock = edge.listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    loop = uvloop.new_event_loop()
    server = edge.EdgeServer(loop, directory)
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start(sock))
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield Running(port, server, directory)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=20)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_a_click_is_on_disk_before_its_302_and_the_loader_stores_it(setup: Setup, running: Running) -> None:
    response = running.get(f"/t/{setup.link.code}", Referer="https://instagram.com/", CF_IPCountry="NL")
    assert response.status == 302
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["connection"] == "close"
    assert "date" in response.headers
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["utm_source"] == ["accord"] and query["utm_content"] == [setup.link.code]
    click_id = query["accord_cid"][0]
    # The line was synced before the answer was written: it is readable now, without the server's help.
    [line] = running.lines()
    assert line[0] == click_id and line[1] == setup.link.pk
    assert "127.0.0.1" not in orjson.dumps(line).decode()  # hashes only, never the IP
    assert line[5] == UA and line[6] == "https://instagram.com/" and line[7] == "NL"
    assert loader.load_once(running.directory) == 1
    click = Click.objects.get(click_id=click_id)
    assert click.link_id == setup.link.pk and click.counted and click.country == "NL"


def test_keep_alive_and_pipelined_requests_are_answered_in_order(setup: Setup, running: Running) -> None:
    code = setup.link.code
    raw = (
        f"GET /t/{code} HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\n\r\n"
        "GET /t/NoSuchCode1 HTTP/1.1\r\nHost: x\r\n\r\n"  # a database lookup, answered after the cached one
        f"HEAD /t/{code} HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        f"GET /t/{code}?from=story HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\nConnection: close\r\n\r\n"
    ).encode()
    links.get(code)  # cached: the first request needs no lookup, the second does
    responses = running.request(raw, heads=(2,))
    assert [r.status for r in responses] == [302, 404, 405, 200, 302]
    assert responses[2].body == b"" and responses[2].headers["allow"] == "GET"  # HEAD: headers only
    assert "connection" not in responses[0].headers and responses[4].headers["connection"] == "close"
    assert len(running.lines()) == 2


def test_one_connection_carries_many_requests(setup: Setup, running: Running) -> None:
    with running.connect() as sock:
        for _ in range(5):
            sock.sendall(f"GET /t/{setup.link.code} HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\n\r\n".encode())
            data = b""
            while not data.endswith(b"\r\n\r\n"):
                data += sock.recv(4096)
            assert data.startswith(b"HTTP/1.1 302 ")
    assert len(running.lines()) == 5


def test_http_1_0_gets_its_answer_and_the_connection_closes(setup: Setup, running: Running) -> None:
    [response] = running.request(f"GET /t/{setup.link.code} HTTP/1.0\r\n\r\n".encode())
    assert response.status == 302 and response.headers["connection"] == "close"


def test_refusals_are_clear_and_leave_no_click(setup: Setup, running: Running) -> None:
    setup.link.active = False
    TrackingLink.objects.filter(pk=setup.link.pk).update(active=False)
    assert running.get(f"/t/{setup.link.code}").status == 404  # inactive
    assert running.get("/t/").status == 404
    assert running.get("/t/a/b").status == 404
    assert running.get("/t/has%20space").status == 404
    assert running.get("/dashboard/").status == 404  # only /t/ lives here
    [posted] = running.request(f"POST /t/{setup.link.code} HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi".encode())
    assert posted.status == 405
    assert running.lines() == []


def test_unreadable_oversized_and_upgrade_requests_get_4xx_and_a_closed_connection(
    setup: Setup, running: Running
) -> None:
    [bad] = running.request(b"NOT HTTP AT ALL\r\n\r\n")
    assert bad.status == 400 and bad.headers["connection"] == "close"
    huge = b"GET /t/abc HTTP/1.1\r\nX-Padding: " + b"a" * (edge.MAX_HEAD_BYTES + 10) + b"\r\n\r\n"
    [too_large] = running.request(huge)
    assert too_large.status == 431
    upgrade = b"GET /t/abc HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    assert running.request(upgrade)[0].status == 400
    # A good request before a bad one on the same connection still gets its answer first.
    pair = running.request(b"GET /healthz HTTP/1.1\r\n\r\nBROKEN\r\n\r\n")
    assert [r.status for r in pair] == [200, 400]


def test_a_log_that_cannot_be_written_answers_503_not_a_redirect(setup: Setup, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the click log's directory should be")
    sock = edge.listen("127.0.0.1", 0)
    loop = uvloop.new_event_loop()
    server = edge.EdgeServer(loop, blocked / "clicklog")

    async def ask() -> bytes:
        await server.start(sock)
        reader, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
        writer.write(f"GET /t/{setup.link.code} HTTP/1.1\r\nConnection: close\r\n\r\n".encode())
        data = await reader.read()
        writer.close()
        await server.stop()
        return data

    def run() -> bytes:  # on a thread of its own: a browser test on this worker leaves a loop running here
        try:
            return loop.run_until_complete(ask())
        finally:
            loop.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        data = pool.submit(run).result(timeout=60)
    [response] = parse_responses(data)
    assert response.status == 503 and response.headers["retry-after"] == "1"
    assert "location" not in response.headers


def test_slow_request_heads_get_408_and_idle_connections_are_closed(
    setup: Setup, running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edge, "HEAD_TIMEOUT", 0.5)
    monkeypatch.setattr(edge, "KEEPALIVE_TIMEOUT", 0.5)
    with running.connect() as slow:
        slow.sendall(b"GET /t/abc HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        slow.settimeout(5)
        [response] = parse_responses(read_all(slow))
        assert response.status == 408
    with running.connect() as idle:
        idle.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
        idle.settimeout(5)
        started = time.monotonic()
        data = read_all(idle)  # the answer, then the server closes the idle connection
        assert data.startswith(b"HTTP/1.1 200 ") and time.monotonic() - started < 4


def test_a_client_that_does_not_read_is_paused_not_buffered_without_end(setup: Setup, running: Running) -> None:
    links.get(setup.link.code)
    request = f"GET /t/{setup.link.code} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    with running.connect() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        sent = 0
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                sent += sock.send(request * 100)
            except BlockingIOError:
                time.sleep(0.05)
        # The server stopped reading once its answers piled up: far fewer clicks than requests were sent.
        sent_requests = sent // len(request)
        assert sent_requests > 2 * edge.MAX_PIPELINE
        assert len(running.lines()) < sent_requests


@pytest.mark.postgres
def test_a_stopped_link_stops_redirecting_at_once_through_postgresql_notify(
    setup: Setup, running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redirect, "TTL", 3600.0)  # so only the announcement can make the server forget the link
    assert running.server.listening.wait(10)
    assert running.get(f"/t/{setup.link.code}").status == 302  # now cached for an hour
    services.deactivate_link(setup.brand_principal(), setup.link.pk)  # commits: PostgreSQL delivers the NOTIFY
    deadline = time.monotonic() + 5
    while running.get(f"/t/{setup.link.code}").status != 404:
        assert time.monotonic() < deadline, "the redirect server still redirects a stopped link"
        time.sleep(0.05)


def test_serve_redirects_runs_workers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    # A database of its own (SQLite in a temporary folder), whatever database the suite runs on.
    env = {k: v for k, v in os.environ.items() if k != "ACCORD_DATABASE_URL"}
    env |= {"ACCORD_VAR_DIR": str(tmp_path), "ACCORD_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "accord.settings"}
    cli = [sys.executable, "-m", "accord.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    server = subprocess.Popen(
        [*cli, "tracking", "serve-redirects", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else "exited"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
                    if read_all(sock).startswith(b"HTTP/1.1 200 "):
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "serve-redirects did not answer /healthz within 60 s"
            time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /t/NoSuchCode HTTP/1.1\r\nConnection: close\r\n\r\n")
            assert read_all(sock).startswith(b"HTTP/1.1 404 ")
        # Two workers, each with its own socket in the port's SO_REUSEPORT group.
        listening = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
        assert len(listening.strip().splitlines()) in (0, 2)  # 0: ss missing or not allowed to show it
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
    assert code == 0
    with pytest.raises(ProcessLookupError):
        os.killpg(server.pid, 0)  # no worker outlived its parent
