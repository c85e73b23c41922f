"""Payouts API. Creators: payout methods, schedule, expected next payout, history, statements. Operators: runs,
SEPA files, marking payouts paid or failed (money-moving POSTs need an Idempotency-Key)."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.core.errors import NotFound, PermissionDenied, ValidationFailed
from accord.core.idempotency import require_key
from accord.core.money import validate_currency
from accord.core.pagination import CursorPagination
from accord.core.schemas import ERRORS, responses
from accord.core.tenancy import get_scoped
from accord.payouts import services, statements
from accord.payouts.models import DebtorAccount, Payout, PayoutFile, PayoutMethod, PayoutRun, PayoutSchedule

router = Router(tags=["payouts"])
PREFIX = ""

CURRENCY = r"^[A-Z]{3}$"
MIN_DAY, MAX_DAY = date(2000, 1, 1), date(2100, 12, 31)
DOWNLOAD = {200: None, **ERRORS}


def _creator(request: HttpRequest, minimum: str = Role.VIEWER) -> Principal:
    p = principal(request)
    p.require_kind(Organization.Kind.CREATOR)
    p.require(minimum)
    return p


def _operator(request: HttpRequest, minimum: str = Role.VIEWER) -> Principal:
    p = principal(request)
    if not p.is_operator:
        raise PermissionDenied("operators only", code="operator_only")
    p.require(minimum)
    return p


def _currency(code: str) -> str:
    try:
        return validate_currency(code)
    except ValueError:
        raise ValidationFailed(f"unsupported currency {code}", fields={"currency": "unsupported"}) from None


def _day(value: date | None, field: str) -> date | None:
    if value is not None and not MIN_DAY <= value <= MAX_DAY:
        raise ValidationFailed("date out of range", fields={field: f"between {MIN_DAY} and {MAX_DAY}"})
    return value


# -- schemas -------------------------------------------------------------------------------------------------------


class MethodIn(Schema):
    kind: Literal["sepa", "stripe"]
    account_holder: str = Field("", max_length=140)
    iban: str = Field("", max_length=50, description="Validated (checksum, national format); stored masked for display")
    bic: str = Field("", max_length=20, description="Derived from the IBAN when omitted")
    stripe_account_id: str = Field("", max_length=255)
    label: str = Field("", max_length=100)
    is_default: bool = False


class MethodPatch(Schema):
    label: str | None = Field(None, max_length=100)
    is_default: bool | None = None


class MethodOut(Schema):
    id: int
    kind: str
    label: str
    account_holder: str
    iban_masked: str
    bic: str
    bank_name: str
    stripe_account_id: str
    is_default: bool
    created_at: datetime


class ScheduleIn(Schema):
    frequency: PayoutSchedule.Frequency
    weekday: int = Field(0, ge=0, le=6, description="0 = Monday (weekly, bi-weekly)")
    day_of_month: int = Field(1, ge=1, le=31, description="Clamped to the month's last day (monthly)")
    biweekly_parity: int = Field(0, ge=0, le=1)
    thresholds: dict[str, int] = Field(default_factory=dict, description="Minimum payout per currency, minor units")


class ScheduleOut(Schema):
    frequency: str
    weekday: int
    day_of_month: int
    biweekly_parity: int
    thresholds: dict[str, int]
    effective_from: date
    last_served_slot: date | None
    on_demand_requested_at: datetime | None


class ExpectedOut(Schema):
    currency: str
    available: int
    threshold: int
    slot_date: date | None
    promised_date: date | None
    amount: int = Field(..., description="Expected amount of the next payout as things stand (0 if none)")
    reason: str = Field(..., description="Why no payout is expected: below_threshold, no_payout_method, …")


class ExpectedPayoutsOut(Schema):
    schedule: ScheduleOut
    currencies: list[ExpectedOut]


class PayoutOut(Schema):
    id: int
    run_id: int
    organization_id: int
    state: str
    amount: int
    currency: str
    provider: str
    method: str
    slot_date: date
    promised_date: date
    days_late: int
    is_late: bool
    created_at: datetime
    paid_at: datetime | None
    failed_at: datetime | None
    failure_reason: str
    provider_reference: str
    file_id: int | None

    @staticmethod
    def resolve_method(obj: Payout) -> str:
        return obj.method.display

    @staticmethod
    def resolve_days_late(obj: Payout) -> int:
        return obj.lateness()

    @staticmethod
    def resolve_is_late(obj: Payout) -> bool:
        return obj.lateness() > 0


class FileOut(Schema):
    id: int
    filename: str
    currency: str
    debtor_id: int
    payment_count: int
    control_sum: int
    sha256: str
    message_id: str
    created_at: datetime


class RunOut(Schema):
    id: int
    currency: str
    run_date: date
    state: str
    payout_count: int
    total_amount: int
    started_by: str
    created_at: datetime
    finished_at: datetime | None
    files: list[FileOut]

    @staticmethod
    def resolve_files(obj: PayoutRun) -> list[PayoutFile]:
        return list(services.files_of_run(obj.pk))


class RunIn(Schema):
    currency: str = Field(..., pattern=CURRENCY)
    run_date: date | None = None


class StatementQuery(Schema):
    currency: str = Field(..., pattern=CURRENCY)
    start: date
    end: date = Field(..., description="Inclusive")
    format: Literal["csv", "pdf"] = "csv"


class PaidIn(Schema):
    reference: str = Field("", max_length=255)


class FailedIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class FilePaidOut(Schema):
    file_id: int
    paid: int


class DebtorIn(Schema):
    name: str = Field(..., min_length=1, max_length=70)
    iban: str = Field(..., max_length=50)
    bic: str = Field("", max_length=20)
    currency: str = Field(..., pattern=CURRENCY)


class DebtorOut(Schema):
    id: int
    name: str
    iban_masked: str
    bic: str
    currency: str
    active: bool
    created_at: datetime


# -- creator: methods ----------------------------------------------------------------------------------------------


@router.get("/payouts/methods", response=responses(list[MethodOut]), summary="My payout methods (IBAN masked)")
@paginate(CursorPagination)
def list_methods(request: HttpRequest) -> object:
    return services.methods_of(_creator(request).org_id)


@router.post("/payouts/methods", response=responses(MethodOut, 201), summary="Add a SEPA or Stripe payout method")
def add_method(request: HttpRequest, payload: MethodIn) -> Status:
    p = _creator(request, Role.ADMIN)
    method = services.add_method(
        p,
        kind=payload.kind,
        account_holder=payload.account_holder,
        iban=payload.iban,
        bic=payload.bic,
        stripe_account_id=payload.stripe_account_id,
        label=payload.label,
        make_default=payload.is_default,
    )
    return Status(201, method)


@router.get("/payouts/methods/{method_id}", response=responses(MethodOut))
def get_method(request: HttpRequest, method_id: int) -> PayoutMethod:
    p = _creator(request)
    return get_scoped(services.methods_of(p.org_id), p.org_id, pk=method_id)


@router.patch("/payouts/methods/{method_id}", response=responses(MethodOut), summary="Rename or make default")
def update_method(request: HttpRequest, method_id: int, payload: MethodPatch) -> PayoutMethod:
    p = _creator(request, Role.ADMIN)
    return services.update_method(p, method_id, label=payload.label, make_default=payload.is_default)


@router.delete("/payouts/methods/{method_id}", response={204: None, **ERRORS}, summary="Remove a payout method")
def remove_method(request: HttpRequest, method_id: int) -> Status:
    services.remove_method(_creator(request, Role.ADMIN), method_id)
    return Status(204, None)


# -- creator: schedule, expectations, history, statements -----------------------------------------------------------


@router.get("/payouts/schedule", response=responses(ScheduleOut), summary="My payout schedule")
def get_schedule(request: HttpRequest) -> PayoutSchedule:
    return services.schedule_for(_creator(request).org_id)


@router.put("/payouts/schedule", response=responses(ScheduleOut), summary="Set my payout schedule and thresholds")
def set_schedule(request: HttpRequest, payload: ScheduleIn) -> PayoutSchedule:
    return services.set_schedule(
        _creator(request, Role.ADMIN),
        frequency=payload.frequency,
        weekday=payload.weekday,
        day_of_month=payload.day_of_month,
        biweekly_parity=payload.biweekly_parity,
        thresholds=payload.thresholds,
    )


@router.post("/payouts/request", response=responses(ScheduleOut), summary="Ask to be paid in the next run (on demand)")
def request_payout(request: HttpRequest) -> PayoutSchedule:
    return services.request_payout(_creator(request, Role.ADMIN))


@router.get("/payouts/expected", response=responses(ExpectedPayoutsOut), summary="My next payout: date and amount")
def expected(request: HttpRequest) -> dict[str, Any]:
    p = _creator(request)
    return {"schedule": services.schedule_for(p.org_id), "currencies": services.expected_payouts(p.org_id)}


@router.get(
    "/payouts/statements",
    response=DOWNLOAD,
    summary="My statement for a period: every ledger line with its source (CSV or PDF)",
    openapi_extra={"responses": {200: {"description": "text/csv or application/pdf"}}},
)
def download_statement(request: HttpRequest, q: Query[StatementQuery]) -> HttpResponse:
    p = _creator(request)
    currency, start, end = _currency(q.currency), q.start, q.end
    _day(start, "start")
    _day(end, "end")
    st = statements.statement(p.org_id, currency, start, end)
    name = f"statement-{p.org_id}-{currency}-{start.isoformat()}-{end.isoformat()}"
    if q.format == "pdf":
        response = HttpResponse(statements.to_pdf(st), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    else:
        response = HttpResponse(statements.to_csv(st), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@router.get("/payouts", response=responses(list[PayoutOut]), summary="My payouts, with promised dates and lateness")
@paginate(CursorPagination)
def list_payouts(request: HttpRequest, state: Payout.State | None = None) -> object:
    qs = services.payouts_of(_creator(request).org_id)
    return qs.filter(state=state) if state else qs


@router.get("/payouts/{payout_id}", response=responses(PayoutOut))
def get_payout(request: HttpRequest, payout_id: int) -> Payout:
    p = _creator(request)
    return get_scoped(services.payouts_of(p.org_id), p.org_id, pk=payout_id)


# -- operator ------------------------------------------------------------------------------------------------------


@router.get("/operator/payouts/runs", response=responses(list[RunOut]), tags=["operator"], summary="Payout runs")
@paginate(CursorPagination)
def list_runs(request: HttpRequest) -> object:
    _operator(request)
    return PayoutRun.objects.all()


@router.post(
    "/operator/payouts/runs",
    response=responses(RunOut),
    tags=["operator"],
    summary="Run (or resume) the payout run of a currency for a day (Idempotency-Key required)",
)
def start_run(request: HttpRequest, payload: RunIn) -> PayoutRun:
    p = _operator(request, Role.MEMBER)
    require_key(request)
    return services.operator_run(p, _currency(payload.currency), _day(payload.run_date, "run_date"))


@router.get("/operator/payouts/runs/{run_id}", response=responses(RunOut), tags=["operator"])
def get_run(request: HttpRequest, run_id: int) -> PayoutRun:
    _operator(request)
    run = PayoutRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound("payout run not found")
    return run


@router.get(
    "/operator/payouts/files/{file_id}",
    response=DOWNLOAD,
    tags=["operator"],
    summary="Download a SEPA pain.001.001.03 file",
    openapi_extra={"responses": {200: {"description": "application/xml"}}},
)
def download_file(request: HttpRequest, file_id: int) -> HttpResponse:
    p = _operator(request)
    f = PayoutFile.objects.filter(pk=file_id).first()
    if f is None:
        raise NotFound("payout file not found")
    p.audit("payouts.file_downloaded", "payout_file", f.pk)
    response = HttpResponse(bytes(f.content), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{f.filename}"'
    return response


@router.post(
    "/operator/payouts/files/{file_id}/paid",
    response=responses(FilePaidOut),
    tags=["operator"],
    summary="The bank executed a SEPA file: mark its payouts paid (Idempotency-Key required)",
)
def file_paid(request: HttpRequest, file_id: int) -> dict[str, int]:
    p = _operator(request, Role.MEMBER)
    require_key(request)
    if not PayoutFile.objects.filter(pk=file_id).exists():
        raise NotFound("payout file not found")
    return {"file_id": file_id, "paid": services.mark_file_paid(p.label, file_id)}


@router.get("/operator/payouts/debtor-accounts", response=responses(list[DebtorOut]), tags=["operator"])
@paginate(CursorPagination)
def list_debtors(request: HttpRequest) -> object:
    _operator(request)
    return DebtorAccount.objects.all()


@router.post(
    "/operator/payouts/debtor-accounts",
    response=responses(DebtorOut, 201),
    tags=["operator"],
    summary="Set the platform bank account SEPA files debit for a currency",
)
def add_debtor(request: HttpRequest, payload: DebtorIn) -> Status:
    p = _operator(request, Role.ADMIN)
    debtor = services.add_debtor(
        name=payload.name, iban=payload.iban, bic=payload.bic, currency=_currency(payload.currency), actor_label=p.label
    )
    return Status(201, debtor)


@router.get(
    "/operator/payouts", response=responses(list[PayoutOut]), tags=["operator"], summary="All payouts (filterable)"
)
@paginate(CursorPagination)
def operator_payouts(
    request: HttpRequest, run_id: int | None = None, state: Payout.State | None = None, late: bool = False
) -> object:
    _operator(request)
    qs = services.late_payouts() if late else Payout.objects.all()
    qs = qs.select_related("method")
    if run_id is not None:
        qs = qs.filter(run_id=run_id)
    if state:
        qs = qs.filter(state=state)
    return qs


@router.post(
    "/operator/payouts/{payout_id}/paid",
    response=responses(PayoutOut),
    tags=["operator"],
    summary="Mark a payout paid (in transit → world; Idempotency-Key required)",
)
def payout_paid(request: HttpRequest, payout_id: int, payload: PaidIn) -> Payout:
    p = _operator(request, Role.MEMBER)
    require_key(request)
    return services.mark_paid(p, payout_id, reference=payload.reference)


@router.post(
    "/operator/payouts/{payout_id}/failed",
    response=responses(PayoutOut),
    tags=["operator"],
    summary="Mark a payout failed: its money returns to the creator's payable (Idempotency-Key required)",
)
def payout_failed(request: HttpRequest, payout_id: int, payload: FailedIn) -> Payout:
    p = _operator(request, Role.MEMBER)
    require_key(request)
    return services.mark_failed(p, payout_id, reason=payload.reason)
