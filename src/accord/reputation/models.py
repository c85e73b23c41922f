"""Commitments: every promised date (concept due, publish due, review due, payment due) with an owner.

A commitment is ``open`` until it resolves. Fulfilled by its due time it is ``met``; once the due time passes
unresolved the periodic job marks it ``missed`` (still unfulfilled); fulfilled late it stays ``missed`` with the
days late recorded. ``cancelled`` commitments (a terminated contract) count for nobody.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.core import clock


class Commitment(models.Model):
    class Kind(models.TextChoices):
        CONCEPT_DUE = "concept_due", _("Concept due")
        PUBLISH_DUE = "publish_due", _("Publish due")
        REVIEW_DUE = "review_due", _("Review due")
        PAYMENT_DUE = "payment_due", _("Payment due")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MET = "met", _("Met")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    owner_org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="commitments")
    kind = models.CharField(max_length=32)
    subject = models.CharField(max_length=120)
    due_at = models.DateTimeField()
    key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=clock.now)
    missed_at = models.DateTimeField(null=True, blank=True, help_text="When the due time passed unresolved")
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    days_late = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "kind"], name="commitment_subject_kind"),
            models.Index(fields=["status", "due_at"], name="commitment_status_due"),
            models.Index(fields=["owner_org", "status"], name="commitment_owner_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.subject} by {self.owner_org_id} ({self.status})"


class CreatorTier(models.Model):
    """A creator's current tier (new, rising, trusted, top) and the figures that put it there."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="creator_tier")
    tier = models.CharField(max_length=10, default="new")
    since = models.DateTimeField(default=clock.now)
    figures = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.tier}"


class TierChange(models.Model):
    """Append-only history of tier changes."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tier_changes")
    before = models.CharField(max_length=10)
    after = models.CharField(max_length=10)
    reasons = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["organization", "id"]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.before} → {self.after}"


class ContractBenefits(models.Model):
    """The tier benefits a contract got when it was offered: fixed for its life, whatever the tier does later."""

    contract_id = models.BigIntegerField(unique=True)
    creator = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=10)
    commission_lock_days = models.PositiveIntegerField()
    payout_frequency = models.CharField(max_length=10)
    platform_fee_bps = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"contract #{self.contract_id}: {self.tier} benefits"
