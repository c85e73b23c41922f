"""Messaging API: threads and messages (participants only), notifications and preferences (per signed-in user),
outgoing webhook endpoints, their delivery log and manual redelivery (organization admins)."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.accounts.auth import Principal
from accord.accounts.models import Role
from accord.core.errors import NotFound
from accord.core.pagination import CursorPagination
from accord.core.schemas import ERRORS, responses
from accord.core.tenancy import get_scoped, scoped
from accord.messaging import services
from accord.messaging.models import Attachment, Message, Notification, Thread, WebhookDelivery, WebhookEndpoint

router = Router(tags=["messaging"])
PREFIX = ""

DOWNLOAD = {200: None, **ERRORS}


def _reader(request: HttpRequest) -> Principal:
    p = principal(request)
    p.require(Role.VIEWER)
    return p


def _thread(p: Principal, thread_id: int) -> Thread:
    return get_scoped(Thread.objects.all(), p.org_id, "participants__organization", pk=thread_id)


def _admin(request: HttpRequest) -> Principal:
    p = principal(request)
    p.require(Role.ADMIN)
    return p


def _endpoint(p: Principal, endpoint_id: int) -> WebhookEndpoint:
    return get_scoped(WebhookEndpoint.objects.all(), p.org_id, pk=endpoint_id)


def _delivery(p: Principal, delivery_id: int) -> WebhookDelivery:
    return get_scoped(
        WebhookDelivery.objects.select_related("endpoint"), p.org_id, "endpoint__organization", pk=delivery_id
    )


# -- schemas -------------------------------------------------------------------------------------------------------


class ThreadOut(Schema):
    id: int
    subject: str
    title: str
    created_at: datetime
    last_message_at: datetime
    participants: list[int] = Field(..., description="Ids of the participant organizations")
    unread: int | None = Field(None, description="Messages the signed-in user has not read (null for API keys)")

    @staticmethod
    def resolve_participants(obj: Thread) -> list[int]:
        return sorted(p.organization_id for p in obj.participants.all())

    @staticmethod
    def resolve_unread(obj: Thread, context: Any) -> int | None:
        user = principal(context["request"]).user
        return services.unread_counts(user, [obj.pk])[obj.pk] if user is not None else None


class ThreadFilter(Schema):
    subject: str | None = Field(None, max_length=120, description="Exact subject, e.g. contract:12")


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    thread_id: int
    kind: str
    author_id: int | None
    organization_id: int | None
    actor_label: str
    body: str
    event_type: str
    data: dict[str, Any]
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Message) -> list[dict[str, Any]]:
        return [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "url": f"/api/v1/threads/{obj.thread_id}/attachments/{a.pk}",
            }
            for a in obj.attachments.all()
        ]


class ReadIn(Schema):
    upto: int | None = Field(None, ge=0, description="Last message id read; omitted: the newest")


class ReadOut(Schema):
    thread_id: int
    last_read_message_id: int
    unread: int


class NotificationOut(Schema):
    id: int
    event_type: str
    subject: str
    title: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    email: str = Field(..., description='"" (in-app only), "immediate" or "digest"')
    emailed_at: datetime | None


class NotificationFilter(Schema):
    unread: bool | None = None


class MarkReadIn(Schema):
    ids: list[int] | None = Field(None, max_length=500, description="Notification ids; omitted: all")


class CountOut(Schema):
    updated: int


class PreferencesIn(Schema):
    channels: dict[str, str] = Field(
        default_factory=dict,
        description='Event type (or "*" for the default) -> "in_app" | "email" | "off" | "default" (remove)',
    )
    daily_digest: bool | None = None


class PreferencesOut(Schema):
    channels: dict[str, str]
    daily_digest: bool


class EndpointIn(Schema):
    url: str = Field(..., max_length=500)
    event_types: list[str] = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=200)


class EndpointPatch(Schema):
    url: str | None = Field(None, max_length=500)
    event_types: list[str] | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=200)
    active: bool | None = None


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    active: bool
    created_at: datetime
    disabled_at: datetime | None


class EndpointCreated(EndpointOut):
    secret: str = Field(..., description="The signing secret. Shown once: store it now.")


class AttemptOut(Schema):
    number: int
    started_at: datetime
    status_code: int | None
    latency_ms: int
    succeeded: bool
    error: str
    response_excerpt: str


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    redelivery_of_id: int | None
    created_at: datetime
    completed_at: datetime | None

    @staticmethod
    def resolve_event_id(obj: WebhookDelivery) -> str:
        return str(obj.event_id)


class DeliveryDetail(DeliveryOut):
    body: str
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_attempt_log(obj: WebhookDelivery) -> list[Any]:
        return list(obj.attempt_log.order_by("number"))


# -- threads and messages ------------------------------------------------------------------------------------------


@router.get("/threads", response=responses(list[ThreadOut]))
@paginate(CursorPagination)
def list_threads(request: HttpRequest, filters: Query[ThreadFilter]) -> QuerySet[Thread]:
    """Threads the caller's organization takes part in (``subject=contract:12`` finds one collaboration's)."""
    qs = scoped(Thread.objects.prefetch_related("participants"), _reader(request).org_id, "participants__organization")
    return qs.filter(subject=filters.subject) if filters.subject else qs


@router.get("/threads/{thread_id}", response=responses(ThreadOut))
def get_thread(request: HttpRequest, thread_id: int) -> Any:
    return _thread(_reader(request), thread_id)


@router.get("/threads/{thread_id}/messages", response=responses(list[MessageOut]))
@paginate(CursorPagination)
def list_messages(request: HttpRequest, thread_id: int) -> QuerySet[Message]:
    """Oldest first; poll with the last page's ``next_cursor`` (or the newest id you hold) for new ones."""
    p = _reader(request)
    thread = _thread(p, thread_id)
    return Message.objects.filter(thread=thread).prefetch_related("attachments")


@router.post("/threads/{thread_id}/messages", response=responses(MessageOut, 201))
def post_message(
    request: HttpRequest,
    thread_id: int,
    body: Form[str] = "",
    files: list[UploadedFile] | None = File(None),  # noqa: B008 - ninja's way to mark an optional file list
) -> Any:
    """A message with up to 5 attachments (images, PDF, MP4/MOV, text/CSV; 10 MB each), as multipart form data."""
    p = _reader(request)
    thread = _thread(p, thread_id)
    message = services.post_message(p, thread, body, list(files or []))
    return Status(201, message)


@router.get("/threads/{thread_id}/attachments/{attachment_id}", response=DOWNLOAD)
def download_attachment(request: HttpRequest, thread_id: int, attachment_id: int) -> Any:
    p = _reader(request)
    thread = _thread(p, thread_id)
    att = Attachment.objects.filter(pk=attachment_id, message__thread=thread).first()
    if att is None:
        raise NotFound("attachment not found")
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.content_type)


@router.post("/threads/{thread_id}/read", response=responses(ReadOut))
def mark_thread_read(request: HttpRequest, thread_id: int, payload: ReadIn) -> Any:
    p = _reader(request)
    thread = _thread(p, thread_id)
    state = services.mark_read(p, thread, payload.upto)
    user = p.require_user()
    return {
        "thread_id": thread.pk,
        "last_read_message_id": state.last_read_message_id,
        "unread": services.unread_counts(user, [thread.pk])[thread.pk],
    }


# -- notifications -------------------------------------------------------------------------------------------------


@router.get("/notifications", response=responses(list[NotificationOut]))
@paginate(CursorPagination)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilter]) -> QuerySet[Notification]:
    """The signed-in user's notifications for the organization they act for."""
    qs = services.user_notifications(_reader(request))
    if filters.unread is not None:
        qs = qs.filter(read_at__isnull=filters.unread)
    return qs


@router.post("/notifications/read", response=responses(CountOut))
def mark_notifications_read(request: HttpRequest, payload: MarkReadIn) -> Any:
    return {"updated": services.mark_notifications_read(_reader(request), payload.ids)}


@router.get("/notification-preferences", response=responses(PreferencesOut))
def get_preferences(request: HttpRequest) -> Any:
    return services.preferences(_reader(request).require_user())


@router.put("/notification-preferences", response=responses(PreferencesOut))
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> Any:
    return services.set_preferences(_reader(request), payload.channels, payload.daily_digest)


# -- webhooks ------------------------------------------------------------------------------------------------------


@router.get("/webhook-endpoints", response=responses(list[EndpointOut]))
@paginate(CursorPagination)
def list_endpoints(request: HttpRequest) -> QuerySet[WebhookEndpoint]:
    return scoped(WebhookEndpoint.objects.all(), _admin(request).org_id)


@router.post("/webhook-endpoints", response=responses(EndpointCreated, 201))
def create_endpoint(request: HttpRequest, payload: EndpointIn) -> Any:
    ep = services.create_endpoint(
        _admin(request), url=payload.url, event_types=payload.event_types, description=payload.description
    )
    return Status(201, ep)


@router.get("/webhook-endpoints/{endpoint_id}", response=responses(EndpointOut))
def get_endpoint(request: HttpRequest, endpoint_id: int) -> Any:
    return _endpoint(_admin(request), endpoint_id)


@router.patch("/webhook-endpoints/{endpoint_id}", response=responses(EndpointOut))
def update_endpoint(request: HttpRequest, endpoint_id: int, payload: EndpointPatch) -> Any:
    p = _admin(request)
    return services.update_endpoint(p, _endpoint(p, endpoint_id), **payload.dict(exclude_unset=True))


@router.delete("/webhook-endpoints/{endpoint_id}", response={204: None, **ERRORS})
def delete_endpoint(request: HttpRequest, endpoint_id: int) -> Any:
    p = _admin(request)
    services.delete_endpoint(p, _endpoint(p, endpoint_id))
    return Status(204, None)


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", response=responses(EndpointCreated))
def rotate_secret(request: HttpRequest, endpoint_id: int) -> Any:
    """A new signing secret (shown once); the old one stops working at once."""
    p = _admin(request)
    return services.rotate_secret(p, _endpoint(p, endpoint_id))


@router.post("/webhook-endpoints/{endpoint_id}/test", response=responses(DeliveryOut, 201))
def send_test(request: HttpRequest, endpoint_id: int) -> Any:
    """Send a ``webhook.test`` event to this endpoint."""
    p = _admin(request)
    return Status(201, services.test_event(p, _endpoint(p, endpoint_id)))


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response=responses(list[DeliveryOut]))
@paginate(CursorPagination)
def list_deliveries(request: HttpRequest, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """The delivery log of one endpoint, oldest first."""
    p = _admin(request)
    return WebhookDelivery.objects.filter(endpoint=_endpoint(p, endpoint_id))


@router.get("/webhook-deliveries/{delivery_id}", response=responses(DeliveryDetail))
def get_delivery(request: HttpRequest, delivery_id: int) -> Any:
    """One delivery with its body and every attempt (status code, latency, error)."""
    return _delivery(_admin(request), delivery_id)


@router.post("/webhook-deliveries/{delivery_id}/redeliver", response=responses(DeliveryOut, 201))
def redeliver(request: HttpRequest, delivery_id: int) -> Any:
    """Send the same event (same id and body, signed anew) again, as a new delivery."""
    p = _admin(request)
    return Status(201, services.redeliver(p, _delivery(p, delivery_id)))
