"""Reputation API: the caller's organization's commitments (promised dates) and its on-time rate."""

from datetime import datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from accord.accounts.api import principal
from accord.accounts.models import Role
from accord.core.pagination import CursorPagination
from accord.core.schemas import responses
from accord.core.tenancy import scoped
from accord.reputation import services
from accord.reputation.models import Commitment

router = Router(tags=["reputation"])
PREFIX = ""


class CommitmentOut(Schema):
    id: int
    owner_org_id: int
    kind: str
    subject: str
    due_at: datetime
    status: str
    missed_at: datetime | None
    fulfilled_at: datetime | None
    resolved_at: datetime | None
    days_late: int | None


class CommitmentFilter(Schema):
    status: Literal["open", "met", "missed", "cancelled"] | None = None
    subject: str | None = Field(None, max_length=120)


class OnTimeOut(Schema):
    organization_id: int
    met: int
    missed: int
    open: int
    on_time_rate: float | None = Field(None, description="met / (met + missed); null before any resolved")


@router.get("/commitments", response=responses(list[CommitmentOut]))
@paginate(CursorPagination)
def list_commitments(request: HttpRequest, filters: Query[CommitmentFilter]) -> QuerySet[Commitment]:
    """What the caller's organization has promised, and how each promise ended."""
    p = principal(request)
    p.require(Role.VIEWER)
    qs = scoped(Commitment.objects.all(), p.org_id, "owner_org")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.subject:
        qs = qs.filter(subject=filters.subject)
    return qs


@router.get("/commitments/summary", response=responses(OnTimeOut))
def commitments_summary(request: HttpRequest) -> OnTimeOut:
    p = principal(request)
    p.require(Role.VIEWER)
    qs = scoped(Commitment.objects.all(), p.org_id, "owner_org")
    return OnTimeOut(
        organization_id=p.org_id,
        met=qs.filter(status="met").count(),
        missed=qs.filter(status="missed").count(),
        open=qs.filter(status="open").count(),
        on_time_rate=services.on_time_rate(p.org_id),
    )


from accord.reputation import trust_api as _trust_api  # noqa: E402, F401  (registers the trust/tier routes)
