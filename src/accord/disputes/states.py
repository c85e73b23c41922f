"""The dispute lifecycle and its rules as plain data. Pure: no Django models (labels are lazy translations).

Dispute: open → in_mediation → resolved | withdrawn (DESIGN §4). A resolved dispute has an outcome: ``release``
(all to the creator), ``refund`` (all back to the brand's escrow), ``split`` (an amount to the creator, the rest
back), or, for deliverable disputes, ``extend`` (a new due date) or ``revise`` (redo the work) with the money still
held under the contract. ``Machine.next`` refuses every step not in the table (``IllegalTransition``, HTTP 409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from accord.campaigns.states import Machine

DISPUTE = Machine(
    "dispute",
    ("open", "in_mediation", "resolved", "withdrawn"),
    {
        ("open", "respond"): "in_mediation",
        ("open", "lapse"): "resolved",  # the respondent stayed silent past the response deadline
        ("open", "withdraw"): "withdrawn",
        ("in_mediation", "propose"): "in_mediation",
        ("in_mediation", "answer"): "in_mediation",
        ("in_mediation", "agree"): "resolved",
        ("in_mediation", "decide"): "resolved",
        ("in_mediation", "withdraw"): "withdrawn",
    },
)
OPEN_STATES = frozenset({"open", "in_mediation"})

# Reason codes a party picks when opening a dispute.
REASONS = (
    "not_delivered",
    "late_delivery",
    "not_as_agreed",
    "quality",
    "disclosure_missing",
    "unjustified_rejection",
    "payment_late",
    "tracking_wrong",
    "fraud",
    "other",
)
REASON_LABELS = {
    "not_delivered": _("Not delivered"),
    "late_delivery": _("Delivered late"),
    "not_as_agreed": _("Not as agreed"),
    "quality": _("Quality"),
    "disclosure_missing": _("Ad disclosure missing"),
    "unjustified_rejection": _("Rejected without good reason"),
    "payment_late": _("Payment late"),
    "tracking_wrong": _("Tracking is wrong"),
    "fraud": _("Fraud"),
    "other": _("Other"),
}
EVENT_LABELS = {
    "opened": _("Opened"),
    "responded": _("Responded"),
    "mediator_assigned": _("Mediator assigned"),
    "awaiting_mediator": _("Waiting for a mediator"),
    "evidence_added": _("Evidence added"),
    "proposed": _("Outcome proposed"),
    "answered": _("Proposal answered"),
    "proposal_overdue": _("Proposal overdue: another mediator"),
    "proposal_lapsed": _("Proposal not answered in time"),
    "decided": _("Outcome decided"),
    "resolved": _("Resolved and applied"),
    "withdrawn": _("Withdrawn"),
    "note": _("Mediator note"),
}
TARGETS = ("milestone", "accrual", "contract", "payout")
TARGET_LABELS = {
    "milestone": _("Milestone"),
    "accrual": _("Commission"),
    "contract": _("Whole contract"),
    "payout": _("Payout"),
}
SIDE_LABELS = {"brand": _("Brand"), "creator": _("Creator"), "operator": _("Mediator"), "system": _("Accord")}
MONEY_OUTCOMES = ("release", "refund", "split")
OUTCOMES = (*MONEY_OUTCOMES, "extend", "revise")

DEFAULT_WINDOW_DAYS = 7  # after the disputed event
RESPONSE_DAYS = 5
PROPOSAL_DAYS = 2
ANSWER_DAYS = 2
MAX_DAYS = 30  # the mediator's decision, at most this long after opening


@dataclass(frozen=True)
class Split:
    """How a frozen amount divides: ``to_creator`` gross (fee included) and ``to_brand`` back into escrow."""

    to_creator: int
    to_brand: int


def split_for(outcome: str, frozen: int, creator_amount: int | None = None) -> Split:
    """The division of ``frozen`` minor units an outcome asks for; refuses a split outside 0 < amount < frozen."""
    if outcome == "release":
        return Split(frozen, 0)
    if outcome == "refund":
        return Split(0, frozen)
    if outcome == "split":
        if creator_amount is None or not 0 < creator_amount < frozen:
            raise ValueError(f"a split gives the creator more than 0 and less than {frozen}")
        return Split(creator_amount, frozen - creator_amount)
    raise ValueError(f"{outcome!r} moves no money")


def favouring(opener_side: str) -> str:
    """The outcome that gives the opener everything (used when the respondent stays silent)."""
    return "release" if opener_side == "creator" else "refund"


def window_closes(event_at: datetime, window_days: int = DEFAULT_WINDOW_DAYS) -> datetime:
    return event_at + timedelta(days=window_days)
