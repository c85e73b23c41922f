"""The creator's path in a real browser: counter an offer (and see the diff), sign, submit the work with the ad
disclosure, log hours on an hourly contract, add a payout method and see earnings and the next payout.

The brand's side (sending offers, signing the counter, funding, approving hours) is not what this test is about:
it goes through the services, as the brand journey already drives those pages."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from accord.accounts.models import Role
from accord.contracts import services as contracts
from accord.contracts.models import Contract
from accord.ledger import services as ledger
from tests.browser.conftest import missing_labels, screenshot
from tests.conftest import PASSWORD
from tests.contracts.helpers import hourly_terms, make_deal, signed_contract, terms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_creator_journey(open_as: Any) -> None:
    deal = make_deal()
    commission = {"currency": "EUR", "rules": [{"kind": "cpa", "id": "sales", "rate": "1000"}]}
    first = terms(compensation=commission)
    offer = contracts.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=first
    )
    creator_user = deal.creator_users[Role.OWNER]
    creator = open_as(creator_user.email, PASSWORD)

    # The portal's offers inbox says what the performance pay could bring; then a counter that raises the concept
    # milestone from 500.00 to 650.00.
    card = creator.locator(f"#offers [data-contract='{offer.pk}']")
    assert "First offer" in card.inner_text()
    assert re.search(r"Performance pay forecast: €[\d,.]+ to €[\d,.]+", card.inner_text())
    card.get_by_role("link", name="Review and answer").click()
    assert missing_labels(creator) == []
    screenshot(creator, "en-journey-offer")
    proposed = json.loads(creator.get_by_label("Terms (JSON)").input_value())
    proposed["payment"]["milestones"][0]["amount"] = 65_000
    creator.get_by_label("Terms (JSON)").fill(json.dumps(proposed, indent=2))
    creator.get_by_label("Message").fill("The concept takes a full day of shooting.")
    creator.get_by_role("button", name="Send counter-offer").click()
    assert "Counter-offer sent." in creator.content()
    diff = creator.locator("section.card table.diff")
    assert diff.locator("del").inner_text() == "€500.00" and diff.locator("ins").inner_text() == "€650.00"

    contracts.sign(deal.brand_as(), offer.pk, typed_name="Bea Brand", version_number=2, ip="203.0.113.7")
    creator.reload()
    creator.get_by_label("Type your full name to sign these terms").fill(creator_user.name)
    creator.get_by_role("button", name="Sign", exact=True).click()
    assert "Signed." in creator.content()
    offer.refresh_from_db()
    assert offer.status in (Contract.Status.SIGNED, Contract.Status.ACTIVE)
    assert offer.signed_version is not None and offer.signed_version.number == 2
    screenshot(creator, "en-journey-counter-signed")

    concept = offer.milestones.get(key="concept")
    assert concept.amount == 65_000
    contracts.fund_milestone(deal.brand_as(), concept.pk, key="fund-concept")
    creator.get_by_role("link", name=concept.title).click()
    creator.get_by_label("Post URL").fill("https://instagram.example/p/concept")
    creator.get_by_label("Caption").fill("Concept for the spring trail reel #ad")
    creator.get_by_role("button", name="Submit for review").click()
    assert "Submitted for review." in creator.content()
    assert "Ad disclosure present" in creator.content()
    contracts.approve(deal.brand_as(), concept.pk, key="approve-concept")

    # An hourly contract: log two hours, submit the week; the brand approves it.
    hourly = signed_contract(deal, hourly_terms(rate=6_000, cap=30_000))
    contracts.fund_milestone(deal.brand_as(), hourly.milestones.get().pk, key="fund-hourly")
    creator.goto(f"/contracts/{hourly.pk}/")
    creator.get_by_role("link", name="Timesheets").click()
    assert missing_labels(creator) == []
    creator.get_by_label("Minutes").fill("120")
    creator.get_by_label("Note").fill("Shoot on the ridge")
    creator.get_by_label("Deliverable key").fill("reel")
    creator.get_by_role("button", name="Log", exact=True).click()
    assert "Time logged." in creator.content() and "120 minutes" in creator.content()
    creator.get_by_role("button", name="Submit for approval").click()
    assert "Timesheet submitted." in creator.content()
    contracts.approve_timesheet(deal.brand_as(), hourly.timesheets.get().pk, key="week-1")
    screenshot(creator, "en-journey-timesheets")

    payable = ledger.balances(ledger.creator_payable_code(deal.creator.pk), "EUR").balance
    assert payable > 0

    # Earnings: payable now; the next payout needs a default payout method first.
    creator.get_by_role("navigation").get_by_role("link", name="Earnings").click()
    assert "Add a default payout method to be paid." in creator.content()
    creator.goto("/payouts/methods/")
    assert missing_labels(creator) == []
    creator.get_by_label("Account holder").fill(creator_user.name)
    creator.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 00")
    creator.get_by_label("Make this my default payout method").first.check()
    creator.get_by_role("button", name="Add bank account").click()
    creator.goto("/payouts/")
    expected = creator.locator("tr.expected")
    assert expected.count() == 1
    cells = expected.locator("td").all_inner_texts()
    amount = f"{payable // 100:,}.{payable % 100:02d}"
    assert amount in cells[0], (amount, cells)
    assert cells[1].strip() not in ("", "—") and cells[2].strip() not in ("", "—")
    screenshot(creator, "en-journey-earnings")
