"""The operator console's reads: disputes by deadline, payout runs with their SEPA files, open fraud flags, the audit
log (paged, filtered, chain verified) and the ledger's status. Operators see across tenants; nobody else gets here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, Sum

from accord.core import audit
from accord.core.models import AuditRecord
from accord.disputes.models import Dispute
from accord.ledger import verify as ledger_verify
from accord.ledger.models import Account
from accord.payouts import services as payouts
from accord.payouts.models import PayoutFile, PayoutRun
from accord.tracking.models import FraudFlag

AUDIT_PAGE = 50


@dataclass(frozen=True)
class QueuedDispute:
    dispute: Dispute
    deadline: datetime | None


def disputes_queue(limit: int = 100) -> list[QueuedDispute]:
    """Undecided disputes, the nearest deadline first (a dispute without one last)."""
    open_ = (
        Dispute.objects.filter(status__in=[Dispute.Status.OPEN, Dispute.Status.IN_MEDIATION])
        .select_related("brand", "creator", "campaign", "mediator")
        .order_by("decide_by", "id")[:limit]
    )
    rows = [QueuedDispute(d, d.next_deadline) for d in open_]
    rows.sort(key=lambda r: (r.deadline is None, r.deadline or datetime.max.replace(tzinfo=UTC), r.dispute.pk))
    return rows


@dataclass(frozen=True)
class RunRow:
    run: PayoutRun
    files: list[PayoutFile]


def payout_runs(limit: int = 10) -> list[RunRow]:
    runs = PayoutRun.objects.order_by("-run_date", "-id")[:limit]
    return [RunRow(run, list(payouts.files_of_run(run.pk))) for run in runs]


def open_flags(limit: int = 100) -> QuerySet[FraudFlag]:
    return (
        FraudFlag.objects.filter(excluded=True)
        .select_related("campaign", "creator")
        .order_by("-created_at", "-id")[:limit]
    )


def audit_page(actor: str = "", action: str = "", page: Any = 1) -> Page[AuditRecord]:
    """Newest first; ``actor`` matches part of the actor's label, ``action`` an action or its app prefix."""
    qs = AuditRecord.objects.order_by("-seq")
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    return Paginator(qs, AUDIT_PAGE).get_page(page)


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    checked: int
    problem: audit.AuditProblem | None


def audit_chain() -> ChainStatus:
    checked, problem = 0, None
    for item in audit.verify():
        if isinstance(item, audit.AuditProblem):
            problem = item
        else:
            checked = item
    return ChainStatus(problem is None, checked, problem)


@dataclass(frozen=True)
class LedgerStatus:
    totals: dict[str, int]
    trial_balance: list[dict[str, Any]]  # per currency: the sum of all balances (zero when the books balance)
    balanced: bool
    problems: list[ledger_verify.Problem]


def ledger_status() -> LedgerStatus:
    sums = Account.objects.values_list("currency").annotate(total=Sum("balance")).order_by("currency")
    trial = [{"currency": c, "total": int(t or 0)} for c, t in sums]
    problems = ledger_verify.verify()
    return LedgerStatus(ledger_verify.totals(), trial, all(r["total"] == 0 for r in trial), problems)
