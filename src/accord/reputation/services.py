"""Commitment services: promise a date, fulfil it, mark the overdue ones missed, cancel.

All of them join the caller's transaction (a nested ``atomic``), so a contract service can promise and fulfil inside
its own state change. ``promise`` is idempotent by ``key``; ``fulfil`` and ``mark_missed`` are idempotent by state.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from accord.core import clock
from accord.core.errors import Conflict, ValidationFailed
from accord.reputation.models import Commitment

DAY = timedelta(days=1)


def days_late(due_at: datetime, at: datetime) -> int:
    """Whole days started after the due time: 1 second late is 1 day late; on time is 0."""
    if at <= due_at:
        return 0
    return math.ceil((at - due_at) / DAY)


def promise(*, owner_org_id: int, kind: str, subject: str, due_at: datetime, key: str) -> Commitment:
    """Record that ``owner_org_id`` promised ``kind`` of ``subject`` by ``due_at``.

    The same ``key`` returns the first commitment unchanged (a changed date needs a new key, e.g. with the terms
    version in it); the same key for a different owner, kind or subject is refused.
    """
    if due_at.tzinfo is None:
        raise ValidationFailed("due_at must be timezone-aware", fields={"due_at": "naive datetime"})
    if not key or not subject or not kind:
        raise ValidationFailed("key, kind and subject are required")
    existing = Commitment.objects.filter(key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                existing = Commitment.objects.create(
                    owner_org_id=owner_org_id, kind=kind, subject=subject, due_at=due_at, key=key
                )
                return existing
        except IntegrityError:
            existing = Commitment.objects.get(key=key)  # a concurrent promise with the same key won
    if (existing.owner_org_id, existing.kind, existing.subject) != (owner_org_id, kind, subject):
        raise Conflict(
            "this commitment key was already used for another promise",
            code="commitment_key_reused",
            fields={"key": key},
        )
    return existing


def fulfil(*, subject: str, kind: str, at: datetime | None = None) -> list[Commitment]:
    """Resolve the unresolved commitments of ``kind`` for ``subject``: met when on time, else missed with days late.

    Already resolved (or cancelled) commitments are left as they are, so calling twice changes nothing.
    """
    at = at or clock.now()
    resolved = []
    with transaction.atomic():
        rows = Commitment.objects.select_for_update().filter(
            subject=subject, kind=kind, resolved_at__isnull=True, status__in=[Commitment.Status.OPEN, "missed"]
        )
        for c in rows.order_by("id"):
            late = days_late(c.due_at, at)
            c.status = Commitment.Status.MET if late == 0 else Commitment.Status.MISSED
            if c.status == Commitment.Status.MISSED and c.missed_at is None:
                c.missed_at = c.due_at
            c.fulfilled_at = at
            c.resolved_at = at
            c.days_late = late
            c.save(update_fields=["status", "missed_at", "fulfilled_at", "resolved_at", "days_late"])
            resolved.append(c)
    return resolved


def cancel(*, subject: str, kind: str | None = None) -> int:
    """Cancel the unresolved commitments of ``subject`` (of one ``kind``, or all): nobody is held to them."""
    now = clock.now()
    with transaction.atomic():
        rows = Commitment.objects.filter(subject=subject, resolved_at__isnull=True)
        if kind is not None:
            rows = rows.filter(kind=kind)
        return rows.update(status=Commitment.Status.CANCELLED, resolved_at=now)


def _thread_subject(subject: str) -> str:
    """The collaboration thread a commitment belongs to: the longest existing thread subject that prefixes it
    (``contract:12:milestone:m1`` -> ``contract:12``), else the commitment's own subject."""
    from accord.messaging.models import Thread

    parts = subject.split(":")
    candidates = [":".join(parts[:n]) for n in range(len(parts), 1, -1)]
    found = set(Thread.objects.filter(subject__in=candidates).values_list("subject", flat=True))
    return next((c for c in candidates if c in found), subject)


def mark_missed(now: datetime | None = None) -> list[Commitment]:
    """Mark every open commitment whose due time has passed as missed (still unfulfilled); return them.

    Each newly missed commitment is announced to its owner (``commitment.missed``) in the same transaction.
    """
    from accord.messaging import events  # messaging depends on nothing here; imported late to keep apps loose

    now = now or clock.now()
    missed = []
    with transaction.atomic():
        rows = Commitment.objects.select_for_update().filter(status=Commitment.Status.OPEN, due_at__lt=now)
        for c in rows.order_by("id"):
            c.status = Commitment.Status.MISSED
            c.missed_at = now
            c.save(update_fields=["status", "missed_at"])
            missed.append(c)
            events.publish(
                "commitment.missed",
                subject=_thread_subject(c.subject),
                organization_ids=[c.owner_org_id],
                actor_label="accord",
                data={"kind": c.kind, "due_at": c.due_at.isoformat(), "commitment_id": c.pk, "subject": c.subject},
            )
    return missed


def on_time_rate(owner_org_id: int) -> float | None:
    """Share of resolved (met or missed) commitments that were met; None when there are none yet."""
    counted = Commitment.objects.filter(owner_org_id=owner_org_id, status__in=["met", "missed"])
    total = counted.count()
    if total == 0:
        return None
    return counted.filter(status=Commitment.Status.MET).count() / total


def on_time_rates(owner_org_ids: list[int]) -> dict[int, float]:
    """``on_time_rate`` for many organizations in one query (matching's reliability); those without resolved
    commitments are left out."""
    rows = (
        Commitment.objects.filter(owner_org_id__in=owner_org_ids, status__in=["met", "missed"])
        .values("owner_org_id")
        .annotate(total=Count("id"), met=Count("id", filter=Q(status=Commitment.Status.MET)))
    )
    return {r["owner_org_id"]: r["met"] / r["total"] for r in rows}
