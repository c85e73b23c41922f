"""Contracts between a brand and a creator: versions of terms (offers, counters, amendments), signatures,
milestones with their submissions, and time entries grouped in weekly timesheets.

Only ``accord.contracts.services`` writes these rows. A version's terms never change after it is created (``save``
refuses it); a signed version carries the SHA-256 of its canonical terms JSON, and each signature records that hash.
Money is integer minor units of the contract currency; the money itself lives in the ledger via escrow holds.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization, User
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.escrow.models import EscrowHold


class Side(models.TextChoices):
    BRAND = "brand", _("Brand")
    CREATOR = "creator", _("Creator")


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OFFERED = "offered", _("Offered")
        COUNTERED = "countered", _("Countered")
        SIGNED = "signed", _("Signed")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        TERMINATED = "terminated", _("Terminated")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    class Origin(models.TextChoices):
        INVITATION = "invitation", _("Brand invitation")
        APPLICATION = "application", _("Creator application")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="contracts")
    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="brand_contracts")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="creator_contracts")
    origin = models.CharField(max_length=12, choices=Origin.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    # The latest proposal (what is being negotiated or, once signed, what holds) and the version in force.
    current_version = models.ForeignKey(
        "ContractVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_version = models.ForeignKey(
        "ContractVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    awaiting = models.CharField(max_length=8, choices=Side.choices, blank=True, help_text="Whose move it is")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the open proposal lapses")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["brand", "status"]),
            models.Index(fields=["creator", "status"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"contract #{self.pk} {self.title} ({self.status})"

    @property
    def subject(self) -> str:
        return f"contract:{self.pk}"

    def side_of(self, org_id: int) -> str | None:
        if org_id == self.brand_id:
            return Side.BRAND
        if org_id == self.creator_id:
            return Side.CREATOR
        return None

    def org_of(self, side: str) -> int:
        return self.brand_id if side == Side.BRAND else self.creator_id


class ContractVersion(models.Model):
    class Kind(models.TextChoices):
        OFFER = "offer", _("Offer")
        APPLICATION = "application", _("Application")
        COUNTER = "counter", _("Counter-offer")
        AMENDMENT = "amendment", _("Amendment")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SIGNED = "signed", _("Signed by both")
        SUPERSEDED = "superseded", _("Superseded")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    terms = models.JSONField(help_text="Canonical terms (accord.contracts.terms)")
    terms_sha256 = models.CharField(max_length=64)
    diff = models.JSONField(default=list, help_text="Field-by-field changes from the previous version")
    proposed_by = models.CharField(max_length=8, choices=Side.choices)
    proposed_by_label = models.CharField(max_length=254)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    MUTABLE_FIELDS = frozenset({"status", "signed_at"})

    class Meta:
        ordering = ["contract", "number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="contract_version_number")]

    def __str__(self) -> str:
        return f"v{self.number} of contract #{self.contract_id} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.MUTABLE_FIELDS:
                raise ValueError("contract versions are immutable: only their status may change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("contract versions are never deleted")


class Signature(models.Model):
    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="signatures")
    side = models.CharField(max_length=8, choices=Side.choices)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="contract_signatures")
    signer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="contract_signatures")
    typed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField(default=clock.now)
    terms_sha256 = models.CharField(max_length=64, help_text="The hash of the terms this signature covers")
    ip_hash = models.CharField(max_length=64, blank=True, help_text="HMAC-SHA256 of the IP with ip_salt; never the IP")
    ip_salt = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "side"], name="contract_signature_once_per_side")]

    def __str__(self) -> str:
        return f"{self.side} signature on {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("signatures are immutable")
        super().save(*args, **kwargs)


class Milestone(models.Model):
    class Status(models.TextChoices):
        UNFUNDED = "unfunded", _("Unfunded")
        FUNDED = "funded", _("Funded")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")
        RELEASED = "released", _("Released")
        DISPUTED = "disputed", _("Disputed")
        CANCELLED = "cancelled", _("Cancelled")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    key = models.CharField(max_length=40)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    due_on = models.DateField()
    deliverables = models.JSONField(default=list, blank=True)
    requires_submission = models.BooleanField(default=True)
    is_hourly_budget = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNFUNDED)
    escrow_hold = models.OneToOneField(
        EscrowHold, on_delete=models.PROTECT, null=True, blank=True, related_name="milestone"
    )
    rounds_used = models.PositiveIntegerField(default=0, help_text="Change rounds requested so far")
    released_amount = models.BigIntegerField(default=0, help_text="Gross released from escrow (fee included)")
    funded_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=254, blank=True)
    auto_approved = models.BooleanField(default=False)
    released_at = models.DateTimeField(null=True, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "key"], name="milestone_key_per_contract"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="milestone_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "review_due_at"]), models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"milestone {self.key} of contract #{self.contract_id} ({self.status})"

    @property
    def subject(self) -> str:
        return f"contract:{self.contract_id}"

    @property
    def overdue(self) -> bool:
        return self.status in ("unfunded", "funded", "changes_requested") and self.due_on < clock.today()


def _submission_path(instance: Submission, filename: str) -> str:
    return f"submissions/contract-{instance.milestone.contract_id}/{instance.milestone.key}/{filename}"


class Submission(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        AUTO_APPROVED = "auto_approved", _("Auto-approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        DISPUTED = "disputed", _("Disputed")

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="submissions")
    round = models.PositiveIntegerField(help_text="1 for the first submission, +1 per resubmission")
    post_url = models.URLField(max_length=500, blank=True)
    draft_file = models.FileField(upload_to=_submission_path, blank=True, max_length=300)
    draft_content_type = models.CharField(max_length=100, blank=True)
    draft_size = models.PositiveBigIntegerField(default=0)
    caption = models.TextField(blank=True)
    disclosure_ok = models.BooleanField(default=False)
    disclosure_found = models.JSONField(default=list, blank=True)
    disclosure_accepted = models.JSONField(default=list, blank=True)
    disclosure_country = models.CharField(max_length=2, blank=True)
    submitted_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=clock.now)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.CharField(max_length=254, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["milestone", "round"]
        constraints = [models.UniqueConstraint(fields=["milestone", "round"], name="submission_round_unique")]

    def __str__(self) -> str:
        return f"submission {self.round} of {self.milestone}"


class Timesheet(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUBMITTED = "submitted", _("Submitted")
        QUERIED = "queried", _("Queried")
        APPROVED = "approved", _("Approved")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="timesheets")
    week_start = models.DateField(help_text="The Monday of the week")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    minutes = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    query_comment = models.TextField(blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=254, blank=True)
    amount = models.BigIntegerField(default=0, help_text="Released for this week (approved time × rate, capped)")
    escrow_hold = models.OneToOneField(
        EscrowHold, on_delete=models.PROTECT, null=True, blank=True, related_name="timesheet"
    )

    class Meta:
        ordering = ["contract", "week_start"]
        constraints = [models.UniqueConstraint(fields=["contract", "week_start"], name="timesheet_week_unique")]

    def __str__(self) -> str:
        return f"timesheet {self.week_start} of contract #{self.contract_id} ({self.status})"


class TimeEntry(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="time_entries")
    timesheet = models.ForeignKey(Timesheet, on_delete=models.PROTECT, related_name="entries")
    work_date = models.DateField()
    minutes = models.PositiveIntegerField()
    note = models.CharField(max_length=500, blank=True)
    deliverable = models.CharField(max_length=40, blank=True)
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["work_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0) & Q(minutes__lte=1440), name="time_entry_minutes_range")
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.work_date}"
