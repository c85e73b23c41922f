"""The queued tasks run through the real django-tasks-db worker (committed transactions, no test shortcuts)."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.messaging import events, services, signing
from accord.messaging.models import Notification, WebhookDelivery
from tests.conftest import make_team, run_worker
from tests.messaging.conftest import Mailbox, Receiver


@pytest.mark.django_db(transaction=True)
def test_publish_then_worker_sends_mail_and_webhook(smtp_server: Mailbox, receiver: Receiver) -> None:
    team = make_team(Organization.Kind.CREATOR)
    admin = Principal(organization=team.org, role=Role.ADMIN, user=team.users[Role.ADMIN])
    ep = services.create_endpoint(admin, url=receiver.url, event_types=["payout.paid"])
    events.publish(
        "payout.paid", subject="payout:3", organization_ids=[team.org.pk], actor_label="accord", data={"amount": 5}
    )  # autocommit: the on-commit hooks enqueue at once
    assert DBTaskResult.objects.count() == 2  # one e-mail batch, one webhook delivery
    assert smtp_server.messages == [] and receiver.requests == []

    run_worker()

    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert len(smtp_server.messages) == 4
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    [req] = receiver.requests
    signed_at, _ = signing.parse(req.headers[signing.HEADER])
    assert signing.verify(ep.secret, req.headers[signing.HEADER], req.body, now=signed_at) == signed_at
    assert WebhookDelivery.objects.get().status == "succeeded"
