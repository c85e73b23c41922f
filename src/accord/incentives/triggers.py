"""Re-accrual at once: changes the id feed cannot see mark their collaborations dirty in the same transaction.

``scan_changes`` reads new tracking facts by id; it cannot see a milestone approved, a timesheet approved, a fraud
flag cleared, or escrow topped up, which the 60 s sweep would otherwise find. These ``post_save`` receivers run inside
the transaction that saves the row, so the ``Dirty`` mark commits (or rolls back) with the change itself and the
``accord incentives follow`` loop books it on its next pass (~0.1 s). New snapshots are marked here as well, so
their accrual does not wait for the feed's next read; new flags arrive with their facts through the feed.

A new tracking link or promo code is tagged, before it is saved, with the collaboration it is made for
(``services.tag_for``: the contract of its campaign and creator when they have exactly one), so every fact it brings
is counted under that contract's one rollup key (``accord.tracking.rollups``).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save

from accord.contracts.models import Milestone, Timesheet
from accord.escrow.models import Deposit
from accord.incentives import services
from accord.incentives.models import State
from accord.tracking.clickstore import clicks_stored
from accord.tracking.models import FraudFlag, PostMetricSnapshot, PromoCode, TrackingLink

EARNING_MILESTONE = (Milestone.Status.APPROVED, Milestone.Status.RELEASED)


def _milestone_saved(sender: type[Milestone], instance: Milestone, **kwargs: Any) -> None:
    if instance.status in EARNING_MILESTONE:
        services.mark_dirty([instance.contract_id])


def _timesheet_saved(sender: type[Timesheet], instance: Timesheet, **kwargs: Any) -> None:
    if instance.status == Timesheet.Status.APPROVED:
        services.mark_dirty([instance.contract_id])


def _collaboration_changed(campaign_id: int, creator_id: int, received: Any = None) -> None:
    services.mark_dirty(services.contracts_for_pairs({(campaign_id, creator_id)}), received)


def _flag_saved(sender: type[FraudFlag], instance: FraudFlag, created: bool = False, **kwargs: Any) -> None:
    if not created and not instance.excluded:  # cleared; a new flag comes through the id feed with its fact
        _collaboration_changed(instance.campaign_id, instance.creator_id)


def _snapshot_saved(
    sender: type[PostMetricSnapshot], instance: PostMetricSnapshot, created: bool = False, **kwargs: Any
) -> None:
    if created:
        _collaboration_changed(instance.campaign_id, instance.creator_id, instance.created_at)


def _clicks_stored(sender: Any, pairs: set[tuple[int, int]], newest: Any, **kwargs: Any) -> None:
    if pairs:  # redirect clicks are bulk-inserted by tracking's loader: no post_save, and no id feed of their own
        services.mark_dirty(services.contracts_for_pairs(pairs), newest)


def _link_made(sender: type[TrackingLink], instance: TrackingLink, **kwargs: Any) -> None:
    if instance._state.adding:
        instance.collaboration = services.tag_for(instance.campaign_id, instance.creator_id, instance.collaboration)


def _code_made(sender: type[PromoCode], instance: PromoCode, **kwargs: Any) -> None:
    if instance._state.adding:
        tag = instance.collaboration or (instance.link.collaboration if instance.link_id and instance.link else "")
        instance.collaboration = services.tag_for(instance.campaign_id, instance.creator_id, tag)


def _deposit_saved(sender: type[Deposit], instance: Deposit, **kwargs: Any) -> None:
    if instance.status == Deposit.Status.CONFIRMED:
        waiting = State.objects.filter(campaign_id=instance.campaign_id, status=State.Status.AWAITING_FUNDS)
        services.mark_dirty(waiting.values_list("contract_id", flat=True))


def connect() -> None:
    post_save.connect(_milestone_saved, sender=Milestone, dispatch_uid="incentives.milestone")
    post_save.connect(_timesheet_saved, sender=Timesheet, dispatch_uid="incentives.timesheet")
    post_save.connect(_flag_saved, sender=FraudFlag, dispatch_uid="incentives.fraud_flag")
    post_save.connect(_snapshot_saved, sender=PostMetricSnapshot, dispatch_uid="incentives.snapshot")
    post_save.connect(_deposit_saved, sender=Deposit, dispatch_uid="incentives.deposit")
    clicks_stored.connect(_clicks_stored, dispatch_uid="incentives.clicks")
    pre_save.connect(_link_made, sender=TrackingLink, dispatch_uid="incentives.link_made")
    pre_save.connect(_code_made, sender=PromoCode, dispatch_uid="incentives.code_made")
