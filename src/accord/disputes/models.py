"""Disputes: what is disputed, the money frozen for it, evidence, proposals and the append-only history.

Only ``accord.disputes.services`` writes these rows. ``Evidence`` and ``DisputeEvent`` rows are append-only (``save``
refuses an update, ``delete`` refuses always). A ``FrozenItem`` is one piece of money a dispute froze (a milestone's
escrow hold, a locked accrual, or a hold on the creator's payable money for a payout); at most one active dispute may
freeze the same piece (partial unique constraints).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.campaigns.models import Campaign
from accord.contracts.models import Contract
from accord.core import clock
from accord.disputes import states
from accord.escrow.models import Accrual, EscrowHold
from accord.ledger.models import Hold, Transaction


class Dispute(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open: awaiting the other side")
        IN_MEDIATION = "in_mediation", _("In mediation")
        RESOLVED = "resolved", _("Resolved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        RELEASE = "release", _("Release all to the creator")
        REFUND = "refund", _("Refund all to the brand")
        SPLIT = "split", _("Split by amount")
        EXTEND = "extend", _("Extend the deadline")
        REVISE = "revise", _("Revise the deliverable")

    class Resolution(models.TextChoices):
        LAPSE = "lapse", _("No response in time: resolved for the opener")
        AGREEMENT = "agreement", _("Both parties accepted the mediator's proposal")
        DECISION = "decision", _("Mediator's decision")
        DEADLINE = "deadline", _("Decided at the 30-day limit")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="disputes")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="disputes")
    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="brand_disputes")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="creator_disputes")
    target_type = models.CharField(max_length=12)
    target_id = models.CharField(max_length=64)
    opened_by_side = models.CharField(max_length=8)
    opened_by_label = models.CharField(max_length=254)
    reason = models.CharField(max_length=32)
    statement = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    currency = models.CharField(max_length=3)
    frozen_amount = models.BigIntegerField(default=0)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="mediated_disputes"
    )
    opened_at = models.DateTimeField(default=clock.now)
    response_due_at = models.DateTimeField()
    mediation_started_at = models.DateTimeField(null=True, blank=True)
    proposal_due_at = models.DateTimeField(null=True, blank=True)
    decide_by = models.DateTimeField()
    # The outcome is chosen first (decided_at) and then applied item by item; applied_at closes it.
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    outcome_creator_amount = models.BigIntegerField(null=True, blank=True, help_text="Gross to the creator")
    outcome_note = models.TextField(blank=True)
    extend_to = models.DateField(null=True, blank=True)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=254, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "response_due_at"]),
            models.Index(fields=["status", "decide_by"]),
            models.Index(fields=["brand", "status"]),
            models.Index(fields=["creator", "status"]),
            models.Index(fields=["mediator", "status"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"dispute #{self.pk} on {self.target_type} {self.target_id} ({self.status})"

    @property
    def subject(self) -> str:
        """The collaboration thread the dispute is discussed in."""
        return f"contract:{self.contract_id}" if self.contract_id else f"dispute:{self.pk}"

    def side_of(self, org_id: int) -> str | None:
        if org_id == self.brand_id:
            return "brand"
        if org_id == self.creator_id:
            return "creator"
        return None

    @property
    def reason_label(self) -> str:
        return str(states.REASON_LABELS.get(self.reason, self.reason))

    @property
    def target_label(self) -> str:
        return str(states.TARGET_LABELS.get(self.target_type, self.target_type))

    @property
    def opener_label(self) -> str:
        return str(states.SIDE_LABELS.get(self.opened_by_side, self.opened_by_side))

    @property
    def respondent_side(self) -> str:
        return "brand" if self.opened_by_side == "creator" else "creator"

    @property
    def next_deadline(self) -> Any:
        if self.status == self.Status.OPEN:
            return self.response_due_at
        if self.status == self.Status.IN_MEDIATION:
            open_proposal = self.proposals.filter(status=Proposal.Status.OPEN).first()
            if open_proposal is not None:
                return open_proposal.answer_due_at
            if self.proposal_due_at is not None and not self.proposals.exists():
                return self.proposal_due_at
            return self.decide_by
        return None


class FrozenItem(models.Model):
    """One piece of money a dispute froze, and what its outcome did with it (``transaction``)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="items")
    escrow_hold = models.ForeignKey(EscrowHold, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    accrual = models.ForeignKey(Accrual, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payable_hold = models.ForeignKey(
        Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Creator payable held"
    )
    payout_id = models.BigIntegerField(null=True, blank=True)
    milestone_id = models.BigIntegerField(null=True, blank=True)
    amount = models.BigIntegerField()
    active = models.BooleanField(default=True, help_text="Still frozen by this dispute")
    original_available_at = models.DateTimeField(null=True, blank=True, help_text="An accrual's own unlock time")
    creator_amount = models.BigIntegerField(null=True, blank=True)
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dispute", "id"]
        constraints = [
            models.UniqueConstraint(fields=["escrow_hold"], condition=Q(active=True), name="dispute_hold_frozen_once"),
            models.UniqueConstraint(fields=["accrual"], condition=Q(active=True), name="dispute_accrual_frozen_once"),
            models.UniqueConstraint(fields=["payout_id"], condition=Q(active=True), name="dispute_payout_frozen_once"),
            models.CheckConstraint(
                condition=Q(escrow_hold__isnull=False) | Q(accrual__isnull=False) | Q(payable_hold__isnull=False),
                name="dispute_item_has_money_v2",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dispute_item_amount_positive"),
        ]

    def __str__(self) -> str:
        if self.escrow_hold_id:
            what = f"hold {self.escrow_hold_id}"
        elif self.accrual_id:
            what = f"accrual {self.accrual_id}"
        else:
            what = f"payable of payout {self.payout_id}"
        return f"{what} frozen by dispute #{self.dispute_id}"


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{type(self).__name__} rows are never deleted")


def _evidence_path(instance: Evidence, filename: str) -> str:
    return f"disputes/{instance.dispute_id}/{clock.now():%Y%m%d%H%M%S}-{filename}"


class Evidence(_AppendOnly):
    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Statement")
        FILE = "file", _("File")
        TERMS = "terms", _("Signed terms")
        THREAD = "thread", _("Message thread")
        SUBMISSIONS = "submissions", _("Submissions and reviews")
        TRACKING = "tracking", _("Tracking data")
        LEDGER = "ledger", _("Money frozen")

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    side = models.CharField(max_length=8, help_text="brand, creator, operator or system")
    author_label = models.CharField(max_length=254)
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    file = models.FileField(upload_to=_evidence_path, blank=True, max_length=300)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["dispute", "id"]

    def __str__(self) -> str:
        return f"{self.kind} evidence on dispute #{self.dispute_id}"


class DisputeEvent(_AppendOnly):
    """The history. ``private`` rows (mediator notes) are shown to operators only."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=40)
    side = models.CharField(max_length=8)
    actor_label = models.CharField(max_length=254)
    data = models.JSONField(default=dict, blank=True)
    private = models.BooleanField(default=False)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["dispute", "id"]
        indexes = [models.Index(fields=["dispute", "private"])]

    def __str__(self) -> str:
        return f"{self.kind} on dispute #{self.dispute_id}"

    @property
    def label(self) -> str:
        return str(states.EVENT_LABELS.get(self.kind, self.kind))


class Proposal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting both answers")
        AGREED = "agreed", _("Accepted by both")
        REJECTED = "rejected", _("Rejected")
        LAPSED = "lapsed", _("Not accepted in time")
        SUPERSEDED = "superseded", _("Superseded")

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="proposals")
    number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=8, choices=Dispute.Outcome.choices)
    creator_amount = models.BigIntegerField(null=True, blank=True)
    extend_to = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    proposed_by = models.CharField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    brand_answer = models.CharField(max_length=8, blank=True)
    creator_answer = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    answer_due_at = models.DateTimeField()

    class Meta:
        ordering = ["dispute", "number"]
        constraints = [models.UniqueConstraint(fields=["dispute", "number"], name="dispute_proposal_number")]

    def __str__(self) -> str:
        return f"proposal {self.number} ({self.outcome}) on dispute #{self.dispute_id}"
