"""Double-entry ledger (DESIGN.md §3): accounts, transactions, entries and two-phase holds.

Only ``accord.ledger.services`` writes these tables. Amounts are integers in minor units of the account's currency.
An account's ``balance`` always equals the sum of its entries and ``pending_out`` the sum of its pending holds; both
are updated in the same database transaction as the entries / holds that change them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.core import clock


class Account(models.Model):
    class Kind(models.TextChoices):
        WORLD = "world", _("Outside world (bank, PSP)")
        ESCROW = "escrow", _("Campaign escrow")
        CREATOR_PENDING = "creator_pending", _("Creator earnings, still locked")
        CREATOR_PAYABLE = "creator_payable", _("Creator earnings, payable")
        IN_TRANSIT = "in_transit", _("Payouts in transit")
        FEES = "fees", _("Platform fees")
        OTHER = "other", _("Other")

    code = models.CharField(max_length=120)
    currency = models.CharField(max_length=3)
    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_accounts"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    balance = models.BigIntegerField(default=0)
    pending_out = models.BigIntegerField(default=0, help_text="Sum of this account's pending holds")
    protected = models.BooleanField(default=True, help_text="Refuse anything that would make it negative")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "currency"], name="ledger_account_code_currency"),
            models.CheckConstraint(condition=Q(pending_out__gte=0), name="ledger_account_pending_out_nonneg"),
            models.CheckConstraint(
                condition=Q(protected=False) | Q(balance__gte=F("pending_out")),
                name="ledger_account_protected_available_nonneg",
            ),
        ]
        indexes = [models.Index(fields=["owner", "currency"])]

    def __str__(self) -> str:
        return f"{self.code} [{self.currency}]"

    @property
    def available(self) -> int:
        return self.balance - self.pending_out


class Transaction(models.Model):
    kind = models.CharField(max_length=40)
    idempotency_key = models.CharField(max_length=255, unique=True)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request content, for replay checks")
    created_at = models.DateTimeField(default=clock.now)
    memo = models.CharField(max_length=500, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.idempotency_key})"


class Entry(models.Model):
    """One leg of a transaction: a signed amount on one account. Never updated or deleted (a trigger refuses it)."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "entries"
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_nonzero")]

    def __str__(self) -> str:
        return f"{self.amount:+d} on account #{self.account_id} in transaction #{self.transaction_id}"


class Hold(models.Model):
    """A two-phase reservation: pending → posted (possibly for less) | voided | expired."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        POSTED = "posted", _("Posted")
        VOIDED = "voided", _("Voided")
        EXPIRED = "expired", _("Expired")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    amount = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    posted_amount = models.BigIntegerField(default=0)
    idempotency_key = models.CharField(max_length=255, unique=True)
    fingerprint = models.CharField(max_length=64)
    resolution_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="posted_hold"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    memo = models.CharField(max_length=500, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_hold_amount_positive"),
            models.CheckConstraint(
                condition=Q(posted_amount__gte=0) & Q(posted_amount__lte=F("amount")),
                name="ledger_hold_posted_within_amount",
            ),
            models.CheckConstraint(
                condition=(Q(status="posted") & Q(transaction__isnull=False) & Q(posted_amount__gt=0))
                | (~Q(status="posted") & Q(transaction__isnull=True) & Q(posted_amount=0)),
                name="ledger_hold_posted_has_transaction",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"hold #{self.pk} of {self.amount} on account #{self.account_id} ({self.status})"
