"""Incentive accrual records: what each compensation rule has earned per period, and every booking that moved it.

The money lives in the ledger (``escrow:<campaign> → creator:<org>:pending`` through ``accord.escrow.services``);
these rows say why it moved. A ``Position`` is one (contract, rule, period): the latest evaluated target, what is
booked, what waits for escrow and what is on hold because of fraud flags. A ``Booking`` is one movement of a
position (an accrual, positive, or a clawback, negative) with the KPI value, the threshold and the evidence behind
it, linked to the escrow ``Accrual``/``Clawback`` and the ledger ``Transaction``. Nothing here is deleted.

``Dirty`` marks collaborations whose facts changed since their last evaluation; ``Cursor`` remembers how far the
change feed over tracking facts has read (tracking itself stays money-free and knows nothing of this app).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.campaigns.models import Campaign
from accord.contracts.models import Contract
from accord.core import clock
from accord.escrow.models import Accrual, Clawback
from accord.ledger.models import Transaction


class State(models.Model):
    """Accrual bookkeeping of one collaboration (contract): locked while it is evaluated and booked."""

    class Status(models.TextChoices):
        OK = "ok", _("Up to date")
        AWAITING_FUNDS = "awaiting_funds", _("Awaiting escrow top-up")

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="incentive_state")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OK)
    accrued = models.BigIntegerField(default=0, help_text="Booked accruals, gross of clawbacks")
    clawed_back = models.BigIntegerField(default=0)
    awaiting = models.BigIntegerField(default=0, help_text="Earned but not booked: escrow too low")
    on_hold = models.BigIntegerField(default=0, help_text="Would be earned from flagged facts: held for review")
    clawback_cap = models.BigIntegerField(
        null=True, blank=True, help_text="Most that may ever be clawed back; None: the platform default share"
    )
    evaluations = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    topup_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"incentives of contract #{self.contract_id} ({self.status})"

    @property
    def net(self) -> int:
        return self.accrued - self.clawed_back


class Position(models.Model):
    """What one rule has earned in one period, as last evaluated, and how much of it is booked."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        AWAITING_FUNDS = "awaiting_funds", _("Awaiting escrow top-up")
        UNRECOVERED = "unrecovered", _("Over-accrued: offset against future earnings")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="incentive_positions")
    rule_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=20)
    period = models.CharField(max_length=16)
    target = models.BigIntegerField(default=0, help_text="What the rule has earned in this period (evaluated)")
    booked = models.BigIntegerField(default=0, help_text="Net booked: accruals minus clawbacks")
    awaiting = models.BigIntegerField(default=0)
    on_hold = models.BigIntegerField(default=0)
    capped = models.BooleanField(default=False)
    kpi = models.CharField(max_length=24, blank=True)
    kpi_value = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    threshold = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    lock_days = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    hold_reasons = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "rule_id", "period"], name="incentive_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.period}: {self.booked} of {self.target}"


class Booking(models.Model):
    """One movement of a position: an accrual (escrow → creator pending) or a clawback (pending → escrow)."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        CLAWBACK = "clawback", _("Clawback")

    class Reason(models.TextChoices):
        EARNED = "earned", _("Earned under the terms")
        REFUND = "refund", _("Refunded order")
        FRAUD = "fraud", _("Fraud flag confirmed")

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="bookings")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="incentive_bookings")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField(help_text="1, 2, … within the position: the unique link rule+period → money")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.EARNED)
    amount = models.BigIntegerField(help_text="Positive for an accrual, negative for a clawback")
    currency = models.CharField(max_length=3)
    target_before = models.BigIntegerField(help_text="Booked on the position before this movement")
    target_after = models.BigIntegerField(help_text="The evaluated amount this movement brings the position to")
    kpi = models.CharField(max_length=24, blank=True)
    kpi_value = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    threshold = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    evidence = models.JSONField(default=dict, help_text="The facts behind it: a query reference and ids")
    escrow_accrual = models.OneToOneField(
        Accrual, on_delete=models.PROTECT, null=True, blank=True, related_name="incentive_booking"
    )
    escrow_clawback = models.OneToOneField(
        Clawback, on_delete=models.PROTECT, null=True, blank=True, related_name="incentive_booking"
    )
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="+")
    available_at = models.DateTimeField(null=True, blank=True, help_text="When an accrual leaves its lock window")
    fact_received_at = models.DateTimeField(null=True, blank=True, help_text="Newest fact behind it (latency)")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["position", "seq"], name="incentive_booking_position_seq"),
            models.CheckConstraint(
                condition=(Q(kind="accrual") & Q(amount__gt=0)) | (Q(kind="clawback") & Q(amount__lt=0)),
                name="incentive_booking_sign_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["contract", "created_at"]), models.Index(fields=["creator", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} for {self.position}"


class Dirty(models.Model):
    """A collaboration whose facts changed since it was last evaluated (processed by the accrual follower).

    Every mark bumps ``generation``, and the follower clears the row only if the generation is still the one it
    read: a change marked (or committed) while the follower is taking the row keeps it, so it is evaluated again on
    the next pass instead of waiting for the sweep.
    """

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, primary_key=True, related_name="+")
    marked_at = models.DateTimeField(default=clock.now)
    fact_received_at = models.DateTimeField(null=True, blank=True)
    generation = models.BigIntegerField(default=1, db_default=1)

    def __str__(self) -> str:
        return f"dirty contract #{self.contract_id}"


class Cursor(models.Model):
    """How far the change feed has read one kind of tracking fact (by id)."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_id}"


class Spend(models.Model):
    """Money booked to a creator for a collaboration by one ledger transaction, as added to the rollups' ``spend``.

    One row per transaction (unique), so the follower that adds it can never count a transaction twice, and every
    unit of spend on a dashboard points back to its ledger transaction: a commission accrual (+), a milestone or
    hourly release (+, gross of the platform fee: what the brand paid) or a clawback (−).
    """

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Commission accrued")
        RELEASE = "release", _("Milestone released")
        CLAWBACK = "clawback", _("Clawed back")

    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    collaboration = models.CharField(max_length=80, help_text="The rollup key the amount was added to")
    amount = models.BigIntegerField(help_text="Signed, minor units of the campaign's currency")
    currency = models.CharField(max_length=3)
    booked_at = models.DateTimeField(help_text="When the ledger transaction happened (the rollup bucket)")
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["contract", "booked_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} (transaction #{self.transaction_id})"
