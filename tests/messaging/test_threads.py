"""Threads, messages with attachments, read state and notifications through the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.accounts.models import Organization, Role
from accord.messaging import events
from accord.messaging.models import Attachment, Notification, Thread
from tests.conftest import Team, client_for, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(brand: Team, creator: Team) -> Thread:
    events.publish(
        "offer.sent", subject="contract:21", organization_ids=[brand.org.pk, creator.org.pk], actor_label="brand"
    )
    return Thread.objects.get(subject="contract:21")


def _pdf(name: str = "brief.pdf", size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * (size - 9), content_type="application/pdf")


def test_participants_talk_with_attachments_and_read_state(brand: Team, creator: Team, thread: Thread) -> None:
    author = client_for(creator.users[Role.MEMBER], creator.org)
    r = author.post(f"/api/v1/threads/{thread.pk}/messages", {"body": "Draft attached", "files": [_pdf()]})
    assert r.status_code == 201, r.content
    msg = r.json()
    assert msg["kind"] == "user" and msg["organization_id"] == creator.org.pk
    [att] = msg["attachments"]
    assert (att["name"], att["content_type"], att["size"]) == ("brief.pdf", "application/pdf", 100)

    reader = client_for(brand.users[Role.VIEWER], brand.org)
    [listed] = reader.get("/api/v1/threads").json()["items"]
    assert listed["id"] == thread.pk and listed["unread"] == 2  # the system message and the new one
    assert sorted(listed["participants"]) == sorted([brand.org.pk, creator.org.pk])
    page = reader.get(f"/api/v1/threads/{thread.pk}/messages").json()
    assert [m["kind"] for m in page["items"]] == ["system", "user"]
    download = reader.get(att["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    # Polling for new messages: the cursor of the newest message held returns only newer ones.
    from accord.core.pagination import encode_cursor

    assert reader.get(f"/api/v1/threads/{thread.pk}/messages?cursor={encode_cursor(msg['id'])}").json()["items"] == []

    read = reader.post(f"/api/v1/threads/{thread.pk}/read", {}, content_type="application/json").json()
    assert read == {"thread_id": thread.pk, "last_read_message_id": msg["id"], "unread": 0}
    # The read mark never moves back.
    back = reader.post(f"/api/v1/threads/{thread.pk}/read", {"upto": 1}, content_type="application/json").json()
    assert back["last_read_message_id"] == msg["id"]
    # Writing in a thread reads it: nothing is unread for the author.
    assert author.get(f"/api/v1/threads/{thread.pk}").json()["unread"] == 0

    # The brand's members were notified of the new message; the author was not.
    assert Notification.objects.filter(event_type="message.posted", user=brand.users[Role.VIEWER]).exists()
    assert not Notification.objects.filter(event_type="message.posted", user=creator.users[Role.MEMBER]).exists()


def test_only_participants_see_a_thread(brand: Team, thread: Thread) -> None:
    outsider = make_team(Organization.Kind.BRAND)
    c = client_for(outsider.users[Role.OWNER], outsider.org)
    assert c.get("/api/v1/threads").json()["items"] == []
    assert c.get("/api/v1/threads?subject=contract:21").json()["items"] == []
    mine = client_for(brand.users[Role.VIEWER], brand.org).get("/api/v1/threads?subject=contract:21").json()
    assert [t["id"] for t in mine["items"]] == [thread.pk]
    assert c.get(f"/api/v1/threads/{thread.pk}").status_code == 404
    assert c.get(f"/api/v1/threads/{thread.pk}/messages").status_code == 404
    r = c.post(f"/api/v1/threads/{thread.pk}/messages", {"body": "let me in"})
    assert r.status_code == 404
    viewer = client_for(brand.users[Role.VIEWER], brand.org)
    assert viewer.post(f"/api/v1/threads/{thread.pk}/messages", {"body": "hi"}).status_code == 403


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("run.exe", b"MZ...", content_type="application/x-msdownload"), "attachment_type"),
        (SimpleUploadedFile("photo.pdf", b"\x89PNG", content_type="image/png"), "attachment_type"),
        (SimpleUploadedFile("empty.txt", b"", content_type="text/plain"), "attachment_size"),
        (
            SimpleUploadedFile("page.png", b"<html><script>alert(1)</script>", content_type="image/png"),
            "attachment_type",
        ),
        (SimpleUploadedFile("notes.txt", b"MZ\x00\x00binary", content_type="text/plain"), "attachment_type"),
    ],
)
def test_attachment_type_and_size_limits(creator: Team, thread: Thread, upload: Any, code: str) -> None:
    c = client_for(creator.users[Role.MEMBER], creator.org)
    r = c.post(f"/api/v1/threads/{thread.pk}/messages", {"body": "x", "files": [upload]})
    assert r.status_code == 422 and r.json()["error"]["code"] == code
    assert not Attachment.objects.exists()


def test_attachment_too_large(settings: Any, creator: Team, thread: Thread) -> None:
    settings.ACCORD_ATTACHMENT_MAX_BYTES = 1000
    c = client_for(creator.users[Role.MEMBER], creator.org)
    r = c.post(f"/api/v1/threads/{thread.pk}/messages", {"body": "x", "files": [_pdf(size=1001)]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "attachment_size"
    ok = c.post(f"/api/v1/threads/{thread.pk}/messages", {"body": "x", "files": [_pdf(size=1000)]})
    assert ok.status_code == 201


def test_empty_message_is_refused(creator: Team, thread: Thread) -> None:
    c = client_for(creator.users[Role.MEMBER], creator.org)
    assert c.post(f"/api/v1/threads/{thread.pk}/messages", {"body": "   "}).status_code == 422


def test_notifications_list_mark_read_and_preferences(brand: Team, creator: Team, thread: Thread) -> None:
    c = client_for(creator.users[Role.ADMIN], creator.org)
    [n] = c.get("/api/v1/notifications?unread=true").json()["items"]
    assert n["event_type"] == "offer.sent" and n["read_at"] is None and n["data"]["thread_id"] == thread.pk
    r = c.post("/api/v1/notifications/read", {"ids": [n["id"]]}, content_type="application/json")
    assert r.json() == {"updated": 1}
    assert c.get("/api/v1/notifications?unread=true").json()["items"] == []
    assert len(c.get("/api/v1/notifications").json()["items"]) == 1
    # Another user's notifications are not theirs to mark.
    other = Notification.objects.filter(user=creator.users[Role.OWNER]).get()
    c.post("/api/v1/notifications/read", {"ids": [other.pk]}, content_type="application/json")
    other.refresh_from_db()
    assert other.read_at is None

    prefs = c.put(
        "/api/v1/notification-preferences",
        {"channels": {"*": "in_app", "milestone.funded": "email"}, "daily_digest": True},
        content_type="application/json",
    )
    assert prefs.json() == {"channels": {"*": "in_app", "milestone.funded": "email"}, "daily_digest": True}
    bad = c.put("/api/v1/notification-preferences", {"channels": {"*": "pigeon"}}, content_type="application/json")
    assert bad.status_code == 422
    events.publish("milestone.funded", subject="contract:21", organization_ids=[creator.org.pk], actor_label="x")
    events.publish("offer.countered", subject="contract:21", organization_ids=[creator.org.pk], actor_label="x")
    mine = Notification.objects.filter(user=creator.users[Role.ADMIN])
    assert mine.get(event_type="milestone.funded").email == "digest"
    assert mine.get(event_type="offer.countered").email == ""
    reset = c.put("/api/v1/notification-preferences", {"channels": {"*": "default"}}, content_type="application/json")
    assert reset.json()["channels"] == {"milestone.funded": "email"}


def test_api_keys_cannot_read_user_notifications(creator: Team) -> None:
    from accord.accounts import services as accounts
    from accord.accounts.auth import Principal
    from tests.conftest import bearer

    owner = Principal(organization=creator.org, role=Role.OWNER, user=creator.users[Role.OWNER])
    _key, token = accounts.create_api_key(owner, name="srv", scope="read")
    assert bearer(token).get("/api/v1/notifications").status_code == 403
    assert bearer(token).get("/api/v1/threads").status_code == 200
