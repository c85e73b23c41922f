"""Notification e-mails delivered to a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accord.accounts.models import Organization, Role
from accord.core import clock
from accord.messaging import events, jobs, notify
from accord.messaging.models import Notification, NotificationPreference, NotificationSettings
from tests.conftest import Team, make_team
from tests.messaging.conftest import Mailbox, free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def brand() -> Team:
    return make_team(Organization.Kind.BRAND)


@pytest.fixture
def creator() -> Team:
    return make_team(Organization.Kind.CREATOR)


def _publish(brand: Team, creator: Team, event: str = "contract.signed", subject: str = "contract:5") -> None:
    events.publish(
        event,
        subject=subject,
        organization_ids=[brand.org.pk, creator.org.pk],
        actor_label=brand.users[Role.OWNER].email,
        data={"version": 2},
    )


def test_event_mails_every_member_after_commit(
    smtp_server: Mailbox, brand: Team, creator: Team, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand, creator)
        assert smtp_server.messages == []  # nothing leaves before the commit
    recipients = {u.email for u in [*brand.users.values(), *creator.users.values()]} - {brand.users[Role.OWNER].email}
    assert {rcpt for _from, rcpts in smtp_server.envelopes for rcpt in rcpts} == recipients
    msg = smtp_server.to(creator.users[Role.OWNER].email)[0]
    assert msg["Subject"] == "[Accord] Contract signed · Contract 5"
    text = Mailbox.text(msg)
    assert "Contract signed · Contract 5" in text and brand.users[Role.OWNER].email in text
    assert "/messages/" in text
    assert msg.get_body(preferencelist=("html",)) is not None
    assert not Notification.objects.filter(email="immediate", emailed_at__isnull=True).exists()


def test_preferences_in_app_and_off_send_no_mail(
    smtp_server: Mailbox, brand: Team, creator: Team, django_capture_on_commit_callbacks: Any
) -> None:
    quiet, silent = creator.users[Role.VIEWER], creator.users[Role.MEMBER]
    NotificationPreference.objects.create(user=quiet, event_type="contract.signed", channel="in_app")
    NotificationPreference.objects.create(user=silent, event_type="*", channel="off")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand, creator)
    assert smtp_server.to(quiet.email) == [] and smtp_server.to(silent.email) == []
    assert Notification.objects.filter(user=quiet).count() == 1
    assert not Notification.objects.filter(user=silent).exists()
    assert len(smtp_server.to(creator.users[Role.ADMIN].email)) == 1


def test_daily_digest_gathers_a_days_notifications_into_one_mail(
    smtp_server: Mailbox, brand: Team, creator: Team, django_capture_on_commit_callbacks: Any
) -> None:
    reader = creator.users[Role.ADMIN]
    NotificationSettings.objects.create(user=reader, daily_digest=True)
    clock.set_now(T0)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand, creator, "contract.signed")
        _publish(brand, creator, "milestone.funded")
    assert smtp_server.to(reader.email) == []  # no immediate mail for a digest reader
    assert smtp_server.to(creator.users[Role.OWNER].email)  # the others got theirs
    assert jobs.daily_digest() == 1
    [digest] = smtp_server.to(reader.email)
    assert "daily digest: 2 updates" in str(digest["Subject"])
    text = Mailbox.text(digest)
    assert "Contract signed · Contract 5" in text and "Milestone funded · Contract 5" in text
    # At most one digest a day: later notifications wait for tomorrow's.
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand, creator, "milestone.submitted")
    assert jobs.daily_digest() == 0
    clock.advance(timedelta(days=1))
    assert jobs.daily_digest() == 1
    assert "Work submitted" in Mailbox.text(smtp_server.to(reader.email)[-1])
    assert jobs.daily_digest() == 0 and len(smtp_server.to(reader.email)) == 2


def test_smtp_down_keeps_the_mail_for_the_sweep(
    smtp_server: Mailbox, settings: Any, brand: Team, creator: Team, django_capture_on_commit_callbacks: Any
) -> None:
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: connection refused
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand, creator)
    assert Notification.objects.filter(email="immediate", emailed_at__isnull=True).count() == 7
    settings.EMAIL_PORT = working_port
    assert jobs.send_emails() == 7
    assert len(smtp_server.messages) == 7
    assert notify.send_immediate() == 0  # sent once, never twice
