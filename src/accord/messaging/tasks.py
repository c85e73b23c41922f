"""Background tasks (django-tasks): run by ``accord worker`` after the publishing transaction commits."""

from __future__ import annotations

from django_tasks import task

from accord.messaging import notify, webhooks


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    return notify.send_immediate(notification_ids)


@task()
def deliver_webhook(delivery_id: int) -> bool:
    """One attempt of one delivery; a failure schedules the next attempt itself (with backoff)."""
    return webhooks.attempt(delivery_id) is not None
