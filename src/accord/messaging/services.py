"""Messaging services: threads, messages with attachments, read state, notification preferences, webhook endpoints.

Each state change is one ``transaction.atomic`` block (joining the caller's, when there is one).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from accord.accounts.auth import Principal
from accord.accounts.models import Role, User
from accord.core import clock
from accord.core.errors import PermissionDenied, ValidationFailed
from accord.messaging import destinations, signing
from accord.messaging.models import (
    Attachment,
    Message,
    Notification,
    NotificationPreference,
    NotificationSettings,
    ReadState,
    Thread,
    ThreadParticipant,
    WebhookDelivery,
    WebhookEndpoint,
)

ALLOWED_ATTACHMENT_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "video/mp4",
    "video/quicktime",
    "text/plain",
    "text/csv",
}
MAX_ATTACHMENTS = 5
MAX_BODY = 10_000


def max_attachment_bytes() -> int:
    return int(getattr(settings, "ACCORD_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


# -- threads ---------------------------------------------------------------------------------------------------------


def ensure_thread(subject: str, organization_ids: Sequence[int], title: str = "") -> Thread:
    """The thread of ``subject`` (created on first use); every organization given becomes a participant."""
    from accord.messaging.events import subject_title

    if not subject or len(subject) > 120:
        raise ValidationFailed(gettext("subject is required (at most 120 characters)"), fields={"subject": subject})
    with transaction.atomic():
        thread = Thread.objects.filter(subject=subject).first()
        if thread is None:
            try:
                with transaction.atomic():
                    thread = Thread.objects.create(subject=subject, title=(title or subject_title(subject))[:200])
            except IntegrityError:
                thread = Thread.objects.get(subject=subject)
        have = set(thread.participants.values_list("organization_id", flat=True))
        missing = [o for o in dict.fromkeys(organization_ids) if o not in have]
        if missing:
            ThreadParticipant.objects.bulk_create(
                [ThreadParticipant(thread=thread, organization_id=o) for o in missing], ignore_conflicts=True
            )
    return thread


def _touch(thread: Thread, at: Any) -> None:
    Thread.objects.filter(pk=thread.pk).update(last_message_at=at)


def append_system_message(thread: Thread, event_type: str, *, actor_label: str, data: dict[str, Any]) -> Message:
    from accord.messaging.events import stored_label

    now = clock.now()
    with transaction.atomic():
        message = Message.objects.create(
            thread=thread,
            kind=Message.Kind.SYSTEM,
            actor_label=actor_label[:200],
            body=stored_label(event_type),
            event_type=event_type,
            data=data,
            created_at=now,
        )
        _touch(thread, now)
    return message


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str
    size: int
    file: UploadedFile


def content_matches(content_type: str, head: bytes) -> bool:
    """Whether the first bytes of a file look like ``content_type`` (the client's word is not enough)."""
    if content_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if content_type == "image/gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if content_type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if content_type == "application/pdf":
        return head.startswith(b"%PDF-")
    if content_type in ("video/mp4", "video/quicktime"):
        return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
    if content_type in ("text/plain", "text/csv"):
        if b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:  # a multi-byte character cut at the end of the sample is fine
            return exc.start >= len(head) - 3
        return True
    return False


def check_upload(f: UploadedFile) -> Upload:
    name = (f.name or "attachment").rsplit("/", 1)[-1][:200]
    declared = (f.content_type or "").split(";")[0].strip().lower()
    guessed = mimetypes.guess_type(name)[0]
    if declared not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationFailed(
            gettext("attachments of type %(type)s are not accepted") % {"type": declared or "unknown"},
            code="attachment_type",
            fields={"file": name, "allowed": sorted(ALLOWED_ATTACHMENT_TYPES)},
        )
    if guessed != declared:
        raise ValidationFailed(
            gettext("the file name does not match its type"),
            code="attachment_type",
            fields={"file": name, "type": declared},
        )
    size = f.size or 0
    if size <= 0 or size > max_attachment_bytes():
        raise ValidationFailed(
            gettext("attachments must be between 1 byte and %(limit)s bytes") % {"limit": max_attachment_bytes()},
            code="attachment_size",
            fields={"file": name, "size": size},
        )
    f.seek(0)
    head = f.read(512)
    f.seek(0)
    if not content_matches(declared, head):
        raise ValidationFailed(
            gettext("the file's content does not match its type"), code="attachment_type", fields={"file": name}
        )
    return Upload(name, declared, size, f)


def post_message(principal: Principal, thread: Thread, body: str, files: Sequence[UploadedFile] = ()) -> Message:
    """A member's message (with optional attachments); the other participants are notified (``message.posted``)."""
    from accord.messaging import events

    principal.require(Role.MEMBER)
    if not ThreadParticipant.objects.filter(thread=thread, organization_id=principal.org_id).exists():
        raise PermissionDenied(gettext("only participants can write in this thread"), code="not_a_participant")
    body = body.strip()
    if not body and not files:
        raise ValidationFailed(gettext("a message needs text or an attachment"), fields={"body": "empty"})
    if len(body) > MAX_BODY:
        raise ValidationFailed(
            gettext("at most %(limit)s characters") % {"limit": MAX_BODY}, fields={"body": "too long"}
        )
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            gettext("at most %(limit)s attachments") % {"limit": MAX_ATTACHMENTS},
            fields={"files": len(files)},
        )
    uploads = [check_upload(f) for f in files]
    now = clock.now()
    with transaction.atomic():
        message = Message.objects.create(
            thread=thread,
            kind=Message.Kind.USER,
            author=principal.user,
            organization=principal.organization,
            actor_label=principal.label,
            body=body,
            created_at=now,
        )
        for up in uploads:
            att = Attachment(message=message, name=up.name, content_type=up.content_type, size=up.size, created_at=now)
            att.file.save(up.name, up.file, save=False)
            att.save()
        _touch(thread, now)
        if principal.user is not None:
            _mark_read(thread, principal.user, message.pk)
        orgs = list(thread.participants.values_list("organization_id", flat=True))
        events.announce(
            "message.posted",
            subject=thread.subject,
            organization_ids=orgs,
            actor_label=principal.label,
            title=f"{principal.organization.name}: {body[:120] or message.attachments.first()}",
            data={"thread_id": thread.pk, "message_id": message.pk, "organization_id": principal.org_id},
        )
    return message


def _mark_read(thread: Thread, user: User, upto: int) -> ReadState:
    state, _ = ReadState.objects.get_or_create(thread=thread, user=user)
    if upto > state.last_read_message_id:
        state.last_read_message_id = upto
        state.updated_at = clock.now()
        state.save(update_fields=["last_read_message_id", "updated_at"])
    return state


def mark_read(principal: Principal, thread: Thread, upto: int | None = None) -> ReadState:
    """Move the caller's read mark forward (to ``upto`` or the newest message); it never moves back."""
    user = principal.require_user()
    with transaction.atomic():
        last = thread.messages.order_by("-id").values_list("id", flat=True).first() or 0
        return _mark_read(thread, user, min(upto, last) if upto is not None else last)


def unread_counts(user: User, thread_ids: Sequence[int]) -> dict[int, int]:
    marks = dict(
        ReadState.objects.filter(user=user, thread_id__in=thread_ids).values_list("thread_id", "last_read_message_id")
    )
    return {
        tid: Message.objects.filter(thread_id=tid, id__gt=marks.get(tid, 0)).exclude(author=user).count()
        for tid in thread_ids
    }


# -- notifications ---------------------------------------------------------------------------------------------------


def user_notifications(principal: Principal) -> QuerySet[Notification]:
    user = principal.require_user()
    return Notification.objects.filter(user=user, organization_id=principal.org_id)


def mark_notifications_read(principal: Principal, ids: Sequence[int] | None = None) -> int:
    """Mark the caller's notifications read (the given ones, or all); return how many changed."""
    with transaction.atomic():
        rows = user_notifications(principal).filter(read_at__isnull=True)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        return rows.update(read_at=clock.now())


def set_preferences(principal: Principal, channels: dict[str, str], daily_digest: bool | None = None) -> dict[str, Any]:
    """Set the caller's channel per event type (``"*"``: default) and, optionally, the daily digest option."""
    user = principal.require_user()
    valid = set(NotificationPreference.Channel.values)
    for event_type, channel in channels.items():
        if channel not in valid and channel != "default":
            raise ValidationFailed(
                gettext("unknown channel %(channel)s") % {"channel": channel},
                fields={event_type: f"one of {sorted(valid)}"},
            )
        if not event_type or len(event_type) > 80:
            raise ValidationFailed(gettext("invalid event type"), fields={"event_type": event_type})
    with transaction.atomic():
        for event_type, channel in channels.items():
            if channel == "default":
                NotificationPreference.objects.filter(user=user, event_type=event_type).delete()
            else:
                NotificationPreference.objects.update_or_create(
                    user=user, event_type=event_type, defaults={"channel": channel}
                )
        if daily_digest is not None:
            NotificationSettings.objects.update_or_create(user=user, defaults={"daily_digest": daily_digest})
    return preferences(user)


def preferences(user: User) -> dict[str, Any]:
    s = NotificationSettings.objects.filter(user=user).first()
    return {
        "channels": dict(
            NotificationPreference.objects.filter(user=user).order_by("event_type").values_list("event_type", "channel")
        ),
        "daily_digest": bool(s and s.daily_digest),
    }


# -- webhook endpoints -----------------------------------------------------------------------------------------------


def _check_endpoint(url: str, event_types: Sequence[str]) -> list[str]:
    from accord.messaging import webhooks

    try:
        destinations.check_url(url, allow_private=webhooks.allow_private(), allow_http=webhooks.allow_http())
    except destinations.DestinationRefused as exc:
        raise ValidationFailed(str(exc), code="webhook_url", fields={"url": str(exc)}) from None
    types = sorted({t.strip() for t in event_types if t.strip()})
    if not types or any(len(t) > 80 for t in types):
        raise ValidationFailed(
            gettext("name at least one event type ('*' for all)"), fields={"event_types": event_types}
        )
    return types


def create_endpoint(
    principal: Principal, *, url: str, event_types: Sequence[str], description: str = ""
) -> WebhookEndpoint:
    """A new endpoint with a fresh signing secret (the caller shows it once)."""
    principal.require(Role.ADMIN)
    types = _check_endpoint(url, event_types)
    with transaction.atomic():
        ep = WebhookEndpoint.objects.create(
            organization=principal.organization,
            url=url,
            description=description[:200],
            secret=signing.new_secret(),
            event_types=types,
        )
        principal.audit("webhook.endpoint_created", "webhook_endpoint", ep.pk, {"url": url, "event_types": types})
    return ep


def update_endpoint(
    principal: Principal,
    ep: WebhookEndpoint,
    *,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    principal.require(Role.ADMIN)
    types = _check_endpoint(url or ep.url, event_types if event_types is not None else ep.event_types)
    with transaction.atomic():
        ep.url = url or ep.url
        ep.event_types = types
        if description is not None:
            ep.description = description[:200]
        if active is not None and active != ep.active:
            ep.active = active
            ep.disabled_at = None if active else clock.now()
        ep.save()
        principal.audit("webhook.endpoint_updated", "webhook_endpoint", ep.pk, {"url": ep.url, "active": ep.active})
    return ep


def rotate_secret(principal: Principal, ep: WebhookEndpoint) -> WebhookEndpoint:
    principal.require(Role.ADMIN)
    with transaction.atomic():
        ep.secret = signing.new_secret()
        ep.save(update_fields=["secret"])
        principal.audit("webhook.secret_rotated", "webhook_endpoint", ep.pk)
    return ep


def delete_endpoint(principal: Principal, ep: WebhookEndpoint) -> None:
    principal.require(Role.ADMIN)
    with transaction.atomic():
        principal.audit("webhook.endpoint_deleted", "webhook_endpoint", ep.pk, {"url": ep.url})
        ep.delete()


def redeliver(principal: Principal, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send an event again, as a new delivery with the same event id and body (re-signed at send time)."""
    from accord.messaging import webhooks

    principal.require(Role.ADMIN)
    now = clock.now()
    with transaction.atomic():
        copy = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            body=delivery.body,
            next_attempt_at=now,
            redelivery_of=delivery,
            created_at=now,
        )
        principal.audit("webhook.redelivered", "webhook_delivery", delivery.pk, {"new_delivery": copy.pk})
        transaction.on_commit(lambda: webhooks.enqueue([copy.pk]))
    return copy


def test_event(principal: Principal, ep: WebhookEndpoint) -> WebhookDelivery:
    """A ``webhook.test`` delivery to one endpoint, whatever its subscriptions (to check a receiver)."""
    from accord.messaging import webhooks

    principal.require(Role.ADMIN)
    now = clock.now()
    with transaction.atomic():
        d = WebhookDelivery(endpoint=ep, event_type="webhook.test", next_attempt_at=now, created_at=now)
        d.body = webhooks.event_body(
            str(d.event_id),
            "webhook.test",
            subject=f"webhook_endpoint:{ep.pk}",
            organization_id=ep.organization_id,
            actor_label=principal.label,
            data={},
            at=now,
        )
        d.save()
        transaction.on_commit(lambda: webhooks.enqueue([d.pk]))
    return d
