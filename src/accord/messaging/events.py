"""``publish``: the one call every domain service makes when something changes state.

Called inside the caller's transaction. It appends a system message to the subject's thread (created on first use
with the given organizations as participants; later calls add any organization not yet in it), creates in-app
notifications for the members of those organizations (per their preferences), records a webhook delivery for every
active endpoint of those organizations subscribed to the event type, and — only when the caller's transaction
commits — enqueues the immediate e-mails and the webhook deliveries. A rolled-back change leaves no trace.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.core import clock
from accord.core.errors import ValidationFailed

# Event types the platform publishes (others are accepted too; these get a readable label).
EVENT_LABELS: dict[str, Any] = {
    "campaign.opened": _("Campaign opened"),
    "campaign.invited": _("Invited to a campaign"),
    "application.sent": _("Application sent"),
    "offer.sent": _("Offer sent"),
    "offer.countered": _("Counter-offer sent"),
    "offer.declined": _("Offer declined"),
    "offer.withdrawn": _("Offer withdrawn"),
    "offer.expired": _("Offer expired"),
    "contract.signed": _("Contract signed"),
    "contract.activated": _("Contract active"),
    "contract.signature_added": _("Contract signed by one party"),
    "contract.amended": _("Amendment proposed"),
    "contract.amendment_signed": _("Amendment signed by one party"),
    "contract.amendment_declined": _("Amendment declined"),
    "contract.amendment_withdrawn": _("Amendment withdrawn"),
    "contract.completed": _("Contract completed"),
    "contract.terminated": _("Contract terminated"),
    "milestone.funded": _("Milestone funded"),
    "milestone.submitted": _("Work submitted"),
    "milestone.changes_requested": _("Changes requested"),
    "milestone.approved": _("Work approved"),
    "milestone.auto_approved": _("Work auto-approved after the review window"),
    "milestone.released": _("Payment released"),
    "milestone.overdue": _("Deadline passed"),
    "milestone.disputed": _("Milestone disputed"),
    "timesheet.submitted": _("Timesheet submitted"),
    "timesheet.approved": _("Timesheet approved"),
    "timesheet.queried": _("Timesheet queried"),
    "incentives.topup_needed": _("Earned commission waits for an escrow top-up"),
    "payout.paid": _("Payout paid"),
    "payout.failed": _("Payout failed"),
    "dispute.opened": _("Dispute opened"),
    "dispute.resolved": _("Dispute resolved"),
    "dispute.withdrawn": _("Dispute withdrawn"),
    "commitment.missed": _("A promised date was missed"),
    "message.posted": _("New message"),
}


def event_label(event_type: str) -> str:
    label = EVENT_LABELS.get(event_type)
    return str(label) if label is not None else event_type.replace(".", " ").replace("_", " ").capitalize()


def stored_label(event_type: str) -> str:
    """The label as stored in notification titles: always the source language, whoever triggered the event."""
    with translation.override(settings.LANGUAGE_CODE):
        return event_label(event_type)


def localized_title(event_type: str, title: str) -> str:
    """A stored notification title with its event label in the active language (the rest are names and titles)."""
    stored = stored_label(event_type)
    if title == stored or title.startswith(f"{stored} · "):
        return event_label(event_type) + title[len(stored) :]
    return title


def subject_title(subject: str) -> str:
    kind, _sep, ident = subject.partition(":")
    return f"{kind.replace('_', ' ').capitalize()} {ident}".strip()


def publish(
    event_type: str,
    *,
    subject: str,
    organization_ids: list[int],
    actor_label: str,
    data: dict[str, Any] | None = None,
) -> None:
    from accord.messaging import services

    if not event_type or len(event_type) > 80:
        raise ValidationFailed("event_type is required (at most 80 characters)", fields={"event_type": event_type})
    org_ids = sorted(set(organization_ids))
    if not org_ids:
        raise ValidationFailed("an event needs at least one organization", fields={"organization_ids": "empty"})
    if Organization.objects.filter(pk__in=org_ids).count() != len(org_ids):
        raise ValidationFailed("unknown organization", fields={"organization_ids": org_ids})
    # Round-trip through JSON once: what the message, notifications and webhooks store is exactly what was sent.
    payload: dict[str, Any] = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    with transaction.atomic():
        thread = services.ensure_thread(subject, org_ids, title=str(payload.get("title") or ""))
        message = services.append_system_message(thread, event_type, actor_label=actor_label, data=payload)
        announce(
            event_type,
            subject=subject,
            organization_ids=org_ids,
            actor_label=actor_label,
            title=f"{stored_label(event_type)} · {thread.title or subject}",
            data=payload,
            thread_data={"thread_id": thread.pk, "message_id": message.pk},
        )


def announce(
    event_type: str,
    *,
    subject: str,
    organization_ids: list[int],
    actor_label: str,
    title: str,
    data: dict[str, Any],
    thread_data: dict[str, Any] | None = None,
) -> None:
    """Notifications, e-mails and webhooks of one event (no thread message): used by ``publish`` and new messages."""
    from accord.messaging import notify, webhooks

    now = clock.now()
    with transaction.atomic():
        notification_ids = notify.fan_out(
            event_type,
            subject=subject,
            organization_ids=organization_ids,
            actor_label=actor_label,
            title=title,
            data={**data, **(thread_data or {})},
        )
        delivery_ids = webhooks.record_deliveries(
            event_type, subject=subject, organization_ids=organization_ids, actor_label=actor_label, data=data, at=now
        )
        if notification_ids:
            transaction.on_commit(lambda: notify.enqueue_emails(notification_ids))
        if delivery_ids:
            transaction.on_commit(lambda: webhooks.enqueue(delivery_ids))
