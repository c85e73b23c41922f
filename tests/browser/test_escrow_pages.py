"""A brand member funds a campaign's escrow in a real browser: review, confirm, then sees how to pay."""

from __future__ import annotations

from typing import Any

import pytest

from accord.accounts.models import Role
from accord.escrow.models import Deposit
from tests.browser.conftest import missing_labels, screenshot
from tests.conftest import PASSWORD, make_team
from tests.escrow.helpers import campaign_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_brand_funds_a_campaign_escrow_by_bank_transfer(page: Any, settings: Any) -> None:
    settings.ACCORD_STRIPE_API_KEY = ""
    team = make_team()
    campaign = campaign_for(team.org)
    member = team.users[Role.MEMBER]

    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    page.goto(f"/escrow/campaigns/{campaign.pk}/")
    assert missing_labels(page) == []
    page.get_by_label("Amount (EUR)").fill("1,250.50")
    page.get_by_label("Payment method").select_option("manual")
    page.get_by_role("button", name="Review the deposit").click()
    assert "€1,250.50" in page.content()
    assert not Deposit.objects.exists()
    page.get_by_role("button", name="Yes, start the deposit").click()
    page.wait_for_url(f"**/escrow/campaigns/{campaign.pk}/")

    deposit = Deposit.objects.get()
    assert deposit.amount == 125_050 and deposit.status == Deposit.Status.PENDING
    assert deposit.reference in page.content()
    screenshot(page, "en-escrow-campaign")
