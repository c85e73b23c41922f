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

Other paths go to Django untouched. ``accord.wsgi`` wraps the Django application with ``front``; the Django view
(``accord.tracking.views``) stays for the test client and ``runserver`` and stores synchronously through the same
``clickstore``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

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


class LinkCache:
    """code → (link id, URL before the click id, URL after it), or None for no such active link."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, tuple[int, str, str] | None]] = {}
        self._lock = threading.Lock()

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
        if environ.get("REQUEST_METHOD") != "GET":  # as the view's require_GET: a HEAD (link checker) is no click
            return _plain(start_response, "405 Method Not Allowed", b"only GET", [("Allow", "GET")])
        code = path[len(PREFIX) :]
        entry = links.get(code) if code and "/" not in code else None
        if entry is None:
            return _plain(start_response, "404 Not Found", b"no such link")
        link_id, before, after = entry
        record = services.click_record(
            link_id,
            ip=client_ip(environ),
            user_agent=environ.get("HTTP_USER_AGENT", ""),
            referrer=environ.get("HTTP_REFERER", ""),
            country=country(environ),
        )
        try:
            self.log.append(orjson.dumps(record.to_row()) + b"\n")
        except clicklog.LogWriteFailed:
            return _plain(start_response, "503 Service Unavailable", b"try again", [("Retry-After", "1")])
        start_response(
            "302 Found",
            [
                ("Location", f"{before}{record.click_id}{after}"),
                ("Cache-Control", "no-store"),
                ("Referrer-Policy", "no-referrer-when-downgrade"),
                ("Content-Length", "0"),
            ],
        )
        return [b""]


def client_ip(environ: dict[str, Any]) -> str:
    """REMOTE_ADDR, or the first X-Forwarded-For hop when ACCORD_TRUST_X_FORWARDED_FOR is set (behind a proxy)."""
    if getattr(settings, "ACCORD_TRUST_X_FORWARDED_FOR", False):
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


def _plain(
    start_response: StartResponse, status: str, body: bytes, headers: list[tuple[str, str]] | None = None
) -> list[bytes]:
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *(headers or [])],
    )
    return [body]


def front(app: WSGIApp, directory: Path | None = None) -> RedirectFront:
    return RedirectFront(app, clicklog.ClickLog(directory) if directory is not None else None)
