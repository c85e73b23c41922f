"""Notifications: fan-out to the members of organizations per their preferences, immediate e-mails and the daily
digest. E-mails go out after commit (a task) and a periodic sweep resends any that a crash left unsent."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import translation

from accord.accounts.models import Membership, User
from accord.core import clock
from accord.messaging.models import Notification, NotificationPreference, NotificationSettings

logger = logging.getLogger("accord.messaging")

DEFAULT_CHANNEL = NotificationPreference.Channel.EMAIL
IMMEDIATE, DIGEST = "immediate", "digest"


def channels_for(user_ids: Iterable[int], event_type: str) -> dict[int, str]:
    """Each user's channel for ``event_type``: their own choice for it, else their default ("*"), else e-mail."""
    ids = list(user_ids)
    prefs: dict[tuple[int, str], str] = {
        (p.user_id, p.event_type): p.channel
        for p in NotificationPreference.objects.filter(user_id__in=ids, event_type__in=[event_type, "*"])
    }
    return {u: prefs.get((u, event_type)) or prefs.get((u, "*")) or DEFAULT_CHANNEL for u in ids}


def fan_out(
    event_type: str,
    *,
    subject: str,
    organization_ids: list[int],
    actor_label: str,
    title: str,
    data: dict[str, Any],
) -> list[int]:
    """Create the notifications of one event; return the ids of those to e-mail right away.

    Every active member of the organizations is told once (the acting user, identified by ``actor_label``, is not).
    """
    members = (
        Membership.objects.filter(organization_id__in=organization_ids, user__is_active=True)
        .select_related("user")
        .order_by("organization_id", "id")
    )
    recipients: dict[int, tuple[User, int]] = {}
    for m in members:
        if m.user.email != actor_label:
            recipients.setdefault(m.user_id, (m.user, m.organization_id))
    if not recipients:
        return []
    channels = channels_for(recipients, event_type)
    digest_users = set(
        NotificationSettings.objects.filter(user_id__in=recipients, daily_digest=True).values_list("user_id", flat=True)
    )
    now = clock.now()
    rows = []
    for user_id, (_user, org_id) in recipients.items():
        channel = channels[user_id]
        if channel == NotificationPreference.Channel.OFF:
            continue
        email = ""
        if channel == NotificationPreference.Channel.EMAIL:
            email = DIGEST if user_id in digest_users else IMMEDIATE
        rows.append(
            Notification(
                user_id=user_id,
                organization_id=org_id,
                event_type=event_type,
                subject=subject,
                title=title[:300],
                data={**data, "actor": actor_label},
                created_at=now,
                email=email,
            )
        )
    if connection.features.can_return_rows_from_bulk_insert:  # PostgreSQL, SQLite >= 3.35
        Notification.objects.bulk_create(rows)
    else:
        for row in rows:
            row.save()
    return [n.pk for n in rows if n.email == IMMEDIATE]


def enqueue_emails(notification_ids: list[int]) -> None:
    from accord.messaging.tasks import send_notification_emails

    try:
        send_notification_emails.enqueue(notification_ids)
    except Exception:  # the periodic sweep sends them later; the committed change must not fail on the queue
        logger.exception("could not enqueue notification e-mails; the sweep will send them")


def _render(template: str, user: User, context: dict[str, Any]) -> tuple[str, str]:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = render_to_string(f"messaging/email/{template}.txt", {"user": user, **context})
        html = render_to_string(f"messaging/email/{template}.html", {"user": user, **context})
    return text, html


def _thread_url(notification: Notification) -> str:
    thread_id = notification.data.get("thread_id")
    base = settings.SITE_URL.rstrip("/")
    return f"{base}/messages/{thread_id}/" if thread_id else f"{base}/messages/notifications/"


def _send(user: User, subject_line: str, template: str, context: dict[str, Any]) -> None:
    text, html = _render(template, user, context)
    mail = EmailMultiAlternatives(subject_line, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    mail.attach_alternative(html, "text/html")
    mail.send(fail_silently=False)


def send_immediate(notification_ids: list[int] | None = None) -> int:
    """Send the pending immediate e-mails (of ``notification_ids``, or all due); return how many went out.

    Each one is claimed first (a conditional update), so two senders never mail the same notification; a failed send
    releases the claim for the next sweep.
    """
    now = clock.now()
    pending = Notification.objects.filter(email=IMMEDIATE, emailed_at__isnull=True)
    if notification_ids is not None:
        pending = pending.filter(pk__in=notification_ids)
    sent = 0
    for n in pending.select_related("user").order_by("id"):
        if not Notification.objects.filter(pk=n.pk, emailed_at__isnull=True).update(emailed_at=now):
            continue
        try:
            with translation.override(n.user.language or settings.LANGUAGE_CODE):
                _send(n.user, f"[Accord] {n.shown_title}", "notification", {"n": n, "url": _thread_url(n)})
        except Exception:
            logger.exception("e-mail for notification %s failed; will retry", n.pk)
            Notification.objects.filter(pk=n.pk, emailed_at=now).update(emailed_at=None)
            continue
        sent += 1
    return sent


def _digest_due(s: NotificationSettings, now: datetime) -> bool:
    return s.last_digest_at is None or s.last_digest_at.date() < now.date()


def send_digests() -> int:
    """One e-mail per user with daily digest on, at most once per (UTC) day, listing their unsent notifications."""
    now = clock.now()
    sent = 0
    user_ids = (
        Notification.objects.filter(email=DIGEST, emailed_at__isnull=True).values_list("user_id", flat=True).distinct()
    )
    for user_id in sorted(set(user_ids)):
        with transaction.atomic():
            s, _ = NotificationSettings.objects.select_for_update().get_or_create(user_id=user_id)
            if not _digest_due(s, now):
                continue
            items = list(
                Notification.objects.select_for_update()
                .filter(user_id=user_id, email=DIGEST, emailed_at__isnull=True)
                .order_by("id")
            )
            if not items:
                continue
            user = User.objects.get(pk=user_id)
            with translation.override(user.language or settings.LANGUAGE_CODE):
                subject_line = translation.gettext("[Accord] Your daily digest: %(count)d updates") % {
                    "count": len(items)
                }
                _send(
                    user,
                    subject_line,
                    "digest",
                    {"items": [(n, _thread_url(n)) for n in items], "day": now.date()},
                )
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
            s.last_digest_at = now
            s.save(update_fields=["last_digest_at"])
            sent += 1
    return sent
