"""HTTP idempotency for unsafe API requests that send ``Idempotency-Key``.

The key is claimed by inserting a row in its own committed transaction before the view runs, so a concurrent
request with the same key fails on the unique constraint and waits for the winner's stored response instead of
executing twice. A replay of a finished request returns the stored response; the same key with a different request
is refused with 409. Responses of 5xx (and crashes) release the key so the client may retry.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from accord.core import clock
from accord.core.errors import DomainError, error_response
from accord.core.models import IdempotencyRecord

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HEADER = "Idempotency-Key"
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
# A claim older than this whose request never finished belongs to a dead process and may be taken over.
STALE_CLAIM = timedelta(minutes=5)

ScopeResolver = Callable[[HttpRequest], "str | None"]


def request_fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.response_status or 200,
        content_type=record.response_content_type,
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _mismatch() -> HttpResponse:
    return error_response(
        "idempotency_key_reused", "this Idempotency-Key was already used with a different request", 409
    )


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._resolver: ScopeResolver | None = None

    def resolver(self) -> ScopeResolver:
        if self._resolver is None:
            self._resolver = import_string(
                getattr(settings, "ACCORD_IDEMPOTENCY_SCOPE_RESOLVER", "accord.accounts.auth.idempotency_scope")
            )
        return self._resolver

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in UNSAFE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not _KEY_RE.match(key):
            return error_response(
                "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters", 400
            )
        scope = self.resolver()(request)
        if scope is None:  # unauthenticated: let the API answer 401 without storing anything
            return self.get_response(request)
        fingerprint = request_fingerprint(request)
        outcome = self._claim_or_wait(scope, key, fingerprint, request)
        if isinstance(outcome, HttpResponse):
            return outcome
        return self._execute(outcome, request)

    def _claim_or_wait(
        self, scope: str, key: str, fingerprint: str, request: HttpRequest
    ) -> IdempotencyRecord | HttpResponse:
        deadline = time.monotonic() + settings.ACCORD_IDEMPOTENCY_WAIT_SECONDS
        while True:
            try:
                with transaction.atomic():
                    return IdempotencyRecord.objects.create(
                        scope=scope,
                        key=key,
                        request_hash=fingerprint,
                        method=request.method or "",
                        path=request.path[:2048],
                        created_at=clock.now(),
                    )
            except IntegrityError:
                pass
            existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if existing is None:
                continue  # the winner failed and released the key between our insert and read: claim again
            if existing.request_hash != fingerprint:
                return _mismatch()
            if existing.state == IdempotencyRecord.State.COMPLETED:
                return _replay(existing)
            if existing.created_at < clock.now() - STALE_CLAIM:
                taken = IdempotencyRecord.objects.filter(
                    pk=existing.pk,
                    state=IdempotencyRecord.State.IN_PROGRESS,
                    created_at=existing.created_at,
                ).update(created_at=clock.now())
                if taken:
                    existing.refresh_from_db()
                    return existing
            if time.monotonic() > deadline:
                return error_response(
                    "idempotency_request_in_progress",
                    "a request with this Idempotency-Key is still being processed",
                    409,
                )
            time.sleep(0.05)

    def _execute(self, record: IdempotencyRecord, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or getattr(response, "streaming", False):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            state=IdempotencyRecord.State.COMPLETED,
            response_status=response.status_code,
            response_body=response.content,
            response_content_type=response.get("Content-Type", "application/json")[:128],
            completed_at=clock.now(),
        )
        return response


def require_key(request: HttpRequest) -> None:
    """Money-moving endpoints call this: without a key a retried request could move money twice."""
    if not request.headers.get(HEADER):
        raise DomainError(
            "this request moves money and needs an Idempotency-Key header",
            code="idempotency_key_required",
            status=400,
        )


def claim_once(scope: str, key: str, path: str) -> int | None:
    """Claim ``key`` for a server-rendered form (no response to replay); None when it was claimed before.

    Web forms carry a nonce drawn with the page; claiming it in the same table as API keys makes a double submit,
    from any process, a no-op. ``release`` gives the key back when the action was refused or did not finish.
    """
    now = clock.now()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                scope=scope[:64],
                key=key[:255],
                request_hash=hashlib.sha256(key.encode()).hexdigest(),
                method="POST",
                path=path[:2048],
                state=IdempotencyRecord.State.COMPLETED,
                response_status=303,
                response_content_type="text/html",
                created_at=now,
                completed_at=now,
            ).pk
    except IntegrityError:
        return None


def release(claim_id: int) -> None:
    IdempotencyRecord.objects.filter(pk=claim_id).delete()
