"""The contract, milestone and timesheet state machines (DESIGN §4) as plain transition tables.

Pure: no Django models. ``Machine.next(current, action)`` returns the new state or raises ``IllegalTransition``.
"""

from __future__ import annotations

from accord.campaigns.states import Machine

# Contract: draft → offered ⇄ countered → signed → active → completed | terminated. A proposal may also be declined by
# the party it was sent to, withdrawn by the party that sent it, or lapse at its expiry (terminal states).
CONTRACT = Machine(
    "contract",
    (
        "draft",
        "offered",
        "countered",
        "signed",
        "active",
        "completed",
        "terminated",
        "declined",
        "withdrawn",
        "expired",
    ),
    {
        ("draft", "send"): "offered",
        ("draft", "withdraw"): "withdrawn",
        ("offered", "counter"): "countered",
        ("countered", "counter"): "countered",
        ("offered", "sign"): "offered",  # one party's signature; the second completes it (see ``complete_signing``)
        ("countered", "sign"): "countered",
        ("offered", "complete_signing"): "signed",
        ("countered", "complete_signing"): "signed",
        ("offered", "decline"): "declined",
        ("countered", "decline"): "declined",
        ("offered", "withdraw"): "withdrawn",
        ("countered", "withdraw"): "withdrawn",
        ("offered", "expire"): "expired",
        ("countered", "expire"): "expired",
        ("signed", "activate"): "active",
        ("signed", "amend"): "signed",
        ("active", "amend"): "active",
        ("signed", "terminate"): "terminated",
        ("active", "terminate"): "terminated",
        ("active", "complete"): "completed",
    },
)

# Milestone: unfunded → funded (hold) → submitted → approved → released; submitted → changes_requested → submitted;
# funded/submitted → disputed. A milestone that needs no deliverable (an upfront deposit share, the hourly budget)
# may be approved straight from funded.
MILESTONE = Machine(
    "milestone",
    ("unfunded", "funded", "submitted", "changes_requested", "approved", "released", "disputed", "cancelled"),
    {
        ("unfunded", "fund"): "funded",
        ("unfunded", "cancel"): "cancelled",
        ("funded", "submit"): "submitted",
        ("changes_requested", "submit"): "submitted",
        ("submitted", "request_changes"): "changes_requested",
        ("submitted", "approve"): "approved",
        ("submitted", "auto_approve"): "approved",
        ("funded", "approve_without_submission"): "approved",
        ("approved", "release"): "released",
        ("funded", "dispute"): "disputed",
        ("submitted", "dispute"): "disputed",
        ("changes_requested", "dispute"): "disputed",
        # An hourly budget ends when the brand finishes the work: the unused rest goes back to the campaign.
        ("funded", "close_budget"): "released",
        # Settled by the disputes app (which moves the money): paid in full or in part, refunded, or back to work.
        ("disputed", "settle_release"): "released",
        ("disputed", "settle_refund"): "cancelled",
        ("disputed", "resume"): "funded",
        ("disputed", "resume_review"): "submitted",
    },
)

# Weekly timesheet of an hourly contract: open (entries being logged) → submitted → approved | queried → submitted.
TIMESHEET = Machine(
    "timesheet",
    ("open", "submitted", "queried", "approved"),
    {
        ("open", "log"): "open",
        ("queried", "log"): "queried",
        ("open", "submit"): "submitted",
        ("queried", "submit"): "submitted",
        ("submitted", "approve"): "approved",
        ("submitted", "query"): "queried",
    },
)

# Milestones still holding (or about to hold) escrow; a contract cannot be terminated or completed while one exists.
MONEY_OPEN = frozenset({"funded", "submitted", "changes_requested", "approved", "disputed"})
# Milestones whose deadline matters: the creator still owes the deliverable.
AWAITING_CREATOR = frozenset({"unfunded", "funded", "changes_requested"})
