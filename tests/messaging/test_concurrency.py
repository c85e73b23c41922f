"""Races that only a real database with concurrent connections shows (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.core import clock
from accord.messaging import events, services, webhooks
from accord.messaging.models import Message, Thread, ThreadParticipant, WebhookDelivery
from accord.reputation import services as reputation
from accord.reputation.models import Commitment
from tests.conftest import make_team
from tests.messaging.conftest import Receiver

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _race(n: int, work: Callable[[int], Any]) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_events_share_one_thread() -> None:
    orgs = [make_team(Organization.Kind.BRAND).org.pk, make_team(Organization.Kind.CREATOR).org.pk]
    errors = _race(
        6, lambda i: events.publish("offer.sent", subject="contract:77", organization_ids=orgs, actor_label=f"a{i}")
    )
    assert errors == []
    assert Thread.objects.filter(subject="contract:77").count() == 1
    assert ThreadParticipant.objects.count() == 2
    assert Message.objects.count() == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_promises_with_one_key_make_one_commitment() -> None:
    org = make_team(Organization.Kind.CREATOR).org
    errors = _race(
        6,
        lambda i: reputation.promise(
            owner_org_id=org.pk, kind="publish_due", subject="contract:1:deliverable:d1", due_at=T0, key="same-key"
        ),
    )
    assert errors == []
    assert Commitment.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_send_once(receiver: Receiver, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    team = make_team(Organization.Kind.BRAND)
    admin = Principal(organization=team.org, role=Role.ADMIN, user=team.users[Role.ADMIN])
    services.create_endpoint(admin, url=receiver.url, event_types=["*"])
    clock.set_now(T0)
    events.publish("payout.paid", subject="payout:1", organization_ids=[team.org.pk], actor_label="accord")
    delivery = WebhookDelivery.objects.get()
    errors = _race(8, lambda i: webhooks.attempt(delivery.pk))
    assert errors == []
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)


@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_tasks")
def test_an_attempt_abandoned_mid_way_is_retried_after_its_lease(receiver: Receiver) -> None:
    team = make_team(Organization.Kind.BRAND)
    admin = Principal(organization=team.org, role=Role.ADMIN, user=team.users[Role.ADMIN])
    services.create_endpoint(admin, url=receiver.url, event_types=["*"])
    clock.set_now(T0)
    events.publish("payout.paid", subject="payout:2", organization_ids=[team.org.pk], actor_label="accord")
    delivery = WebhookDelivery.objects.get()  # on-commit hooks do not run here: nothing was sent yet
    assert webhooks._claim(delivery.pk, clock.now())  # a worker claims it, then dies before sending
    assert webhooks.retry_due() == 0
    clock.advance(timedelta(seconds=webhooks.request_timeout() + 60))
    assert webhooks.retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == ("succeeded", 1, 1)
