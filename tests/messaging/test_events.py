from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from accord.accounts.models import Organization, Role
from accord.core.errors import ValidationFailed
from accord.messaging import events
from accord.messaging.models import Message, Notification, NotificationPreference, Thread
from tests.conftest import Team, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand() -> Team:
    return make_team(Organization.Kind.BRAND)


@pytest.fixture
def creator() -> Team:
    return make_team(Organization.Kind.CREATOR)


def test_publish_creates_thread_system_message_and_notifications(brand: Team, creator: Team) -> None:
    actor = brand.users[Role.OWNER]
    events.publish(
        "offer.sent",
        subject="contract:12",
        organization_ids=[brand.org.pk, creator.org.pk],
        actor_label=actor.email,
        data={"amount": 150000, "currency": "EUR"},
    )
    thread = Thread.objects.get(subject="contract:12")
    assert thread.title == "Contract 12"
    assert set(thread.participants.values_list("organization_id", flat=True)) == {brand.org.pk, creator.org.pk}
    [msg] = Message.objects.filter(thread=thread)
    assert (msg.kind, msg.event_type, msg.actor_label, msg.body) == ("system", "offer.sent", actor.email, "Offer sent")
    assert msg.data == {"amount": 150000, "currency": "EUR"}
    notified = set(Notification.objects.values_list("user_id", flat=True))
    everyone = {u.pk for u in [*brand.users.values(), *creator.users.values()]}
    assert notified == everyone - {actor.pk}  # the actor is not told what they did
    n = Notification.objects.filter(user=creator.users[Role.OWNER]).get()
    assert n.title == "Offer sent · Contract 12" and n.data["thread_id"] == thread.pk and n.email == "immediate"


def test_second_event_reuses_the_thread_and_adds_new_participants(brand: Team, creator: Team) -> None:
    events.publish("offer.sent", subject="contract:7", organization_ids=[brand.org.pk], actor_label="x")
    events.publish(
        "offer.countered", subject="contract:7", organization_ids=[brand.org.pk, creator.org.pk], actor_label="y"
    )
    thread = Thread.objects.get(subject="contract:7")
    assert thread.messages.count() == 2
    assert thread.participants.count() == 2


def test_preferences_decide_the_channel(brand: Team, creator: Team) -> None:
    viewer, member = creator.users[Role.VIEWER], creator.users[Role.MEMBER]
    NotificationPreference.objects.create(user=viewer, event_type="offer.sent", channel="off")
    NotificationPreference.objects.create(user=member, event_type="*", channel="in_app")
    events.publish("offer.sent", subject="contract:1", organization_ids=[creator.org.pk], actor_label="brand")
    assert not Notification.objects.filter(user=viewer).exists()
    assert Notification.objects.get(user=member).email == ""


def test_publish_rolls_back_with_the_caller(brand: Team) -> None:
    def change() -> None:
        with transaction.atomic():
            events.publish("offer.sent", subject="contract:3", organization_ids=[brand.org.pk], actor_label="x")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change()
    assert not Thread.objects.exists() and not Notification.objects.exists()


def test_publish_enqueues_only_on_commit(brand: Team, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        events.publish("offer.sent", subject="contract:4", organization_ids=[brand.org.pk], actor_label="x")
    assert len(callbacks) == 1  # the e-mails (no webhook endpoints here)


def test_publish_validates(brand: Team) -> None:
    with pytest.raises(ValidationFailed):
        events.publish("offer.sent", subject="contract:1", organization_ids=[], actor_label="x")
    with pytest.raises(ValidationFailed):
        events.publish("offer.sent", subject="contract:1", organization_ids=[999999], actor_label="x")
