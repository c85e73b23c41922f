"""What a creator sees on landing: offers waiting for them, contracts with their next deadline, earnings and the next
payout, payout methods, unread messages, trust score and tier.

Read-only and scoped to the creator's organization through each app's services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _l

from accord.accounts.auth import Principal
from accord.contracts import services as contracts
from accord.contracts.models import Contract, Milestone
from accord.core.errors import DomainError
from accord.core.tenancy import scoped
from accord.escrow import services as escrow
from accord.incentives import services as incentives
from accord.messaging import services as messaging
from accord.messaging.models import Thread
from accord.payouts import services as payouts
from accord.payouts.models import Payout, PayoutMethod
from accord.reputation import figures, growth, tiers

OPEN_MILESTONES = (
    Milestone.Status.UNFUNDED,
    Milestone.Status.FUNDED,
    Milestone.Status.CHANGES_REQUESTED,
    Milestone.Status.SUBMITTED,
)
DIFF_FIELDS_SHOWN = 3
TIER_LABELS = {"new": _l("New"), "rising": _l("Rising"), "trusted": _l("Trusted"), "top": _l("Top")}


@dataclass(frozen=True)
class Offer:
    contract: Contract
    changes: list[dict[str, Any]]  # the latest version's field-by-field diff (empty for a first offer)
    changed_fields: list[str]  # the first few changed fields, for the summary line
    forecast_low: int | None  # earnings forecast range over the default scenarios (None: no performance pay)
    forecast_high: int | None

    @property
    def is_counter(self) -> bool:
        version = self.contract.current_version
        return version is not None and version.number > 1


def _forecast_range(p: Principal, contract: Contract) -> tuple[int | None, int | None]:
    try:
        _, terms, rows = incentives.forecast_for(p, contract.pk)
    except DomainError:
        return None, None
    if terms is None or not rows:
        return None, None
    totals = [r.total for r in rows]
    return min(totals), max(totals)


def offers_inbox(p: Principal) -> list[Offer]:
    out = []
    for contract in contracts.inbox(p).select_related("current_version").order_by("expires_at", "id"):
        version = contract.current_version
        changes = list(version.diff or []) if version is not None and version.number > 1 else []
        low, high = _forecast_range(p, contract)
        out.append(Offer(contract, changes, [c["field"] for c in changes[:DIFF_FIELDS_SHOWN]], low, high))
    return out


@dataclass(frozen=True)
class ContractRow:
    contract: Contract
    next_milestone: Milestone | None
    hourly: bool


def active_contracts(p: Principal) -> list[ContractRow]:
    """Signed and running contracts, soonest next deliverable first (contracts with nothing due last)."""
    rows = []
    qs = contracts.contracts_for(p).filter(status__in=[Contract.Status.SIGNED, Contract.Status.ACTIVE])
    for contract in qs.prefetch_related("milestones"):
        open_ms = sorted(
            (m for m in contract.milestones.all() if m.status in OPEN_MILESTONES and not m.is_hourly_budget),
            key=lambda m: (m.due_on, m.position),
        )
        hourly = any(m.is_hourly_budget for m in contract.milestones.all())
        rows.append(ContractRow(contract, open_ms[0] if open_ms else None, hourly))
    rows.sort(key=lambda r: (r.next_milestone is None, r.next_milestone.due_on if r.next_milestone else date.max))
    return rows


@dataclass
class Earnings:
    currency: str
    pending: int = 0  # earned, still in its lock window
    payable: int = 0  # free to pay out
    in_transit: int = 0  # in a payout run, not yet confirmed paid
    paid: int = 0
    next_date: date | None = None  # promised arrival date of the next payout
    next_amount: int = 0
    reason: str = ""  # why no payout is expected ("" when one is)


def earnings(org_id: int) -> list[Earnings]:
    by: dict[str, Earnings] = {}

    def row(currency: str) -> Earnings:
        return by.setdefault(currency, Earnings(currency))

    for balance in escrow.creator_balances(org_id):
        e = row(balance["currency"])
        e.pending, e.payable = int(balance["pending"]), int(balance["payable"])
    sums = payouts.payouts_of(org_id).values_list("currency", "state").annotate(total=Sum("amount")).order_by()
    for currency, state, total in sums:
        if state == Payout.State.PAID:
            row(currency).paid += int(total or 0)
        elif state in (Payout.State.SCHEDULED, Payout.State.PROCESSING):
            row(currency).in_transit += int(total or 0)
    for expected in payouts.expected_payouts(org_id):
        e = row(expected.currency)
        e.next_date, e.next_amount, e.reason = expected.promised_date, expected.amount, expected.reason
    return [by[c] for c in sorted(by)]


@dataclass(frozen=True)
class MethodsStatus:
    count: int
    default: PayoutMethod | None


def methods_status(org_id: int) -> MethodsStatus:
    methods = list(payouts.methods_of(org_id).order_by("-is_default", "id"))
    default = next((m for m in methods if m.is_default), None)
    return MethodsStatus(len(methods), default)


def unread_messages(p: Principal) -> int:
    thread_ids = list(
        scoped(Thread.objects.all(), p.org_id, "participants__organization").values_list("id", flat=True).distinct()
    )
    return sum(messaging.unread_counts(p.require_user(), thread_ids).values()) if thread_ids else 0


@dataclass(frozen=True)
class Standing:
    trust: dict[str, Any]
    tier: str
    benefits: growth.Benefits

    @property
    def tier_label(self) -> str:
        return str(TIER_LABELS.get(self.tier, self.tier))


def standing(org_id: int) -> Standing:
    tier = tiers.current_tier(org_id)
    return Standing(figures.figures(org_id).as_dict(), tier.name, tier.benefits)
