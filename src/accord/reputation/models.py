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
