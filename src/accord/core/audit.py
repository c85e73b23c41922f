"""Append-only, hash-chained audit log. ``verify`` walks the chain and names the first record that does not fit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accord.core import clock
from accord.core.models import AuditChainHead, AuditRecord

GENESIS = "0" * 64


def _digest(
    seq: int,
    at: str,
    actor_id: int | None,
    actor_label: str,
    organization_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    data: Any,
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        [seq, at, actor_id, actor_label, organization_id, action, target_type, target_id, data, prev_hash],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_hash(rec: AuditRecord) -> str:
    return _digest(
        rec.seq,
        rec.at.isoformat(),
        rec.actor_id,
        rec.actor_label,
        rec.organization_id,
        rec.action,
        rec.target_type,
        rec.target_id,
        rec.data,
        rec.prev_hash,
    )


def append(
    action: str,
    *,
    actor_id: int | None = None,
    actor_label: str = "",
    organization_id: int | None = None,
    target_type: str = "",
    target_id: str | int = "",
    data: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record. Joins the caller's transaction, so a rolled-back change leaves no audit trace."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        # Round-trip data through JSON so the hash is computed over exactly what the database will return.
        payload = json.loads(json.dumps(data or {}, default=str))
        rec = AuditRecord(
            seq=head.seq + 1,
            at=clock.now(),
            actor_id=actor_id,
            actor_label=actor_label,
            organization_id=organization_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            data=payload,
            prev_hash=head.hash,
        )
        rec.hash = record_hash(rec)
        rec.save()
        AuditChainHead.objects.filter(pk=1).update(seq=rec.seq, hash=rec.hash)
        return rec


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    record_id: int
    reason: str


def verify(batch: int = 2000) -> Iterator[AuditProblem | int]:
    """Yield the count of records checked as it goes, and an ``AuditProblem`` at the first broken link."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = list(AuditRecord.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not rows:
            break
        for rec in rows:
            if rec.seq != expected_seq:
                yield AuditProblem(expected_seq, rec.pk, f"record #{expected_seq} is missing (next is #{rec.seq})")
                return
            if rec.prev_hash != expected_prev:
                yield AuditProblem(rec.seq, rec.pk, "prev_hash does not match the previous record's hash")
                return
            if record_hash(rec) != rec.hash:
                yield AuditProblem(rec.seq, rec.pk, "content does not match its hash (the row was altered)")
                return
            expected_prev, expected_seq = rec.hash, rec.seq + 1
            checked += 1
        last_seq = rows[-1].seq
        yield checked
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.seq != expected_seq - 1:
        yield AuditProblem(head.seq, 0, f"chain ends at #{expected_seq - 1} but the head says #{head.seq}")
