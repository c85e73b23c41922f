"""Payout methods, schedules, runs, payouts and the bank files they produce.

Only ``accord.payouts.services`` writes these tables. Money itself lives in the ledger: a payout moves a creator's
``creator:<org>:payable`` to ``payouts:in_transit`` when it is created and on to ``world`` when it is paid (or back to
payable when it fails). Amounts are integers in minor units.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.core import clock
from accord.payouts import schedule as cal
from accord.payouts.banking import mask_iban


class PayoutMethod(models.Model):
    class Kind(models.TextChoices):
        SEPA = "sepa", _("SEPA bank transfer")
        STRIPE = "stripe", _("Stripe Connect")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="payout_methods")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    label = models.CharField(max_length=100, blank=True)
    account_holder = models.CharField(max_length=140, blank=True)
    # The full IBAN (electronic format) is needed to write bank files; every screen, API and export shows
    # ``iban_masked``, made by ``banking.mask_iban`` (the one masker) when the method is saved.
    iban = models.CharField(max_length=34, blank=True)
    iban_masked = models.CharField(max_length=42, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    bank_name = models.CharField(max_length=140, blank=True)
    stripe_account_id = models.CharField(max_length=255, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_default=True, removed_at__isnull=True),
                name="payout_method_one_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.iban_masked or self.stripe_account_id} of org #{self.organization_id}"

    @property
    def display(self) -> str:
        if self.kind == self.Kind.SEPA:
            return f"{self.account_holder} · {self.iban_masked}"
        return f"Stripe {self.stripe_account_id}"


class PayoutSchedule(models.Model):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        BIWEEKLY = "biweekly", _("Every two weeks")
        MONTHLY = "monthly", _("Monthly")
        ON_DEMAND = "on_demand", _("On demand")

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="payout_schedule")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    weekday = models.PositiveSmallIntegerField(default=0, help_text="0 = Monday … 6 = Sunday")
    day_of_month = models.PositiveSmallIntegerField(default=1, help_text="1 … 31, clamped to the month's end")
    biweekly_parity = models.PositiveSmallIntegerField(default=0)
    # Minimum payout per currency in minor units, e.g. {"EUR": 2500}; currencies not listed use the default.
    thresholds = models.JSONField(default=dict, blank=True)
    effective_from = models.DateField(help_text="Slots before this day are never paid (no retroactive promises)")
    last_served_slot = models.DateField(null=True, blank=True)
    # The slot for which a run found the balance below the threshold: a later payout in that period is promised
    # from the day it is created, not from the slot (the creator was never promised that slot).
    deferred_slot = models.DateField(null=True, blank=True)
    on_demand_requested_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="payout_schedule_weekday"),
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=31), name="payout_schedule_day_of_month"
            ),
            models.CheckConstraint(condition=Q(biweekly_parity__lte=1), name="payout_schedule_parity"),
        ]

    def __str__(self) -> str:
        return f"{self.frequency} payouts of org #{self.organization_id}"

    @property
    def spec(self) -> cal.ScheduleSpec:
        return cal.ScheduleSpec(cal.Frequency(self.frequency), self.weekday, self.day_of_month, self.biweekly_parity)


class DebtorAccount(models.Model):
    """The platform's own bank account that SEPA payout files debit, one active per currency."""

    name = models.CharField(max_length=70)
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    currency = models.CharField(max_length=3)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["currency"], condition=Q(active=True), name="payout_debtor_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.currency}"

    @property
    def iban_masked(self) -> str:
        return mask_iban(self.iban)


class PayoutRun(models.Model):
    """One payout run per currency and day. Its steps are resumable: running it again continues where it stopped."""

    class State(models.TextChoices):
        OPEN = "open", _("Selecting and moving money")
        SUBMITTING = "submitting", _("Writing files / calling providers")
        DONE = "done", _("Done")

    currency = models.CharField(max_length=3)
    run_date = models.DateField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    started_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    payout_count = models.PositiveIntegerField(default=0)
    total_amount = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["currency", "run_date"], name="payout_run_currency_day"),
        ]

    def __str__(self) -> str:
        return f"payout run {self.currency} {self.run_date} ({self.state})"


class PayoutFile(models.Model):
    """A pain.001.001.03 credit-transfer file: one per run, currency and debtor account."""

    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="files")
    debtor = models.ForeignKey(DebtorAccount, on_delete=models.PROTECT, related_name="files")
    currency = models.CharField(max_length=3)
    message_id = models.CharField(max_length=35)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    payment_count = models.PositiveIntegerField()
    control_sum = models.BigIntegerField()
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.filename


class Payout(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        PROCESSING = "processing", _("Processing")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held out of the run (disputed)")

    # run and organization need no index of their own: (run, organization) and (organization, created_at) lead with
    # them. Every payout row is updated twice per run, and each index is written on each update.
    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="payouts", db_index=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="payouts", db_index=False)
    method = models.ForeignKey(PayoutMethod, on_delete=models.PROTECT, related_name="payouts")
    provider = models.CharField(max_length=10)  # "manual" (SEPA file) or "stripe"
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.SCHEDULED)
    slot_date = models.DateField()
    promised_date = models.DateField()
    created_at = models.DateTimeField(default=clock.now)
    moved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    days_late = models.PositiveIntegerField(default=0, help_text="Recorded when paid or failed; live otherwise")
    file = models.ForeignKey(PayoutFile, on_delete=models.PROTECT, null=True, blank=True, related_name="payouts")
    provider_reference = models.CharField(max_length=255, blank=True)
    move_transaction_id = models.BigIntegerField(null=True, blank=True)
    settle_transaction_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "organization"], name="payout_one_per_run_and_creator"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["run", "state"]),
        ]

    def __str__(self) -> str:
        return f"payout #{self.pk} {self.amount} {self.currency} to org #{self.organization_id} ({self.state})"

    @property
    def provider_label(self) -> str:
        """The provider as people call it: the kind of payout method it serves."""
        kind = PayoutMethod.Kind.SEPA if self.provider == "manual" else PayoutMethod.Kind.STRIPE
        return str(kind.label) if self.provider in {"manual", "stripe"} else self.provider

    @property
    def end_to_end_id(self) -> str:
        return f"ACCORD-PAYOUT-{self.pk}"

    def lateness(self, today: date | None = None) -> int:
        if self.state in (self.State.PAID, self.State.FAILED, self.State.HELD):
            return self.days_late
        return cal.days_late(self.promised_date, None, today or clock.today())

    @property
    def is_late(self) -> bool:
        return self.lateness() > 0
