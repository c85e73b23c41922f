"""Web pages: thread view with htmx polling, notifications, preferences, webhooks."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.accounts.models import Organization, Role
from accord.messaging import events
from accord.messaging.models import Message, Notification, NotificationPreference, Thread, WebhookEndpoint
from tests.conftest import Team, client_for, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(brand: Team, creator: Team) -> Thread:
    events.publish(
        "contract.signed", subject="contract:44", organization_ids=[brand.org.pk, creator.org.pk], actor_label="b"
    )
    return Thread.objects.get(subject="contract:44")


def test_thread_page_posts_and_polls(brand: Team, creator: Team, thread: Thread) -> None:
    brand_page = client_for(brand.users[Role.MEMBER], brand.org)
    page = brand_page.get(f"/messages/{thread.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Contract signed" in html and 'hx-trigger="every 5s"' in html and "htmx-2.min.js" in html
    first = Message.objects.get(thread=thread).pk
    assert f"?after={first}" in html

    # The creator writes, with an attachment, through the form.
    c = client_for(creator.users[Role.MEMBER], creator.org)
    upload = SimpleUploadedFile("moodboard.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png")
    r = c.post(f"/messages/{thread.pk}/", {"body": "Here is the moodboard", "files": [upload]})
    assert r.status_code == 302
    new = Message.objects.filter(thread=thread, kind="user").get()

    # The brand's open page polls and receives only the new message, plus a poller with the new mark.
    poll = brand_page.get(f"/messages/{thread.pk}/poll/?after={first}", HTTP_HX_REQUEST="true")
    body = poll.content.decode()
    assert "Here is the moodboard" in body and "moodboard.png" in body and f"?after={new.pk}" in body
    assert 'hx-swap-oob="beforeend:#messages"' in body and "Contract signed" not in body
    quiet = brand_page.get(f"/messages/{thread.pk}/poll/?after={new.pk}").content.decode()
    assert "message-" not in quiet and f"?after={new.pk}" in quiet

    att = new.attachments.get()
    download = brand_page.get(f"/messages/attachments/{att.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"

    listing = brand_page.get("/messages/").content.decode()
    assert "Contract 44" in listing
    by_subject = brand_page.get("/messages/s/contract:44/")
    assert by_subject.status_code == 302 and by_subject["Location"] == f"/messages/{thread.pk}/"


def test_outsiders_and_viewers(brand: Team, thread: Thread) -> None:
    outsider = make_team(Organization.Kind.BRAND)
    o = client_for(outsider.users[Role.OWNER], outsider.org)
    assert o.get(f"/messages/{thread.pk}/").status_code == 404
    assert o.get(f"/messages/{thread.pk}/poll/?after=0").status_code == 404
    assert o.get("/messages/s/contract:44/").status_code == 404
    assert "Contract 44" not in o.get("/messages/").content.decode()
    viewer = client_for(brand.users[Role.VIEWER], brand.org)
    assert "Viewers can read" in viewer.get(f"/messages/{thread.pk}/").content.decode()
    viewer.post(f"/messages/{thread.pk}/", {"body": "sneaky"})
    assert not Message.objects.filter(kind="user").exists()
    assert client_for(None).get("/messages/").status_code == 302  # to the login page


def test_notifications_and_preferences_pages(creator: Team, thread: Thread) -> None:
    user = creator.users[Role.ADMIN]
    c = client_for(user, creator.org)
    assert "Contract signed · Contract 44" in c.get("/messages/notifications/").content.decode()
    n = Notification.objects.get(user=user)
    r = c.post(f"/messages/notifications/{n.pk}/open/")
    assert r.status_code == 302 and r["Location"] == f"/messages/{thread.pk}/"
    n.refresh_from_db()
    assert n.read_at is not None

    assert c.get("/messages/preferences/").status_code == 200
    c.post("/messages/preferences/", {"daily_digest": "on", "channel:*": "in_app", "channel:offer.sent": "off"})
    assert dict(NotificationPreference.objects.filter(user=user).values_list("event_type", "channel")) == {
        "*": "in_app",
        "offer.sent": "off",
    }


def test_webhook_pages_show_the_secret_once(brand: Team) -> None:
    admin = client_for(brand.users[Role.ADMIN], brand.org)
    r = admin.post("/messages/webhooks/", {"url": "https://example.test/in", "event_types": "offer.sent *"})
    ep = WebhookEndpoint.objects.get()
    assert ep.secret in r.content.decode()
    assert ep.secret not in admin.get("/messages/webhooks/").content.decode()
    assert admin.get(f"/messages/webhooks/{ep.pk}/").status_code == 200
    member = client_for(brand.users[Role.MEMBER], brand.org)
    assert member.get("/messages/webhooks/").status_code == 404
