"""Escrow records: what the brand deposited, what is held for whom, released, accrued, clawed back and refunded.

The money itself lives in the ledger (``escrow:<campaign>``, ``creator:<org>:pending|payable``, ``platform:fees``,
``world``); these rows say why it moved and link to the ledger transaction or hold that moved it. Holds point at a
generic reference (``reference_type`` / ``reference_id``) so contract milestones can plug in later.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.ledger.models import Hold, Transaction


class FeeOverride(models.Model):
    """A platform fee (basis points) agreed with one organization, instead of ``ACCORD_PLATFORM_FEE_BPS``."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="fee_override")
    fee_bps = models.PositiveIntegerField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(fee_bps__lte=10_000), name="escrow_fee_bps_at_most_100pct")]

    def __str__(self) -> str:
        return f"{self.organization}: {self.fee_bps} bps"


class Deposit(models.Model):
    """Money a brand sends into a campaign's escrow through a payment provider."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        CONFIRMED = "confirmed", _("Received")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Payment failed")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="deposits")
    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="escrow_deposits")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=20, default="manual")
    reference = models.CharField(max_length=40, unique=True, help_text="Payment reference the brand must quote")
    provider_ref = models.CharField(max_length=120, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    idempotency_key = models.CharField(max_length=255)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="escrow_deposit"
    )
    created_at = models.DateTimeField(default=clock.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.CharField(max_length=200, blank=True)
    checkout_secret = models.CharField(
        max_length=255, blank=True, help_text="A card provider's client secret the brand's checkout completes"
    )
    failure_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "idempotency_key"], name="escrow_deposit_brand_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="escrow_deposit_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"deposit {self.reference} ({self.status})"


class StripeEvent(models.Model):
    """A Stripe webhook event applied once: its id is unique, so a redelivered or replayed event changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, null=True, blank=True, related_name="stripe_events")
    outcome = models.CharField(max_length=40)
    detail = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}: {self.outcome}"


class EscrowHold(models.Model):
    """Escrow reserved for one creator against a generic reference (a milestone, later)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="escrow_holds")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="escrow_holds")
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, related_name="escrow_hold")
    reference_type = models.CharField(max_length=40)
    reference_id = models.CharField(max_length=64)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    released_amount = models.BigIntegerField(default=0, help_text="Gross amount posted (fee included)")
    fee_amount = models.BigIntegerField(default=0)
    fee_bps = models.PositiveIntegerField(null=True, blank=True)
    release_transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="escrow_release"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [
            models.Index(fields=["reference_type", "reference_id"]),
            models.Index(fields=["creator", "campaign"]),
        ]

    def __str__(self) -> str:
        return f"escrow hold for {self.reference_type}:{self.reference_id}"

    @property
    def status(self) -> str:
        return self.hold.status


class Accrual(models.Model):
    """Commission earned from escrow, locked in ``creator:<org>:pending`` until ``available_at``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending (locked)")
        UNLOCKED = "unlocked", _("Payable")
        REVERSED = "reversed", _("Fully clawed back")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="accruals")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="accruals")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    clawed_back = models.BigIntegerField(default=0)
    available_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reference_type = models.CharField(max_length=40, blank=True)
    reference_id = models.CharField(max_length=64, blank=True)
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="escrow_accrual")
    unlock_transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="escrow_unlock"
    )
    created_at = models.DateTimeField(default=clock.now)
    unlocked_at = models.DateTimeField(null=True, blank=True)
    frozen_at = models.DateTimeField(
        null=True, blank=True, help_text="Set while a dispute decides it: not unlocked or clawed back meanwhile"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="escrow_accrual_amount_positive"),
            models.CheckConstraint(
                condition=Q(clawed_back__gte=0) & Q(clawed_back__lte=models.F("amount")),
                name="escrow_accrual_clawback_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["status", "available_at"]), models.Index(fields=["creator", "campaign"])]

    def __str__(self) -> str:
        return f"accrual #{self.pk} of {self.amount} ({self.status})"

    @property
    def remaining(self) -> int:
        return self.amount - self.clawed_back


class Clawback(models.Model):
    """Part of a still-locked accrual returned from ``creator:<org>:pending`` to escrow, with the reason."""

    accrual = models.ForeignKey(Accrual, on_delete=models.PROTECT, related_name="clawbacks")
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=500)
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="escrow_clawback")
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"clawback of {self.amount} from accrual #{self.accrual_id}"


class Refund(models.Model):
    """Unused escrow returned to the brand (``escrow:<campaign>`` → ``world``)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="escrow_refunds")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=500, blank=True)
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="escrow_refund")
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"refund of {self.amount} from campaign #{self.campaign_id}"
