"""Notifications and their e-mails speak each recipient's language, not the language of whoever caused the event."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from accord.accounts.models import Organization, Role
from accord.messaging import events, notify
from accord.messaging.models import Notification
from tests.conftest import make_team

pytestmark = pytest.mark.django_db


def test_each_recipient_reads_the_event_in_their_own_language(mailoutbox: list[Any]) -> None:
    brand, creator = make_team(Organization.Kind.BRAND), make_team(Organization.Kind.CREATOR)
    dutch, english = creator.users[Role.OWNER], creator.users[Role.ADMIN]
    dutch.language = "nl"
    dutch.save(update_fields=["language"])
    with translation.override("nl"):  # a Dutch-speaking brand signs
        events.publish(
            "contract.signed",
            subject="contract:5",
            organization_ids=[brand.org.pk, creator.org.pk],
            actor_label=brand.users[Role.OWNER].email,
            data={},
        )
    assert notify.send_immediate() > 0

    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert by_recipient[dutch.email].subject.startswith("[Accord] Contract ondertekend · ")
    assert "Je ontvangt deze e-mail vanwege je meldingsvoorkeuren" in by_recipient[dutch.email].body
    assert by_recipient[english.email].subject.startswith("[Accord] Contract signed · ")
    assert "because of your notification preferences" in by_recipient[english.email].body

    stored = Notification.objects.get(user=english)
    assert stored.title.startswith("Contract signed · ")  # stored in the source language
    with translation.override("nl"):
        assert stored.shown_title.startswith("Contract ondertekend · ")
