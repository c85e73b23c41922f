from datetime import date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.contracts import pdf, services
from accord.contracts.models import Contract, ContractVersion, Milestone, Submission, TimeEntry, Timesheet
from accord.contracts.states import CONTRACT, MILESTONE
from accord.core.errors import NotFound
from accord.core.idempotency import HEADER, require_key
from accord.core.pagination import CursorPagination
from accord.core.schemas import ERRORS, responses

router = Router(tags=["contracts"])


def _ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


# -- schemas -------------------------------------------------------------------------------------------------------


class VersionOut(Schema):
    id: int
    number: int
    kind: str
    status: str
    terms: dict[str, Any]
    terms_sha256: str
    diff: list[dict[str, Any]] = Field(..., description="Field-by-field changes from the previous version")
    proposed_by: str
    proposed_by_label: str
    message: str
    created_at: datetime
    expires_at: datetime | None
    signed_at: datetime | None
    signatures: list[dict[str, Any]]

    @staticmethod
    def resolve_signatures(obj: ContractVersion) -> list[dict[str, Any]]:
        return [
            {"side": s.side, "typed_name": s.typed_name, "signed_at": s.signed_at.isoformat(), "sha256": s.terms_sha256}
            for s in obj.signatures.order_by("id")
        ]


class ContractOut(Schema):
    id: int
    campaign_id: int
    brand_id: int
    creator_id: int
    origin: str
    status: str
    title: str
    currency: str
    awaiting: str
    expires_at: datetime | None
    created_at: datetime
    signed_at: datetime | None
    ended_at: datetime | None
    end_reason: str
    current_version: int | None
    signed_version: int | None
    signed_sha256: str | None
    next_actions: list[str]

    @staticmethod
    def resolve_current_version(obj: Contract) -> int | None:
        return obj.current_version.number if obj.current_version else None

    @staticmethod
    def resolve_signed_version(obj: Contract) -> int | None:
        return obj.signed_version.number if obj.signed_version else None

    @staticmethod
    def resolve_signed_sha256(obj: Contract) -> str | None:
        return obj.signed_version.terms_sha256 if obj.signed_version else None

    @staticmethod
    def resolve_next_actions(obj: Contract) -> list[str]:
        return CONTRACT.actions_from(obj.status)


class ContractDetail(ContractOut):
    terms: dict[str, Any] | None
    diff: list[dict[str, Any]]

    @staticmethod
    def resolve_terms(obj: Contract) -> dict[str, Any] | None:
        return obj.current_version.terms if obj.current_version else None

    @staticmethod
    def resolve_diff(obj: Contract) -> list[dict[str, Any]]:
        return obj.current_version.diff if obj.current_version else []


class OfferIn(Schema):
    campaign_id: int
    creator_org_id: int
    terms: dict[str, Any] = Field(..., description="Contract terms (see accord.contracts.terms.Terms)")
    message: str = Field("", max_length=5000)
    expires_in_days: int | None = Field(14, ge=1, le=90)
    title: str = Field("", max_length=200)


class ApplicationIn(Schema):
    campaign_id: int
    terms: dict[str, Any]
    message: str = Field("", max_length=5000)
    expires_in_days: int | None = Field(14, ge=1, le=90)


class CounterIn(Schema):
    terms: dict[str, Any]
    message: str = Field("", max_length=5000)
    expires_in_days: int | None = Field(14, ge=1, le=90)


class AmendmentIn(Schema):
    terms: dict[str, Any]
    message: str = Field("", max_length=5000)


class SignIn(Schema):
    typed_name: str = Field(..., min_length=2, max_length=150)
    version: int = Field(..., ge=1, description="The version number being signed")
    terms_sha256: str | None = Field(None, min_length=64, max_length=64)


class SignatureOut(Schema):
    id: int
    side: str
    typed_name: str
    signed_at: datetime
    terms_sha256: str
    contract_status: str

    @staticmethod
    def resolve_contract_status(obj: Any) -> str:
        return str(obj.version.contract.status)


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


class ValuesCheckOut(Schema):
    ok: bool
    conflicts: list[dict[str, str]]


class SubmissionOut(Schema):
    id: int
    round: int
    post_url: str
    caption: str
    has_draft_file: bool
    draft_content_type: str
    draft_size: int
    disclosure_ok: bool
    disclosure_found: list[str]
    disclosure_accepted: list[str]
    disclosure_country: str
    submitted_by: str
    created_at: datetime
    decision: str
    review_comment: str
    reviewed_at: datetime | None

    @staticmethod
    def resolve_has_draft_file(obj: Submission) -> bool:
        return bool(obj.draft_file)


class MilestoneOut(Schema):
    id: int
    contract_id: int
    key: str
    title: str
    amount: int
    currency: str
    due_on: date
    deliverables: list[str]
    requires_submission: bool
    is_hourly_budget: bool
    status: str
    overdue: bool
    rounds_used: int
    released_amount: int
    funded_at: datetime | None
    submitted_at: datetime | None
    review_due_at: datetime | None
    approved_at: datetime | None
    auto_approved: bool
    released_at: datetime | None
    next_actions: list[str]
    late_payment_owed: int = Field(..., description="Late-payment interest or fee the brand owes on this milestone")

    @staticmethod
    def resolve_next_actions(obj: Milestone) -> list[str]:
        return MILESTONE.actions_from(obj.status)

    @staticmethod
    def resolve_late_payment_owed(obj: Milestone) -> int:
        return services.late_payment_for(obj)


class MilestoneDetail(MilestoneOut):
    submissions: list[SubmissionOut]

    @staticmethod
    def resolve_submissions(obj: Milestone) -> list[Submission]:
        return list(obj.submissions.order_by("round"))


class SubmitIn(Schema):
    post_url: str = Field("", max_length=500)
    caption: str = Field("", max_length=5000)


class ApproveIn(Schema):
    comment: str = Field("", max_length=5000)


class ChangesIn(Schema):
    comment: str = Field(..., min_length=1, max_length=5000)


class TimeEntryIn(Schema):
    work_date: date
    minutes: int = Field(..., ge=1, le=1440)
    note: str = Field("", max_length=500)
    deliverable: str = Field("", max_length=40)


class TimeEntryOut(Schema):
    id: int
    timesheet_id: int
    work_date: date
    minutes: int
    note: str
    deliverable: str
    created_by: str
    created_at: datetime


class TimesheetOut(Schema):
    id: int
    contract_id: int
    week_start: date
    status: str
    minutes: int
    submitted_at: datetime | None
    query_comment: str
    approved_at: datetime | None
    amount: int


class QueryIn(Schema):
    comment: str = Field(..., min_length=1, max_length=5000)


# -- contracts -----------------------------------------------------------------------------------------------------


@router.get("/contracts", response=responses(list[ContractOut]))
@paginate(CursorPagination)
def list_contracts(request: HttpRequest) -> Any:
    """Your contracts and open proposals, as the brand or as the creator."""
    return services.contracts_for(principal(request)).select_related("current_version", "signed_version")


@router.get("/contracts/inbox", response=responses(list[ContractOut]))
@paginate(CursorPagination)
def offer_inbox(request: HttpRequest) -> Any:
    """Offers, counter-offers, applications and amendments waiting for your answer."""
    return services.inbox(principal(request)).select_related("current_version", "signed_version")


@router.get("/contracts/values-check", response=responses(ValuesCheckOut))
def values_check(request: HttpRequest, campaign_id: int, creator_org_id: int | None = None) -> dict[str, Any]:
    """Would an offer or application between this campaign and creator be blocked by the creator's values?"""
    found = services.values_check(principal(request), campaign_id=campaign_id, creator_org_id=creator_org_id)
    return {"ok": not found, "conflicts": [{"category": c.category, "reason": c.reason} for c in found]}


@router.post("/contracts/offers", response=responses(ContractDetail, 201))
def send_offer(request: HttpRequest, payload: OfferIn) -> Status:
    """Brands: invite a creator to a campaign with an offer (the values check runs first)."""
    contract = services.send_offer(principal(request), **payload.dict())
    return Status(201, contract)


@router.post("/contracts/applications", response=responses(ContractDetail, 201))
def apply(request: HttpRequest, payload: ApplicationIn) -> Status:
    """Creators: apply to a campaign that is open for applications, proposing terms."""
    contract = services.apply(principal(request), **payload.dict())
    return Status(201, contract)


@router.get("/contracts/{contract_id}", response=responses(ContractDetail))
def get_contract(request: HttpRequest, contract_id: int) -> Contract:
    return services.get_contract(principal(request), contract_id)


@router.get("/contracts/{contract_id}/versions", response=responses(list[VersionOut]))
def list_versions(request: HttpRequest, contract_id: int) -> list[ContractVersion]:
    """Every round of the negotiation, each with its field-by-field diff and signatures."""
    contract = services.get_contract(principal(request), contract_id)
    return list(contract.versions.order_by("number").prefetch_related("signatures"))


@router.post("/contracts/{contract_id}/counter", response=responses(VersionOut, 201))
def counter(request: HttpRequest, contract_id: int, payload: CounterIn) -> Status:
    return Status(201, services.counter(principal(request), contract_id, **payload.dict()))


@router.post("/contracts/{contract_id}/sign", response=responses(SignatureOut, 201))
def sign(request: HttpRequest, contract_id: int, payload: SignIn) -> Status:
    """Sign the version on the table (a person with the admin role); the second signature makes it binding."""
    signature = services.sign(
        principal(request),
        contract_id,
        typed_name=payload.typed_name,
        version_number=payload.version,
        terms_sha256=payload.terms_sha256,
        ip=_ip(request),
    )
    return Status(201, signature)


@router.post("/contracts/{contract_id}/decline", response=responses(ContractDetail))
def decline(request: HttpRequest, contract_id: int, payload: ReasonIn) -> Contract:
    return services.decline(principal(request), contract_id, reason=payload.reason)


@router.post("/contracts/{contract_id}/withdraw", response=responses(ContractDetail))
def withdraw(request: HttpRequest, contract_id: int, payload: ReasonIn) -> Contract:
    return services.withdraw(principal(request), contract_id, reason=payload.reason)


@router.post("/contracts/{contract_id}/amendments", response=responses(VersionOut, 201))
def propose_amendment(request: HttpRequest, contract_id: int, payload: AmendmentIn) -> Status:
    """Propose new terms for a signed contract; they bind once both parties sign the new version."""
    return Status(201, services.propose_amendment(principal(request), contract_id, **payload.dict()))


@router.post("/contracts/{contract_id}/terminate", response=responses(ContractDetail))
def terminate(request: HttpRequest, contract_id: int, payload: ReasonIn) -> Contract:
    return services.terminate(principal(request), contract_id, reason=payload.reason)


@router.get("/contracts/{contract_id}/pdf", response={200: None, **ERRORS})
def contract_pdf(request: HttpRequest, contract_id: int) -> HttpResponse:
    """The contract (signed version, else the open proposal) as a PDF."""
    contract = services.get_contract(principal(request), contract_id)
    body = pdf.render(contract)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="contract-{contract.pk}.pdf"'
    return response


# -- milestones ----------------------------------------------------------------------------------------------------


@router.get("/contracts/{contract_id}/milestones", response=responses(list[MilestoneOut]))
def list_milestones(request: HttpRequest, contract_id: int) -> list[Milestone]:
    contract = services.get_contract(principal(request), contract_id)
    return list(contract.milestones.order_by("position", "id"))


@router.get("/milestones/{milestone_id}", response=responses(MilestoneDetail))
def get_milestone(request: HttpRequest, milestone_id: int) -> Milestone:
    return services.get_milestone(principal(request), milestone_id)


@router.post("/milestones/{milestone_id}/fund", response=responses(MilestoneOut))
def fund_milestone(request: HttpRequest, milestone_id: int) -> Milestone:
    """Brands: place the escrow hold for this milestone. Needs an Idempotency-Key header."""
    require_key(request)
    return services.fund_milestone(principal(request), milestone_id, key=request.headers[HEADER])


@router.post("/milestones/{milestone_id}/submissions", response=responses(SubmissionOut, 201))
def submit(request: HttpRequest, milestone_id: int, payload: SubmitIn) -> Status:
    """Creators: hand in the work (post URL and caption; draft files go through the web form)."""
    return Status(201, services.submit(principal(request), milestone_id, **payload.dict()))


@router.post("/milestones/{milestone_id}/submissions/upload", response=responses(SubmissionOut, 201))
def submit_with_file(
    request: HttpRequest,
    milestone_id: int,
    post_url: Form[str] = "",
    caption: Form[str] = "",
    draft_file: UploadedFile | None = File(None),  # noqa: B008 - ninja's way to mark an optional file
) -> Status:
    """Creators: hand in the work with a draft file, as multipart form data (images, MP4/MOV, PDF; 50 MB)."""
    submission = services.submit(
        principal(request), milestone_id, post_url=post_url, caption=caption, draft_file=draft_file
    )
    return Status(201, submission)


@router.get("/submissions/{submission_id}/draft", response={200: None, **ERRORS})
def download_draft(request: HttpRequest, submission_id: int) -> FileResponse:
    """The draft file of a submission, for either party of the contract."""
    submission = services.get_submission(principal(request), submission_id)
    if not submission.draft_file:
        raise NotFound("this submission has no draft file")
    return FileResponse(
        submission.draft_file.open("rb"),
        as_attachment=True,
        filename=submission.draft_file.name.rsplit("/", 1)[-1],
        content_type=submission.draft_content_type or "application/octet-stream",
    )


@router.post("/milestones/{milestone_id}/approve", response=responses(MilestoneOut))
def approve(request: HttpRequest, milestone_id: int, payload: ApproveIn) -> Milestone:
    """Brands: approve the work; the escrow hold is released to the creator. Needs an Idempotency-Key header."""
    require_key(request)
    return services.approve(principal(request), milestone_id, key=request.headers[HEADER], comment=payload.comment)


@router.post("/milestones/{milestone_id}/request-changes", response=responses(MilestoneOut))
def request_changes(request: HttpRequest, milestone_id: int, payload: ChangesIn) -> Milestone:
    return services.request_changes(principal(request), milestone_id, comment=payload.comment)


# -- time tracking -------------------------------------------------------------------------------------------------


@router.get("/contracts/{contract_id}/time-entries", response=responses(list[TimeEntryOut]))
@paginate(CursorPagination)
def list_time_entries(request: HttpRequest, contract_id: int) -> Any:
    contract = services.get_contract(principal(request), contract_id)
    return TimeEntry.objects.filter(contract=contract)


@router.post("/contracts/{contract_id}/time-entries", response=responses(TimeEntryOut, 201))
def log_time(request: HttpRequest, contract_id: int, payload: TimeEntryIn) -> Status:
    """Creators: log time on an hourly contract (it joins that week's timesheet)."""
    return Status(201, services.log_time(principal(request), contract_id, **payload.dict()))


@router.get("/contracts/{contract_id}/timesheets", response=responses(list[TimesheetOut]))
@paginate(CursorPagination)
def list_timesheets(request: HttpRequest, contract_id: int) -> Any:
    contract = services.get_contract(principal(request), contract_id)
    return Timesheet.objects.filter(contract=contract)


@router.post("/timesheets/{timesheet_id}/submit", response=responses(TimesheetOut))
def submit_timesheet(request: HttpRequest, timesheet_id: int) -> Timesheet:
    return services.submit_timesheet(principal(request), timesheet_id)


@router.post("/timesheets/{timesheet_id}/approve", response=responses(TimesheetOut))
def approve_timesheet(request: HttpRequest, timesheet_id: int) -> Timesheet:
    """Brands: approve the week; approved time × rate (capped) is released. Needs an Idempotency-Key header."""
    require_key(request)
    return services.approve_timesheet(principal(request), timesheet_id, key=request.headers[HEADER])


@router.post("/contracts/{contract_id}/finish-hourly", response=responses(MilestoneOut))
def finish_hourly(request: HttpRequest, contract_id: int) -> Milestone:
    """Brands: end hourly work; the unused budget returns to the campaign's escrow. Needs an Idempotency-Key."""
    require_key(request)
    return services.finish_hourly(principal(request), contract_id, key=request.headers[HEADER])


@router.post("/timesheets/{timesheet_id}/query", response=responses(TimesheetOut))
def query_timesheet(request: HttpRequest, timesheet_id: int, payload: QueryIn) -> Timesheet:
    return services.query_timesheet(principal(request), timesheet_id, comment=payload.comment)
