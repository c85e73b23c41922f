"""In a real browser: the thread page picks up a new message by htmx polling, and a reply goes out by the form."""

from __future__ import annotations

from typing import Any

import pytest

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.messaging import events, services
from accord.messaging.models import Message, Thread
from tests.browser.conftest import missing_labels, screenshot
from tests.conftest import PASSWORD, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_thread_page_polls_for_new_messages_and_sends_replies(page: Any) -> None:
    brand, creator = make_team(Organization.Kind.BRAND), make_team(Organization.Kind.CREATOR)
    events.publish(
        "contract.signed",
        subject="contract:8",
        organization_ids=[brand.org.pk, creator.org.pk],
        actor_label="creator@example.test",
        data={"title": "Spring launch"},
    )
    thread = Thread.objects.get(subject="contract:8")
    reader = brand.users[Role.MEMBER]

    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(reader.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.goto(f"/messages/{thread.pk}/")
    assert "Spring launch" in page.content() and "Contract signed" in page.content()
    assert missing_labels(page) == []

    # The creator writes while the brand's page is open: it appears without a reload (polling every 5 s).
    author = Principal(organization=creator.org, role=Role.MEMBER, user=creator.users[Role.MEMBER])
    services.post_message(author, thread, "Concept draft is ready for review")
    page.locator("#messages").get_by_text("Concept draft is ready for review").wait_for(timeout=12_000)

    page.get_by_role("textbox", name="Message").fill("Thanks, looking at it today")
    page.get_by_role("button", name="Send").click()
    page.locator("#messages").get_by_text("Thanks, looking at it today").wait_for()
    assert Message.objects.filter(thread=thread, kind="user").count() == 2
    assert page.locator("#messages li").count() == 3
    screenshot(page, "en-thread")
