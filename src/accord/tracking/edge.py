"""``accord tracking serve-redirects``: a lean HTTP/1.1 server that answers only ``GET /t/<code>`` (and a health check).

Why a server of its own: behind granian's ASGI front a redirect cost ~110 µs of server, ASGI and thread hand-off per
request against ~10 µs of Accord's own work (hashes, click id, log line), so two cores gave 0.10-0.15 of nginx's 302
rate. Here the request never becomes an ASGI scope: llhttp (``httptools``) parses it on uvloop, the reply is bytes
written straight to the transport, and the click log is group-committed *on the event loop*:

- every click parsed in one pass of the loop is appended to a batch; one callback at the end of that pass writes the
  batch with one ``write`` and one ``fdatasync`` (``clicklog.ClickLog.commit``) and then sends those 302s — no sync
  thread, no GIL hand-off, no future per request. Requests that arrive while the loop is in ``fdatasync`` wait in
  the socket buffers and form the next batch, so under load one disk sync carries every connection's click. On this
  machine (2 cores, ~0.2 ms fdatasync) the prototype answered 33k/s (wrk -c32) and 65k/s (-c128) against 27k/s and
  41k/s with the thread-and-future group commit that the ASGI front uses.
- the rest is what ``accord.tracking.redirect`` does for every front (same link cache, same click record, same
  refusals, same headers), and the loader (``accord tracking load-clicks``) stores the clicks in batches.
- on PostgreSQL a thread per worker LISTENs for link changes (``redirect.announce``, sent by a save and delivered
  at its commit), so a stopped link stops redirecting at once on every host; the cache's TTL is the fallback.

HTTP: keep-alive and pipelining (answers in request order, even when a link lookup goes to the database), HTTP/1.0,
``Connection: close``; 400 for a request llhttp rejects, 431 for oversized request heads, 408 for a head not
finished within ``HEAD_TIMEOUT`` (slow clients), idle keep-alive connections closed after ``KEEPALIVE_TIMEOUT``;
reading pauses while a client has ``MAX_PIPELINE`` answers waiting or the transport's write buffer is full.
Workers are forked processes, each with its own ``SO_REUSEPORT`` listening socket (the kernel spreads
connections); each appends to its own click-log segment. SIGTERM or SIGINT: stop accepting, answer what was read,
sync and seal the segment, exit (the parent waits ``STOP_TIMEOUT`` s, then kills).

Deploy it beside ``accord serve`` (which starts it on ``--redirect-port``) and send ``/t/`` to it from the load
balancer, or give tracking links a host of their own (``ACCORD_TRACKING_BASE_URL``); the ASGI front still answers
``/t/`` on the main port for a single-port setup.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from pathlib import Path
from typing import Any, cast

import httptools
import uvloop
from django.conf import settings
from django.db import connections

from accord.tracking import clicklog, redirect

log = logging.getLogger(__name__)

KEEPALIVE_TIMEOUT = 15.0
HEAD_TIMEOUT = 10.0
MAX_HEAD_BYTES = 16 * 1024
MAX_PIPELINE = 64
STOP_TIMEOUT = 10.0
LOOKUP_THREADS = 2
HEALTH_PATH = b"/healthz"
# The request headers a click keeps (the country from the first of redirect.COUNTRY_KEYS that is given).
WANTED = {
    b"user-agent": "HTTP_USER_AGENT",
    b"referer": "HTTP_REFERER",
    b"x-forwarded-for": "HTTP_X_FORWARDED_FOR",
    **{key[5:].lower().replace("_", "-").encode(): key for key in redirect.COUNTRY_KEYS},
}
REASONS = {
    200: b"OK",
    302: b"Found",
    400: b"Bad Request",
    404: b"Not Found",
    405: b"Method Not Allowed",
    408: b"Request Timeout",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}
FOUND = b"HTTP/1.1 302 Found\r\nDate: "
OK = redirect.plain(200, b"ok")
BAD_REQUEST = redirect.plain(400, b"bad request")
TIMEOUT = redirect.plain(408, b"request timeout")
TOO_LARGE = redirect.plain(431, b"request head too large")


def header_lines(headers: list[tuple[str, str]]) -> bytes:
    return b"".join(b"%s: %s\r\n" % (k.encode("latin-1"), v.encode("latin-1")) for k, v in headers)


def response_bytes(answer: redirect.Answer, date: bytes, keep_alive: bool, head: bool = False) -> bytes:
    status = b"HTTP/1.1 %d %s\r\nDate: %s\r\n" % (answer.status, REASONS[answer.status], date)
    close = b"" if keep_alive else b"Connection: close\r\n"
    return status + header_lines(answer.headers) + close + b"\r\n" + (b"" if head else answer.body)


class LoopClickLog:
    """Group commit on the event loop: clicks appended in one loop pass share one write and one fdatasync."""

    def __init__(self, log: clicklog.ClickLog, loop: asyncio.AbstractEventLoop) -> None:
        self.log = log
        self.loop = loop
        self._lines: list[bytes] = []
        self._done: list[Callable[[bool], None]] = []
        self.flushes = 0

    def append(self, line: bytes, done: Callable[[bool], None]) -> None:
        """Add ``line``; ``done(ok)`` runs once it is on disk (ok) or could not be written (not ok)."""
        if not self._lines:
            self.loop.call_soon(self.flush)
        self._lines.append(line)
        self._done.append(done)

    def flush(self) -> None:
        if not self._lines:
            return
        lines, done = self._lines, self._done
        self._lines, self._done = [], []
        # Blocking on purpose: see the module docstring. Meanwhile new requests gather in the sockets' buffers.
        ok = self.log.commit(lines)
        self.flushes += 1
        for callback in done:
            callback(ok)


class _Slot:
    """One request's place in its connection's answer order."""

    __slots__ = ("data", "head", "keep_alive")

    def __init__(self, keep_alive: bool, head: bool = False) -> None:
        self.data: bytes | None = None
        self.keep_alive = keep_alive
        self.head = head  # a HEAD request: the answer's headers only


class RedirectProtocol(asyncio.Protocol):
    """One client connection: parse requests with llhttp, answer in order."""

    def __init__(self, server: EdgeServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.ip = ""
        self.url = b""
        self.meta: dict[str, str] = {}
        self.head_bytes = 0
        self.in_request = False
        self.started = 0.0  # when the request being read began, or the connection went idle
        self.pending: collections.deque[_Slot] = collections.deque()
        self.reading = True
        self.writable = True
        self.closing = False
        self.failed = False  # the parser gave up: nothing more is read from this connection
        self.eof = False

    # --- asyncio.Protocol ---

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's TCPTransport is no asyncio.Transport subclass
        peer = transport.get_extra_info("peername")
        self.ip = str(peer[0]) if peer else ""
        self.started = self.server.now
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.server.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        if self.closing or self.failed:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if not self.failed:  # answered in on_message_complete
                self.fail(BAD_REQUEST)
        except httptools.HttpParserError:
            log.debug("unreadable request from %s", self.ip, exc_info=True)
            self.fail(TOO_LARGE if self.head_bytes > MAX_HEAD_BYTES else BAD_REQUEST)

    def eof_received(self) -> bool:
        # The client is done sending (a half-close): what it asked for is still answered, then the connection ends.
        self.eof = True
        if not self.pending:
            self._close()
        return True

    def pause_writing(self) -> None:
        self.writable = False
        self._pause_reading()

    def resume_writing(self) -> None:
        self.writable = True
        self._maybe_resume_reading()

    # --- llhttp callbacks ---

    def on_message_begin(self) -> None:
        self.in_request = True
        self.started = self.server.now
        self.url = b""
        self.meta = {"REMOTE_ADDR": self.ip}
        self.head_bytes = 0

    def on_url(self, url: bytes) -> None:
        self.url += url
        self._count(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        key = WANTED.get(name.lower())
        if key is not None:
            self.meta[key] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.in_request = False  # the head is in: the slow-client timer stops, a body (ignored) may follow

    def on_message_complete(self) -> None:
        self.in_request = False
        self.started = self.server.now
        if self.parser.should_upgrade():
            self.fail(BAD_REQUEST)  # no upgrades (WebSocket, h2c) on a redirect server
            return
        method = self.parser.get_method()
        slot = _Slot(bool(self.parser.should_keep_alive()), method == b"HEAD")
        self.pending.append(slot)
        if len(self.pending) >= MAX_PIPELINE:
            self._pause_reading()
        self.server.handle(self, slot, method, self.url, self.meta)

    # --- answering ---

    def answer(self, slot: _Slot, answer: redirect.Answer) -> None:
        slot.data = response_bytes(answer, self.server.date, slot.keep_alive, slot.head)
        self.flush()

    def flush(self) -> None:
        """Send the answers that are ready, in request order."""
        if self.transport is None or self.closing:
            return
        out: list[bytes] = []
        close = False
        while self.pending and self.pending[0].data is not None:
            slot = self.pending.popleft()
            out.append(slot.data)  # type: ignore[arg-type]  # checked in the loop condition
            if not slot.keep_alive:
                close = True
                break
        if out:
            self.transport.write(b"".join(out) if len(out) > 1 else out[0])
            self.started = self.server.now
        if close or (self.eof and not self.pending):
            self._close()
        else:
            self._maybe_resume_reading()

    def fail(self, answer: redirect.Answer) -> None:
        """A request that cannot be read: answer it after those before it, then close."""
        self.failed = True
        self.in_request = False
        slot = _Slot(keep_alive=False)
        self.pending.append(slot)
        self._pause_reading()
        self.answer(slot, answer)

    def _count(self, n: int) -> None:
        self.head_bytes += n
        if self.head_bytes > MAX_HEAD_BYTES:
            raise httptools.HttpParserError("request head too large")

    def _close(self) -> None:
        self.closing = True
        self.pending.clear()
        if self.transport is not None:
            self.transport.close()

    def _pause_reading(self) -> None:
        if self.reading and self.transport is not None and not self.closing:
            self.reading = False
            self.transport.pause_reading()

    def _maybe_resume_reading(self) -> None:
        if not self.reading and self.writable and len(self.pending) < MAX_PIPELINE and not self.closing:
            self.reading = True
            assert self.transport is not None
            self.transport.resume_reading()

    def expire(self, now: float, stopping: bool) -> None:
        """Called every second: close slow or idle connections (all idle ones when stopping)."""
        if self.pending:
            return  # answers on their way: the click log decides when
        if self.in_request:
            if now - self.started > HEAD_TIMEOUT:
                self.fail(TIMEOUT)
        elif stopping or now - self.started > KEEPALIVE_TIMEOUT:
            self._close()


class EdgeServer:
    """The redirect server of one worker process."""

    def __init__(self, loop: asyncio.AbstractEventLoop, directory: Path) -> None:
        self.loop = loop
        self.clicks = LoopClickLog(clicklog.ClickLog(directory), loop)
        self.connections: set[RedirectProtocol] = set()
        self.lookups: dict[str, asyncio.Future[Any]] = {}
        self.executor = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="accord-link-lookup")
        self.now = loop.time()
        self.date = formatdate(usegmt=True).encode()
        self.stopping = False
        # Settings read once per process (they do not change under a running server).
        self.trust_forwarded = bool(getattr(settings, "ACCORD_TRUST_X_FORWARDED_FOR", False))
        self.tail = header_lines(redirect.redirect_headers())
        self._servers: list[asyncio.AbstractServer] = []
        self._tick_handle: asyncio.TimerHandle | None = None
        self._listener: threading.Thread | None = None
        self.listening = threading.Event()  # set while the link-change listener is connected (tests wait for it)

    async def start(self, sock: socket.socket) -> None:
        self._servers.append(await self.loop.create_server(lambda: RedirectProtocol(self), sock=sock))
        self._tick()
        if connections["default"].vendor == "postgresql":
            self._listener = threading.Thread(target=self._listen, name="accord-link-listener", daemon=True)
            self._listener.start()

    def _listen(self) -> None:
        """Forget links as PostgreSQL announces their changes (``redirect.announce``), reconnecting after a failure;
        meanwhile the cache's TTL bounds how long a stopped link may still redirect."""
        import psycopg

        # Django's own parameters, so OPTIONS (sslmode, service, …) hold for this connection too.
        params = connections["default"].get_connection_params()
        while not self.stopping:
            try:
                with psycopg.connect(**params, autocommit=True) as conn:
                    conn.execute(f"LISTEN {redirect.CHANNEL}")
                    redirect.links.drop(redirect.ALL)  # whatever changed while nobody listened
                    self.listening.set()
                    while not self.stopping:
                        for note in conn.notifies(timeout=1.0):
                            redirect.links.drop(note.payload)
            except Exception:  # the database may be away for a while: keep serving from the cache
                self.listening.clear()
                log.warning("listening for tracking-link changes failed; retrying", exc_info=True)
                time.sleep(1.0)

    def _tick(self) -> None:
        self.now = self.loop.time()
        self.date = formatdate(usegmt=True).encode()
        for conn in list(self.connections):
            conn.expire(self.now, self.stopping)
        self._tick_handle = self.loop.call_later(1.0, self._tick)

    def handle(self, conn: RedirectProtocol, slot: _Slot, method: bytes, url: bytes, meta: dict[str, str]) -> None:
        path = url.split(b"?", 1)[0]
        if path == HEALTH_PATH:
            conn.answer(slot, OK if method in (b"GET", b"HEAD") else redirect.METHOD_NOT_ALLOWED)
            return
        if not path.startswith(b"/t/"):
            conn.answer(slot, redirect.NOT_FOUND)
            return
        code = path[3:].decode("latin-1")
        refused = redirect.refusal(method.decode("latin-1"), code)
        if refused is not None:
            conn.answer(slot, refused)
            return
        entry = redirect.links.cached(code)
        if entry is redirect.MISSING:
            self._look_up(code).add_done_callback(lambda f: self._redirect(conn, slot, _outcome(f), meta))
        else:
            self._redirect(conn, slot, entry, meta)

    def _look_up(self, code: str) -> asyncio.Future[Any]:
        """The link from the database, off the loop; one query per code however many requests wait for it."""
        future = self.lookups.get(code)
        if future is None:
            future = self.loop.run_in_executor(self.executor, _get_link, code)
            self.lookups[code] = future
            future.add_done_callback(lambda _: self.lookups.pop(code, None))
        return future

    def _redirect(self, conn: RedirectProtocol, slot: _Slot, entry: Any, meta: dict[str, str]) -> None:
        if entry is None or isinstance(entry, BaseException):
            conn.answer(slot, redirect.NOT_FOUND if entry is None else redirect.UNAVAILABLE)
            return
        ip = redirect.client_ip(meta, self.trust_forwarded)
        user_agent, referrer = meta.get("HTTP_USER_AGENT", ""), meta.get("HTTP_REFERER", "")
        line, location = redirect.click_line(entry, ip, user_agent, referrer, redirect.country(meta))

        def synced(ok: bool) -> None:
            if not ok:
                conn.answer(slot, redirect.UNAVAILABLE)
                return
            # The hottest answer, assembled from per-process constants rather than through response_bytes.
            close = b"" if slot.keep_alive else b"Connection: close\r\n"
            slot.data = b"%s%s\r\nLocation: %s\r\n%s%s\r\n" % (
                FOUND,
                self.date,
                location.encode("latin-1"),
                self.tail,
                close,
            )
            conn.flush()

        self.clicks.append(line, synced)

    async def stop(self) -> None:
        """Stop accepting, let answers on their way go out, close what is idle, seal the click-log segment."""
        self.stopping = True
        for server in self._servers:
            server.close()
        deadline = self.loop.time() + STOP_TIMEOUT - 1
        while any(c.pending for c in self.connections) and self.loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.clicks.flush()
        for conn in list(self.connections):
            conn._close()
        if self._tick_handle is not None:
            self._tick_handle.cancel()
        await asyncio.to_thread(self._stop_lookups)
        if self._listener is not None:
            await asyncio.to_thread(self._listener.join, 3)
        self.clicks.log.close()

    def _stop_lookups(self) -> None:
        """End the lookup threads, each closing its own database connection (Django's are per thread)."""
        barrier = threading.Barrier(LOOKUP_THREADS, timeout=2)

        def close() -> None:
            connections.close_all()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()  # holds this thread so the next close runs on another one

        for _ in range(LOOKUP_THREADS):
            self.executor.submit(close)
        self.executor.shutdown(wait=True, cancel_futures=False)


def _outcome(future: asyncio.Future[Any]) -> Any:
    return future.result() if not future.cancelled() else asyncio.CancelledError()


def _get_link(code: str) -> Any:
    """``links.get`` for the lookup threads: a database error answers 503 rather than killing the request."""
    try:
        return redirect.links.get(code)
    except Exception as exc:  # the database may be away for a moment; the visitor can try again
        log.exception("looking up tracking link %r failed", code)
        return exc


# --- processes -------------------------------------------------------------------------------------------------------


def listen(host: str, port: int) -> socket.socket:
    """A listening socket in the port's SO_REUSEPORT group (one per worker: the kernel spreads the connections)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def run_worker(sock: socket.socket, directory: Path) -> None:
    """Serve on ``sock`` until SIGTERM or SIGINT (in this process, on uvloop)."""
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    server = EdgeServer(loop, directory)
    stopped = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)

    async def main() -> None:
        await server.start(sock)
        await stopped.wait()
        await server.stop()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def serve(host: str, port: int, workers: int, directory: Path | None = None) -> int:
    """Fork ``workers`` processes that serve redirects; restart one that dies; stop all on SIGTERM/SIGINT."""
    directory = directory or clicklog.default_directory()
    directory.mkdir(parents=True, exist_ok=True)
    # Bound (not listening: it takes no connections) to fail here on a port in use, and to learn port 0's number.
    probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    probe.bind((host, port))
    port = probe.getsockname()[1]
    connections.close_all()  # no database connection may cross a fork
    # Django's import-time objects never die: out of the collector's sight, they are neither scanned by every full
    # collection nor copied into each worker by reference-count writes.
    gc.collect()
    gc.freeze()
    children: dict[int, int] = {}  # pid → slot
    stopping = False

    def spawn(slot: int) -> None:
        sock = listen(host, port)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                probe.close()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                run_worker(sock, directory)
            except BaseException:
                log.exception("redirect worker failed")
                code = 1
            finally:
                os._exit(code)
        sock.close()
        children[pid] = slot

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(workers):
        spawn(slot)
    print(f"serving redirects on http://{host}:{port}/t/<code> with {workers} workers", flush=True)
    deadline: float | None = None
    while children:
        if stopping and deadline is None:
            deadline = time.monotonic() + STOP_TIMEOUT
        if deadline is not None and time.monotonic() > deadline:
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.1)
            continue
        slot = children.pop(pid)
        if not stopping:
            print(f"redirect worker {pid} ended ({status}); starting another", file=sys.stderr, flush=True)
            time.sleep(0.5)  # a worker failing at start must not spin
            spawn(slot)
    probe.close()
    return 0
