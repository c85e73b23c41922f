"""Threads and messages between the organizations of one collaboration, in-app notifications with per-user
preferences, and outgoing webhooks (endpoints, deliveries, attempts)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.core import clock


class Thread(models.Model):
    """One conversation per collaboration subject, e.g. ``contract:12`` or ``campaign:3``."""

    subject = models.CharField(max_length=120, unique=True)
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    last_message_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.title or self.subject


class ThreadParticipant(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "organization"], name="thread_participant_unique")]

    def __str__(self) -> str:
        return f"{self.organization_id} in {self.thread_id}"


class Message(models.Model):
    class Kind(models.TextChoices):
        USER = "user", _("Message")
        SYSTEM = "system", _("System")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.USER)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    event_type = models.CharField(max_length=80, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["thread", "id"], name="message_thread_id")]

    def __str__(self) -> str:
        return f"{self.kind} message {self.pk} in {self.thread_id}"

    @property
    def shown_body(self) -> str:
        """A system message's body is its event's label, shown in the reader's language; people's words as written."""
        if self.kind == self.Kind.SYSTEM and self.event_type:
            from accord.messaging.events import localized_title

            return localized_title(self.event_type, self.body)
        return self.body


def attachment_path(instance: Attachment, filename: str) -> str:
    """An unguessable folder per file: attachments are served only through the participants-only views."""
    return f"messaging/{clock.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.name


class ReadState(models.Model):
    """How far one user has read one thread (the id of the last message seen)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="read_state_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} up to {self.last_read_message_id}"


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=80)
    subject = models.CharField(max_length=120, blank=True)
    title = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail: "" (in-app only), "immediate" or "digest"; sent/digested when the mail went out.
    email = models.CharField(max_length=10, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_read"),
            models.Index(fields=["email", "emailed_at"], name="notification_email_pending"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        """The title in the active language: the event label is stored in English and translated when shown."""
        from accord.messaging.events import localized_title

        return localized_title(self.event_type, self.title)


class NotificationPreference(models.Model):
    """Per user and event type: in-app only, in-app plus e-mail, or off. ``event_type="*"`` is the user's default."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("In-app")
        EMAIL = "email", _("In-app and e-mail")
        OFF = "off", _("Off")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=80)
    channel = models.CharField(max_length=8, choices=Channel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event_type"], name="notification_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event_type}: {self.channel}"


class NotificationSettings(models.Model):
    """A user's e-mail rhythm: with ``daily_digest`` e-mail notifications are gathered into one mail a day."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    daily_digest = models.BooleanField(default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} digest={self.daily_digest}"


class WebhookEndpoint(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # The signing secret must be readable to sign; the API shows it once, at creation.
    secret = models.CharField(max_length=100)
    event_types = models.JSONField(default=list, help_text="Event types delivered; ['*'] for all")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)
    disabled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=80)
    body = models.TextField(help_text="The exact JSON body sent (and signed)")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    redelivery_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    succeeded = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"
