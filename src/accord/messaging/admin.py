from django.contrib import admin

from accord.messaging.models import (
    Message,
    Notification,
    NotificationPreference,
    Thread,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin[Thread]):
    list_display = ("id", "subject", "title", "last_message_at")
    search_fields = ("subject", "title")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ("id", "thread", "kind", "event_type", "actor_label", "created_at")
    list_filter = ("kind",)
    search_fields = ("thread__subject", "event_type", "actor_label")
    raw_id_fields = ("thread", "author", "organization")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("id", "user", "event_type", "title", "created_at", "read_at", "email", "emailed_at")
    list_filter = ("email", "event_type")
    raw_id_fields = ("user", "organization")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin[NotificationPreference]):
    list_display = ("user", "event_type", "channel")
    raw_id_fields = ("user",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ("id", "organization", "url", "active", "created_at")
    exclude = ("secret",)  # never displayed after creation
    raw_id_fields = ("organization",)


class AttemptInline(admin.TabularInline[WebhookAttempt, WebhookDelivery]):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "started_at", "status_code", "latency_ms", "succeeded", "error", "response_excerpt")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ("id", "endpoint", "event_type", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status", "event_type")
    readonly_fields = ("event_id", "body", "attempts", "last_status_code", "completed_at")
    raw_id_fields = ("endpoint", "redelivery_of")
    inlines = (AttemptInline,)
