"""What a brand sees on landing: its campaigns with their escrow money, and the submissions waiting for review.

Read-only; everything is scoped to the brand through the campaigns and contracts services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from accord.accounts.auth import Principal
from accord.campaigns import services as campaigns
from accord.campaigns.models import Campaign
from accord.contracts import services as contracts
from accord.contracts.models import Milestone, Timesheet
from accord.core import clock
from accord.escrow import services as escrow


@dataclass(frozen=True)
class CampaignMoney:
    campaign: Campaign
    budget: int
    funded: int  # confirmed deposits into escrow
    held: int  # reserved for milestones, not yet released
    released: int  # paid out of escrow for approved work (gross, platform fee included)
    spent: int  # released + commission accrued (net of clawbacks)
    available: int  # in escrow and free to hold, accrue or refund

    @property
    def currency(self) -> str:
        return self.campaign.currency

    @property
    def spent_percent(self) -> int | None:
        """Share of the budget spent, in whole percent (rounded down); None without a budget."""
        return self.spent * 100 // self.budget if self.budget > 0 else None


# Running campaigns first, finished ones last; each row costs a few escrow reads, so the list is capped.
_STATUS_ORDER = {
    Campaign.Status.ACTIVE: 0,
    Campaign.Status.OPEN: 1,
    Campaign.Status.DRAFT: 2,
    Campaign.Status.COMPLETED: 3,
    Campaign.Status.CANCELLED: 4,
}
CAMPAIGNS_SHOWN = 25


def campaign_money(p: Principal, limit: int = CAMPAIGNS_SHOWN) -> list[CampaignMoney]:
    chosen = sorted(campaigns.list_campaigns(p), key=lambda c: (_STATUS_ORDER.get(c.status, 9), -c.pk))[:limit]
    out = []
    for campaign in chosen:
        e = escrow.campaign_escrow(campaign)
        out.append(
            CampaignMoney(
                campaign=campaign,
                budget=campaign.budget,
                funded=e.deposited,
                held=e.held,
                released=e.released,
                spent=e.released + e.accrued,
                available=e.available,
            )
        )
    return out


@dataclass(frozen=True)
class Approval:
    milestone: Milestone
    submitted_at: datetime | None
    review_due_at: datetime | None
    overdue: bool


def approvals_queue(p: Principal, limit: int = 50) -> list[Approval]:
    """Submitted milestones awaiting the brand's review, oldest submission first."""
    milestones = (
        Milestone.objects.filter(contract__in=contracts.contracts_for(p), status=Milestone.Status.SUBMITTED)
        .select_related("contract", "contract__creator", "contract__campaign")
        .order_by("submitted_at", "id")[:limit]
    )
    now = clock.now()
    return [
        Approval(m, m.submitted_at, m.review_due_at, m.review_due_at is not None and m.review_due_at <= now)
        for m in milestones
    ]


@dataclass(frozen=True)
class TimesheetRow:
    timesheet: Timesheet
    hours: Decimal


def timesheets_queue(p: Principal, limit: int = 50) -> list[TimesheetRow]:
    """Hourly work submitted for approval, oldest submission first."""
    sheets = (
        Timesheet.objects.filter(contract__in=contracts.contracts_for(p), status=Timesheet.Status.SUBMITTED)
        .select_related("contract", "contract__creator")
        .order_by("submitted_at", "id")[:limit]
    )
    return [TimesheetRow(t, (Decimal(t.minutes) / 60).quantize(Decimal("0.01"))) for t in sheets]
