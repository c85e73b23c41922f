"""Web pages: threads (with htmx polling for new messages), notifications, preferences, webhook endpoints."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts.auth import Principal
from accord.accounts.models import Role, role_at_least
from accord.accounts.pages import require_principal as _principal
from accord.core.errors import DomainError, NotFound
from accord.core.tenancy import get_scoped, scoped
from accord.messaging import events, services
from accord.messaging.models import (
    Attachment,
    Message,
    NotificationPreference,
    Thread,
    WebhookDelivery,
    WebhookEndpoint,
)

PAGE = 100


def _thread(p: Principal, thread_id: int) -> Thread:
    try:
        return get_scoped(Thread.objects.all(), p.org_id, "participants__organization", pk=thread_id)
    except NotFound:
        raise Http404("thread not found") from None


@login_required
def thread_list(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    threads = list(
        scoped(Thread.objects.all(), p.org_id, "participants__organization").order_by("-last_message_at")[:PAGE]
    )
    unread = services.unread_counts(p.require_user(), [t.pk for t in threads])
    rows = [(t, unread[t.pk]) for t in threads]
    return render(request, "messaging/threads.html", {"rows": rows, "principal": p})


def _messages_after(thread: Thread, after: int) -> list[Message]:
    return list(
        Message.objects.filter(thread=thread, id__gt=after).prefetch_related("attachments").order_by("id")[:PAGE]
    )


@login_required
def thread_detail(request: HttpRequest, thread_id: int) -> HttpResponse:
    p = _principal(request)
    thread = _thread(p, thread_id)
    if request.method == "POST":
        try:
            services.post_message(p, thread, request.POST.get("body", ""), request.FILES.getlist("files"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("messaging:thread", thread_id=thread.pk)
    newest = list(Message.objects.filter(thread=thread).order_by("-id").values_list("id", flat=True)[:PAGE])
    items = _messages_after(thread, min(newest) - 1 if newest else 0)
    last = items[-1].pk if items else 0
    services.mark_read(p, thread, last)
    return render(
        request,
        "messaging/thread.html",
        {
            "thread": thread,
            "items": items,
            "last": last,
            "can_post": role_at_least(p.role, Role.MEMBER),
            "participants": thread.participants.select_related("organization"),
            "principal": p,
        },
    )


@login_required
def thread_by_subject(request: HttpRequest, subject: str) -> HttpResponse:
    """``/messages/s/contract:12/``: other pages link to a collaboration's thread by its subject."""
    p = _principal(request)
    thread = scoped(Thread.objects.all(), p.org_id, "participants__organization").filter(subject=subject).first()
    if thread is None:
        raise Http404("thread not found")
    return redirect("messaging:thread", thread_id=thread.pk)


@login_required
def thread_poll(request: HttpRequest, thread_id: int) -> HttpResponse:
    """htmx polling: messages newer than ``after``, appended to the list, and the poller with the new mark."""
    p = _principal(request)
    thread = _thread(p, thread_id)
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        after = 0
    items = _messages_after(thread, after)
    last = items[-1].pk if items else after
    if items:
        services.mark_read(p, thread, last)
    return render(request, "messaging/_poll.html", {"thread": thread, "items": items, "last": last})


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    p = _principal(request)
    att = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if att is None:
        raise Http404("attachment not found")
    _thread(p, att.message.thread_id)  # participants only
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.content_type)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    if request.method == "POST":
        count = services.mark_notifications_read(p)
        messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
        return redirect("messaging:notifications")
    items = list(services.user_notifications(p).order_by("-id")[:PAGE])
    return render(request, "messaging/notifications.html", {"items": items})


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    p = _principal(request)
    n = services.user_notifications(p).filter(pk=notification_id).first()
    if n is None:
        raise Http404("notification not found")
    services.mark_notifications_read(p, [n.pk])
    thread_id = n.data.get("thread_id")
    return redirect("messaging:thread", thread_id=thread_id) if thread_id else redirect("messaging:notifications")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    user = p.require_user()
    event_types = ["*", *events.EVENT_LABELS]
    if request.method == "POST":
        channels = {}
        for et in event_types:
            value = request.POST.get(f"channel:{et}", "default")
            channels[et] = value if value in NotificationPreference.Channel.values else "default"
        try:
            services.set_preferences(p, channels, daily_digest=request.POST.get("daily_digest") == "on")
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Notification preferences saved."))
        return redirect("messaging:preferences")
    current = services.preferences(user)
    rows = [
        (et, _("Default for everything") if et == "*" else events.event_label(et), current["channels"].get(et, ""))
        for et in event_types
    ]
    return render(
        request,
        "messaging/preferences.html",
        {"rows": rows, "daily_digest": current["daily_digest"], "choices": NotificationPreference.Channel.choices},
    )


def _admin(request: HttpRequest) -> Principal:
    p = _principal(request)
    if not role_at_least(p.role, Role.ADMIN):
        raise Http404("admins only")
    return p


@login_required
def webhooks(request: HttpRequest) -> HttpResponse:
    p = _admin(request)
    created = None
    if request.method == "POST":
        types = [t.strip() for t in request.POST.get("event_types", "").replace(",", " ").split() if t.strip()]
        try:
            created = services.create_endpoint(
                p,
                url=request.POST.get("url", "").strip(),
                event_types=types,
                description=request.POST.get("description", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    endpoints = scoped(WebhookEndpoint.objects.all(), p.org_id).order_by("id")
    return render(
        request,
        "messaging/webhooks.html",
        {"endpoints": endpoints, "created": created, "event_types": list(events.EVENT_LABELS)},
    )


@login_required
def webhook_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    p = _admin(request)
    try:
        ep = get_scoped(WebhookEndpoint.objects.all(), p.org_id, pk=endpoint_id)
    except NotFound:
        raise Http404("endpoint not found") from None
    deliveries = list(
        WebhookDelivery.objects.filter(endpoint=ep).prefetch_related("attempt_log").order_by("-id")[:PAGE]
    )
    return render(request, "messaging/webhook_detail.html", {"endpoint": ep, "deliveries": deliveries})


@login_required
@require_POST
def webhook_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    p = _admin(request)
    try:
        d = get_scoped(WebhookDelivery.objects.all(), p.org_id, "endpoint__organization", pk=delivery_id)
    except NotFound:
        raise Http404("delivery not found") from None
    services.redeliver(p, d)
    messages.success(request, _("The event is being sent again."))
    return redirect("messaging:webhook", endpoint_id=d.endpoint_id)
