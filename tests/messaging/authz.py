from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from accord.accounts.auth import Principal
from accord.accounts.models import Role
from accord.messaging import events, services
from accord.messaging.models import Attachment, WebhookDelivery
from tests.authz import Expect, World, by_role, everyone

AUTHZ_FILE = "messaging/authz/brief.pdf"


KEYS = ("msg_thread_id", "msg_attachment_id", "msg_endpoint_id", "msg_delivery_id")


class _Lazy:
    """An id created on first use: the matrix builds a world for every cell of every app, and only the cells of
    these routes need a thread, an attachment and a webhook delivery."""

    def __init__(self, world: World, key: str) -> None:
        self.world, self.key = world, key

    def __format__(self, spec: str) -> str:
        return format(_objects(self.world)[self.key], spec)

    def __str__(self) -> str:
        return format(self)


def _objects(world: World) -> dict[str, int]:
    made: dict[str, int] | None = world.ids.get("_messaging")
    if made is not None:
        return made
    brand_admin = Principal(organization=world.brand, role=Role.ADMIN, user=world.brand_users["admin"])
    endpoint = services.create_endpoint(brand_admin, url="https://example.test/hooks", event_types=["offer.sent"])
    events.publish(
        "offer.sent",
        subject="contract:authz",
        organization_ids=[world.brand.pk, world.creator.pk],
        actor_label=world.brand_users["owner"].email,
    )
    thread = services.ensure_thread("contract:authz", [world.brand.pk])
    member = Principal(organization=world.brand, role=Role.MEMBER, user=world.brand_users["member"])
    message = services.post_message(member, thread, "the brief")
    # One stored file shared by every world.
    if not default_storage.exists(AUTHZ_FILE):
        default_storage.save(AUTHZ_FILE, ContentFile(b"%PDF-1.4 brief"))
    attachment = Attachment.objects.create(
        message=message, file=AUTHZ_FILE, name="brief.pdf", content_type="application/pdf", size=14
    )
    made = {
        "msg_thread_id": thread.pk,
        "msg_attachment_id": attachment.pk,
        "msg_endpoint_id": endpoint.pk,
        "msg_delivery_id": WebhookDelivery.objects.get(endpoint=endpoint).pk,
    }
    world.ids["_messaging"] = made
    return made


def build(world: World) -> None:
    for key in KEYS:
        world.ids[key] = _Lazy(world, key)


def _message_body(world: World, principal: str) -> bytes:
    return encode_multipart(BOUNDARY, {"body": f"hello from {principal}"})


THREAD = {"thread_id": "msg_thread_id"}
ENDPOINT = {"endpoint_id": "msg_endpoint_id"}
DELIVERY = {"delivery_id": "msg_delivery_id"}


def _ids(expect: Expect, **ids: str) -> Expect:
    return expect.with_ids(**ids)


def _scoped(minimum: str, ok: int = 200, body: Any = None, **kw: Any) -> Expect:
    return by_role(minimum, ok, body=body, scoped=True, **kw)


MATRIX: dict[str, Expect] = {
    "GET /api/v1/threads": by_role("viewer"),
    "GET /api/v1/threads/{thread_id}": _ids(_scoped("viewer"), **THREAD),
    "GET /api/v1/threads/{thread_id}/messages": _ids(_scoped("viewer"), **THREAD),
    "POST /api/v1/threads/{thread_id}/messages": _ids(
        _scoped("member", 201, _message_body, content_type=MULTIPART_CONTENT), **THREAD
    ),
    "GET /api/v1/threads/{thread_id}/attachments/{attachment_id}": _ids(
        _scoped("viewer"), attachment_id="msg_attachment_id", **THREAD
    ),
    "POST /api/v1/threads/{thread_id}/read": _ids(_scoped("viewer", body={}), **THREAD),
    "GET /api/v1/notifications": everyone(),
    "POST /api/v1/notifications/read": everyone(body={}),
    "GET /api/v1/notification-preferences": everyone(),
    "PUT /api/v1/notification-preferences": everyone(body={"channels": {"offer.sent": "in_app"}, "daily_digest": True}),
    "GET /api/v1/webhook-endpoints": by_role("admin"),
    "POST /api/v1/webhook-endpoints": by_role(
        "admin", 201, body={"url": "https://example.test/new", "event_types": ["*"]}
    ),
    "GET /api/v1/webhook-endpoints/{endpoint_id}": _ids(_scoped("admin"), **ENDPOINT),
    "PATCH /api/v1/webhook-endpoints/{endpoint_id}": _ids(_scoped("admin", body={"description": "x"}), **ENDPOINT),
    "DELETE /api/v1/webhook-endpoints/{endpoint_id}": _ids(_scoped("admin", 204), **ENDPOINT),
    "POST /api/v1/webhook-endpoints/{endpoint_id}/rotate-secret": _ids(_scoped("admin"), **ENDPOINT),
    "POST /api/v1/webhook-endpoints/{endpoint_id}/test": _ids(_scoped("admin", 201), **ENDPOINT),
    "GET /api/v1/webhook-endpoints/{endpoint_id}/deliveries": _ids(_scoped("admin"), **ENDPOINT),
    "GET /api/v1/webhook-deliveries/{delivery_id}": _ids(_scoped("admin"), **DELIVERY),
    "POST /api/v1/webhook-deliveries/{delivery_id}/redeliver": _ids(_scoped("admin", 201), **DELIVERY),
}
