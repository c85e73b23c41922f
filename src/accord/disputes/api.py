"""Disputes API: parties open, respond, add evidence, answer proposals and withdraw; operators (mediators) propose,
decide, keep private notes and read statistics. Both parties and the mediator read the history; notes are only shown
to operators. Money-moving POSTs (answer, decide) require an ``Idempotency-Key`` header."""

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.core.idempotency import require_key
from accord.core.pagination import CursorPagination
from accord.core.schemas import ERRORS, responses
from accord.disputes import services, states
from accord.disputes.models import Dispute, DisputeEvent, Evidence, Proposal

router = Router(tags=["disputes"])
PREFIX = ""

Reason = Literal[states.REASONS]  # type: ignore[valid-type]
Outcome = Literal[states.OUTCOMES]  # type: ignore[valid-type]
DOWNLOAD = {200: None, **ERRORS}


class OpenIn(Schema):
    target_type: Literal["milestone", "accrual", "contract", "payout"]
    target_id: int = Field(..., ge=1)
    reason: Reason
    statement: str = Field(..., min_length=1, max_length=10_000)
    contract_id: int | None = Field(None, ge=1, description="For a payout: the contract whose money it pays")


class StatementIn(Schema):
    statement: str = Field(..., min_length=1, max_length=10_000)


class EvidenceIn(Schema):
    title: str = Field("", max_length=200)
    text: str = Field(..., min_length=1, max_length=10_000)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=2_000)


class OutcomeIn(Schema):
    outcome: Outcome
    creator_amount: int | None = Field(None, ge=1, description="For a split: gross minor units to the creator")
    extend_to: date | None = Field(None, description="For extend: the new due date")
    note: str = Field("", max_length=5_000)


class AnswerIn(Schema):
    accept: bool


class NoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=10_000)


class ProposalOut(Schema):
    number: int
    outcome: str
    creator_amount: int | None
    extend_to: date | None
    note: str
    proposed_by: str
    status: str
    brand_answer: str
    creator_answer: str
    created_at: datetime
    answer_due_at: datetime


class DisputeOut(Schema):
    id: int
    contract_id: int | None
    campaign_id: int
    brand_id: int
    creator_id: int
    target_type: str
    target_id: str
    opened_by_side: str
    reason: str
    statement: str
    status: str
    currency: str
    frozen_amount: int
    mediator: str | None
    opened_at: datetime
    response_due_at: datetime
    proposal_due_at: datetime | None
    decide_by: datetime
    next_deadline: datetime | None
    outcome: str
    outcome_creator_amount: int | None
    resolution: str
    resolved_at: datetime | None

    @staticmethod
    def resolve_mediator(obj: Dispute) -> str | None:
        return obj.mediator.email if obj.mediator else None


class DisputeDetail(DisputeOut):
    proposals: list[ProposalOut]

    @staticmethod
    def resolve_proposals(obj: Dispute) -> list[Proposal]:
        return list(obj.proposals.order_by("number"))


class EventOut(Schema):
    id: int
    kind: str
    side: str
    actor_label: str
    data: dict[str, Any]
    private: bool
    at: datetime


class EvidenceOut(Schema):
    id: int
    kind: str
    side: str
    author_label: str
    title: str
    text: str
    data: dict[str, Any]
    file_url: str | None
    created_at: datetime

    @staticmethod
    def resolve_file_url(obj: Evidence) -> str | None:
        # Never the MEDIA_URL: files are only served through the scoped download route.
        return f"/api/v1/disputes/{obj.dispute_id}/evidence/{obj.pk}/file" if obj.file else None


class DisputeFilter(Schema):
    status: Literal["open", "in_mediation", "resolved", "withdrawn"] | None = None


class StatsOut(Schema):
    open: int
    resolved: int
    withdrawn: int
    median_hours_to_resolve: float | None
    mean_hours_to_resolve: float | None
    outcomes_by_reason: dict[str, dict[str, int]]


@router.get("/disputes", response=responses(list[DisputeOut]))
@paginate(CursorPagination)
def list_disputes(request: HttpRequest, filters: Query[DisputeFilter]) -> QuerySet[Dispute]:
    """Disputes of the caller's organization (either side); operators see all."""
    p = principal(request)
    p.require("viewer")
    qs = services.visible_to(p)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


@router.post("/disputes", response=responses(DisputeDetail, 201))
def open_dispute(request: HttpRequest, payload: OpenIn) -> Status:
    """Open a dispute on a milestone, an accrual, a payout (naming the contract whose money it pays) or a whole
    contract: its money is frozen until it is resolved."""
    p = principal(request)
    dispute = services.open_dispute(
        p,
        target_type=payload.target_type,
        target_id=payload.target_id,
        reason=payload.reason,
        statement=payload.statement,
        contract_id=payload.contract_id,
    )
    return Status(201, dispute)


@router.get("/disputes/stats", response=responses(StatsOut))
def dispute_stats(request: HttpRequest) -> dict[str, Any]:
    """Operators: time to resolve and outcomes by reason."""
    return services.statistics(principal(request))


@router.get("/disputes/{dispute_id}", response=responses(DisputeDetail))
def get_dispute(request: HttpRequest, dispute_id: int) -> Dispute:
    return services.get_dispute(principal(request), dispute_id)


@router.get("/disputes/{dispute_id}/history", response=responses(list[EventOut]))
@paginate(CursorPagination)
def dispute_history(request: HttpRequest, dispute_id: int) -> QuerySet[DisputeEvent]:
    """The append-only history; mediator notes appear for operators only."""
    return services.history(principal(request), dispute_id)


@router.get("/disputes/{dispute_id}/evidence", response=responses(list[EvidenceOut]))
@paginate(CursorPagination)
def dispute_evidence(request: HttpRequest, dispute_id: int) -> QuerySet[Evidence]:
    return services.get_dispute(principal(request), dispute_id).evidence.order_by("id")


@router.post("/disputes/{dispute_id}/evidence", response=responses(EvidenceOut, 201))
def add_evidence(request: HttpRequest, dispute_id: int, payload: EvidenceIn) -> Status:
    ev = services.add_evidence(principal(request), dispute_id, text=payload.text, title=payload.title)
    return Status(201, ev)


@router.post("/disputes/{dispute_id}/evidence/files", response=responses(EvidenceOut, 201))
def add_evidence_file(
    request: HttpRequest,
    dispute_id: int,
    file: UploadedFile = File(...),  # noqa: B008 - ninja's way to mark a required file
    title: Form[str] = "",
    text: Form[str] = "",
) -> Status:
    """A file as evidence (multipart form data: ``file``, optional ``title`` and ``text``): JPEG, PNG, WebP, MP4,
    PDF, text or CSV up to 25 MB, checked against its content. Stored privately; parties and operators download it."""
    ev = services.add_evidence(principal(request), dispute_id, text=text[:10_000], title=title[:200], upload=file)
    return Status(201, ev)


@router.get("/disputes/{dispute_id}/evidence/{evidence_id}/file", response=DOWNLOAD)
def download_evidence_file(request: HttpRequest, dispute_id: int, evidence_id: int) -> FileResponse:
    """The file of one piece of evidence, for the dispute's parties and operators."""
    ev = services.evidence_file(principal(request), dispute_id, evidence_id)
    return FileResponse(ev.file.open("rb"), as_attachment=True, filename=ev.file.name.rsplit("/", 1)[-1])


@router.post("/disputes/{dispute_id}/respond", response=responses(DisputeDetail))
def respond(request: HttpRequest, dispute_id: int, payload: StatementIn) -> Dispute:
    """The other side answers; the dispute goes to a mediator."""
    return services.respond(principal(request), dispute_id, statement=payload.statement)


@router.post("/disputes/{dispute_id}/withdraw", response=responses(DisputeDetail))
def withdraw(request: HttpRequest, dispute_id: int, payload: WithdrawIn) -> Dispute:
    return services.withdraw(principal(request), dispute_id, reason=payload.reason)


@router.post("/disputes/{dispute_id}/proposals", response=responses(ProposalOut, 201))
def propose(request: HttpRequest, dispute_id: int, payload: OutcomeIn) -> Status:
    """Operators: propose an outcome; both parties have 2 days to accept or reject it."""
    proposal = services.propose(
        principal(request),
        dispute_id,
        outcome=payload.outcome,
        creator_amount=payload.creator_amount,
        extend_to=payload.extend_to,
        note=payload.note,
    )
    return Status(201, proposal)


@router.post("/disputes/{dispute_id}/proposals/{proposal_number}/answer", response=responses(ProposalOut))
def answer(request: HttpRequest, dispute_id: int, proposal_number: int, payload: AnswerIn) -> Proposal:
    """Accept or reject a proposal; when both accept, its outcome is applied (money moves)."""
    p = principal(request)
    require_key(request)
    return services.answer(p, dispute_id, proposal_number=proposal_number, accept=payload.accept)


@router.post("/disputes/{dispute_id}/decide", response=responses(DisputeDetail))
def decide(request: HttpRequest, dispute_id: int, payload: OutcomeIn) -> Dispute:
    """Operators: the final decision when the parties did not agree; the outcome is applied through the ledger."""
    p = principal(request)
    require_key(request)
    return services.decide(
        p,
        dispute_id,
        outcome=payload.outcome,
        creator_amount=payload.creator_amount,
        extend_to=payload.extend_to,
        note=payload.note,
    )


@router.post("/disputes/{dispute_id}/notes", response=responses(EventOut, 201))
def add_note(request: HttpRequest, dispute_id: int, payload: NoteIn) -> Status:
    """Operators: a private mediator note."""
    return Status(201, services.add_note(principal(request), dispute_id, text=payload.text))
