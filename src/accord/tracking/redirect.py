"""The production ``GET /t/<code>``: a small WSGI callable in front of Django, with the click in a local log.

Why not the Django view: a redirect is the hottest request Accord answers, and through Django it paid for the
middleware stack, URL resolution, a link query and a database transaction with an insert and six rollup upserts
per click (about 350 redirects/s on two cores). Here a click costs a dictionary lookup, two salted SHA-256
hashes, one JSON line and a share of one ``fdatasync``:

- link code → (link id, redirect URL cut around the click id) comes from an in-process cache: entries live
  ``TTL`` seconds (an unknown code ``MISS_TTL``, so scanning random codes cannot hammer the database), and a save
  or delete of a link in this process drops its entry at once (``post_save``/``post_delete``);
- the click (hashes only, never the IP; user agent, referrer, country header; UTC time; a fresh click id) is
  appended to the process's click log (``accord.tracking.clicklog``) and the 302 is sent only once that line is on
  disk — durable before the visitor moves on, as the issue demands;
- everything that needs the database — bot, burst and counted-once-per-hour decisions, fraud flags, rollups — is
  done in batches by the loader (``accord tracking load-clicks``, ``accord.tracking.loader``), started by
  ``accord serve``; rollups trail the redirect by the loader's interval (0.1 s by default).

Two fronts share that code: ``AsyncRedirectFront`` (ASGI; ``accord.asgi``, what ``accord serve`` runs) waits for
the sync as a future on the event loop (``clicklog.AsyncClickLog``) and looks a link missing from the cache up in a
thread; ``RedirectFront`` (WSGI; ``accord.wsgi``) waits in a server thread. On the bench's two shared cores (load
4-7) the ASGI front answered 6.2-8.2k redirects/s against 5.5k for 32 WSGI threads per worker in back-to-back runs.

Other paths go to Django untouched. ``accord.wsgi`` wraps the Django application with ``front``; the Django view
(``accord.tracking.views``) stays for the test client and ``runserver`` and stores synchronously through the same
``clickstore``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models.signals import post_delete, post_save

from accord.tracking import clicklog, services
from accord.tracking.models import TrackingLink

TTL = 5.0
MISS_TTL = 1.0
PREFIX = "/t/"
COUNTRY_KEYS = ("HTTP_CF_IPCOUNTRY", "HTTP_CLOUDFRONT_VIEWER_COUNTRY", "HTTP_X_COUNTRY_CODE")
_MARK = "ACCORDCLICKID"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]
CHANNEL = "accord_tracking_link"  # PostgreSQL NOTIFY channel: a link's code changed (see ``announce``)
ALL = "*"
MISSING: Any = object()  # LinkCache.cached: not in the cache (None is a cached "no such link")


class LinkCache:
    """code → (link id, URL before the click id, URL after it), or None for no such active link."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, tuple[int, str, str] | None]] = {}
        self._lock = threading.Lock()

    def cached(self, code: str) -> Any:
        """The fresh cached entry (None included), or MISSING: no database, safe on an event loop."""
        hit = self._entries.get(code)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else MISSING

    def get(self, code: str) -> tuple[int, str, str] | None:
        hit = self._entries.get(code)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        entry = self._load(code)
        with self._lock:
            if len(self._entries) > 100_000:
                self._entries.clear()
            self._entries[code] = (now + (TTL if entry else MISS_TTL), entry)
        return entry

    def drop(self, code: str) -> None:
        if code == ALL:
            self._entries.clear()
        else:
            self._entries.pop(code, None)

    @staticmethod
    def _load(code: str) -> tuple[int, str, str] | None:
        if not services.CODE_RE.match(code):
            return None
        if not connection.in_atomic_block:
            close_old_connections()  # as Django does at a request's start: no stale or broken connection
        found = (
            TrackingLink.objects.filter(code=code, active=True).only("id", "code", "destination", "campaign_id").first()
        )
        if found is None:
            return None
        before, _, after = services.destination_url(found, _MARK).partition(_MARK)
        return (found.pk, before, after)


links = LinkCache()


def _drop_cached(sender: type[TrackingLink], instance: TrackingLink, **kwargs: Any) -> None:
    links.drop(instance.code)
    announce(instance.code)


def announce(code: str) -> None:
    """Tell every redirect process listening (``accord.tracking.edge``, on any host) to forget ``code``.

    PostgreSQL delivers a NOTIFY when the transaction commits and drops it on rollback, so a listener never forgets
    a link too early; on SQLite (one host, development) the cache's TTL is the bound. ``ALL`` forgets everything
    (a bulk update, as an erasure's)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, code])


post_save.connect(_drop_cached, sender=TrackingLink, dispatch_uid="accord.tracking.redirect.save")
post_delete.connect(_drop_cached, sender=TrackingLink, dispatch_uid="accord.tracking.redirect.delete")


class RedirectFront:
    """WSGI: ``/t/<code>`` answered here, everything else by ``app``."""

    def __init__(self, app: WSGIApp, log: clicklog.ClickLog | None = None) -> None:
        self.app = app
        self._log = log

    @property
    def log(self) -> clicklog.ClickLog:
        if self._log is None:
            self._log = clicklog.ClickLog(clicklog.default_directory())
        return self._log

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        code = path[len(PREFIX) :]
        answer = refusal(environ.get("REQUEST_METHOD", ""), code)
        if answer is None:
            entry = links.get(code)
            if entry is None:
                answer = NOT_FOUND
            else:
                line, answer = click(entry, environ)
                try:
                    self.log.append(line)
                except clicklog.LogWriteFailed:
                    answer = UNAVAILABLE
        start_response(STATUS_LINES[answer.status], answer.headers)
        return [answer.body]


class AsyncRedirectFront:
    """ASGI: ``/t/<code>`` answered here, everything else (and lifespan) by ``app`` (Django's ASGI handler).

    What ``accord serve`` runs: on an event loop a request waiting for its disk sync costs a future, not a thread,
    so with the same connections the server answers markedly more redirects (bench/tracking.py measures both).
    """

    def __init__(self, app: ASGIApp, log: clicklog.AsyncClickLog | None = None) -> None:
        self.app = app
        self._log = log

    @property
    def log(self) -> clicklog.AsyncClickLog:
        if self._log is None:
            self._log = clicklog.AsyncClickLog(clicklog.ClickLog(clicklog.default_directory()))
        return self._log

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        code = scope["path"][len(PREFIX) :]
        answer = refusal(scope["method"], code)
        if answer is None:
            entry = links.cached(code)
            if entry is MISSING:  # the database, off the event loop
                entry = await asyncio.to_thread(links.get, code)
            if entry is None:
                answer = NOT_FOUND
            else:
                line, answer = click(entry, wsgi_meta(scope))
                try:
                    await self.log.append(line)
                except clicklog.LogWriteFailed:
                    answer = UNAVAILABLE
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})


class Answer(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


STATUS_LINES = {302: "302 Found", 404: "404 Not Found", 405: "405 Method Not Allowed", 503: "503 Service Unavailable"}


def plain(status: int, body: bytes, *headers: tuple[str, str]) -> Answer:
    return Answer(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *headers], body
    )


NOT_FOUND = plain(404, b"no such link")
METHOD_NOT_ALLOWED = plain(405, b"only GET", ("Allow", "GET"))
UNAVAILABLE = plain(503, b"try again", ("Retry-After", "1"))


def refusal(method: str, code: str) -> Answer | None:
    """The answer for a request that can be no click, or None to look the link up."""
    if method != "GET":  # as the view's require_GET: a HEAD (link checker) is no click
        return METHOD_NOT_ALLOWED
    if not code or "/" in code:
        return NOT_FOUND
    return None


def click(entry: tuple[int, str, str], meta: dict[str, Any]) -> tuple[bytes, Answer]:
    """The click's log line and the 302 to send once that line is on disk (``meta`` as WSGI's environ)."""
    line, location = click_line(
        entry, client_ip(meta), meta.get("HTTP_USER_AGENT", ""), meta.get("HTTP_REFERER", ""), country(meta)
    )
    return line, Answer(302, [("Location", location), *redirect_headers()], b"")


def click_line(entry: tuple[int, str, str], ip: str, user_agent: str, referrer: str, country: str) -> tuple[bytes, str]:
    """The click's log line and where the visitor goes (the link's URL with the fresh click id)."""
    link_id, before, after = entry
    record = services.click_record(link_id, ip=ip, user_agent=user_agent, referrer=referrer, country=country)
    return orjson.dumps(record.to_row()) + b"\n", f"{before}{record.click_id}{after}"


def redirect_headers() -> list[tuple[str, str]]:
    """A 302's headers after its Location."""
    return [
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer-when-downgrade"),
        *security_headers(),
        ("Content-Length", "0"),
    ]


def security_headers() -> list[tuple[str, str]]:
    """What Django's SecurityMiddleware would add, which a redirect answered before Django never passes."""
    headers = [("X-Content-Type-Options", "nosniff")]
    hsts = getattr(settings, "SECURE_HSTS_SECONDS", 0)
    if hsts:
        value = f"max-age={hsts}"
        if getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False):
            value += "; includeSubDomains"
        if getattr(settings, "SECURE_HSTS_PRELOAD", False):
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    return headers


def wsgi_meta(scope: dict[str, Any]) -> dict[str, str]:
    """An ASGI request's client address and headers under WSGI's names, for ``click``."""
    meta = {"REMOTE_ADDR": scope["client"][0] if scope.get("client") else ""}
    for name, value in scope["headers"]:
        meta["HTTP_" + name.decode("latin-1").upper().replace("-", "_")] = value.decode("latin-1")
    return meta


def client_ip(environ: dict[str, Any], trust_forwarded: bool | None = None) -> str:
    """REMOTE_ADDR, or the first X-Forwarded-For hop when ACCORD_TRUST_X_FORWARDED_FOR is set (behind a proxy);
    ``trust_forwarded`` overrides the setting for a caller that read it once."""
    if trust_forwarded is None:
        trust_forwarded = getattr(settings, "ACCORD_TRUST_X_FORWARDED_FOR", False)
    if trust_forwarded:
        forwarded: str = environ.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(environ.get("REMOTE_ADDR") or "")


def country(environ: dict[str, Any]) -> str:
    """The visitor's country from the first CDN/proxy header that gives one."""
    for key in COUNTRY_KEYS:
        value = environ.get(key)
        if value:
            return str(value)
    return ""


def public_url(code: str, absolute: Callable[[str], str] | None = None) -> str:
    """The address a visitor clicks: on ACCORD_TRACKING_BASE_URL (a host of its own, served by ``accord tracking
    serve-redirects``) when set, else this site's ``/t/<code>`` (made absolute by ``absolute``, e.g. a request's
    ``build_absolute_uri``)."""
    base = getattr(settings, "ACCORD_TRACKING_BASE_URL", "")
    if base:
        return f"{base.rstrip('/')}{PREFIX}{code}"
    path = f"{PREFIX}{code}"
    return absolute(path) if absolute is not None else path


def front(app: WSGIApp, directory: Path | None = None) -> RedirectFront:
    return RedirectFront(app, clicklog.ClickLog(directory) if directory is not None else None)


def asgi_front(app: ASGIApp, directory: Path | None = None) -> AsyncRedirectFront:
    log = clicklog.AsyncClickLog(clicklog.ClickLog(directory)) if directory is not None else None
    return AsyncRedirectFront(app, log)
