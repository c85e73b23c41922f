"""Outgoing webhook delivery: signed POSTs, one attempt at a time, retried with exponential backoff.

A delivery row is written in the publishing transaction (an outbox); after commit a task makes the first attempt.
Each attempt is logged (status code, latency, error). A failed attempt schedules the next one at
``now + base·2^(n-1)`` (capped) until ``ACCORD_WEBHOOK_MAX_ATTEMPTS``; the retry task is enqueued with ``run_after``
where the queue supports it, and the periodic sweep (``retry_due``) attempts whatever is due in any case. Claiming an
attempt is a conditional update, so a task and the sweep never send the same attempt twice.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from accord.core import clock
from accord.messaging import destinations, signing
from accord.messaging.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("accord.messaging.webhooks")
USER_AGENT = "Accord-Webhooks/1"


def max_attempts() -> int:
    return int(getattr(settings, "ACCORD_WEBHOOK_MAX_ATTEMPTS", 8))


def backoff_base() -> float:
    return float(getattr(settings, "ACCORD_WEBHOOK_BACKOFF_SECONDS", 30))


def allow_private() -> bool:
    """Loopback and private destinations: only for development and tests (``ACCORD_WEBHOOK_ALLOW_PRIVATE``)."""
    return bool(getattr(settings, "ACCORD_WEBHOOK_ALLOW_PRIVATE", settings.DEBUG))


def allow_http() -> bool:
    return bool(getattr(settings, "ACCORD_WEBHOOK_ALLOW_HTTP", allow_private()))


def request_timeout() -> float:
    return float(getattr(settings, "ACCORD_WEBHOOK_TIMEOUT_SECONDS", 10))


def event_body(
    event_id: str, event_type: str, *, subject: str, organization_id: int, actor_label: str, data: Any, at: datetime
) -> str:
    return json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "created_at": at.isoformat(),
            "organization_id": organization_id,
            "subject": subject,
            "actor": actor_label,
            "data": data,
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        sort_keys=True,
    )


def record_deliveries(
    event_type: str,
    *,
    subject: str,
    organization_ids: list[int],
    actor_label: str,
    data: dict[str, Any],
    at: datetime,
) -> list[int]:
    """One pending delivery per active endpoint of the organizations subscribed to ``event_type``."""
    ids = []
    endpoints = WebhookEndpoint.objects.filter(organization_id__in=organization_ids, active=True).order_by("id")
    for ep in endpoints:
        if not ep.wants(event_type):
            continue
        d = WebhookDelivery(endpoint=ep, event_type=event_type, next_attempt_at=at, created_at=at)
        d.body = event_body(
            str(d.event_id),
            event_type,
            subject=subject,
            organization_id=ep.organization_id,
            actor_label=actor_label,
            data=data,
            at=at,
        )
        d.save()
        ids.append(d.pk)
    return ids


def enqueue(delivery_ids: list[int], run_after: datetime | None = None) -> None:
    from accord.messaging.tasks import deliver_webhook

    for pk in delivery_ids:
        try:
            task = deliver_webhook
            if run_after is not None:
                if not deliver_webhook.get_backend().supports_defer:
                    continue  # the periodic sweep attempts it when due
                task = deliver_webhook.using(run_after=run_after)
            task.enqueue(pk)
        except Exception:  # the sweep delivers it; a committed change must not fail because of the queue
            logger.exception("could not enqueue webhook delivery %s; the sweep will attempt it", pk)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer, not a success: the receiver must answer 2xx itself


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """POST once; return (status code or None, response excerpt, error)."""
    # Only http(s) URLs are stored (services._check_endpoint) and the opener has no file/ftp use here.
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(req, timeout=request_timeout()) as resp:
            return resp.status, resp.read(500).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, excerpt, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, "", f"{type(exc).__name__}: {reason}"[:500]


def _claim(delivery_id: int, now: datetime) -> bool:
    lease = now + timedelta(seconds=request_timeout() + 60)
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=lease)
    )


def attempt(delivery_id: int) -> WebhookAttempt | None:
    """Make the next attempt of one delivery if it is due; None when it is not (done, not yet due, or claimed)."""
    now = clock.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    number = delivery.attempts + 1
    body = delivery.body.encode()
    if endpoint.active:
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signing.HEADER: signing.sign(endpoint.secret, timestamp, body),
            "Accord-Event": delivery.event_type,
            "Accord-Event-Id": str(delivery.event_id),
            "Accord-Delivery": str(delivery.pk),
        }
        started = time.perf_counter()
        try:
            host, port = destinations.check_url(endpoint.url, allow_private=allow_private(), allow_http=allow_http())
            destinations.check_resolved(host, port, allow_private=allow_private())
        except destinations.DestinationRefused as exc:
            status_code, excerpt, error = None, "", f"destination refused: {exc}"
        else:
            status_code, excerpt, error = _post(endpoint.url, body, headers)
        latency_ms = round((time.perf_counter() - started) * 1000)
    else:
        status_code, excerpt, error, latency_ms = None, "", "endpoint disabled", 0
    succeeded = status_code is not None and 200 <= status_code < 300
    retry_at: datetime | None = None
    with transaction.atomic():
        log = WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=now,
            status_code=status_code,
            latency_ms=latency_ms,
            succeeded=succeeded,
            error=error,
            response_excerpt=excerpt,
        )
        delivery.attempts = number
        delivery.last_status_code = status_code
        if succeeded:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.next_attempt_at = None
            delivery.completed_at = now
        elif number >= max_attempts() or not endpoint.active:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.completed_at = now
        else:
            retry_at = now + timedelta(seconds=signing.backoff_seconds(number, backoff_base()))
            delivery.next_attempt_at = retry_at
        delivery.save(update_fields=["attempts", "last_status_code", "status", "next_attempt_at", "completed_at"])
        if retry_at is not None:
            at = retry_at
            transaction.on_commit(lambda: enqueue([delivery_id], run_after=at))
    return log


def retry_due(limit: int = 500) -> int:
    """Attempt every pending delivery whose time has come (the sweep behind the queue); return attempts made."""
    due = (
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in list(due) if attempt(pk) is not None)
