"""Messaging's part of an organization's export and erasure: the threads it takes part in with their messages and
a list of attachments, its members' notifications and its webhook endpoints (never their secrets). Erasure blanks
what its members wrote and removes their files; the thread stays, so the other party keeps its own messages."""

from __future__ import annotations

from typing import Any

from accord.accounts.models import Organization
from accord.accounts.privacy_rows import rows
from accord.messaging.models import Attachment, Message, Notification, Thread, WebhookEndpoint


def export(org: Organization) -> dict[str, list[dict[str, Any]]]:
    threads = Thread.objects.filter(participants__organization=org)
    messages = Message.objects.filter(thread__in=threads)
    return {
        "threads": rows(threads),
        "messages": rows(messages),
        "attachments": rows(Attachment.objects.filter(message__in=messages), exclude=["file"]),
        "notifications": rows(Notification.objects.filter(organization=org)),
        "webhook_endpoints": rows(WebhookEndpoint.objects.filter(organization=org), exclude=["secret"]),
    }


def erase(org: Organization) -> None:
    written = Message.objects.filter(organization=org, kind=Message.Kind.USER)
    for attachment in Attachment.objects.filter(message__in=written):
        attachment.file.delete(save=False)
        attachment.delete()
    written.update(body="", actor_label="", data={})
    Notification.objects.filter(organization=org).delete()
    WebhookEndpoint.objects.filter(organization=org).delete()
