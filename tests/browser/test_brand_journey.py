"""The brand's whole path in a real browser: sign up, create and open a campaign, fund its escrow (an operator confirms
the bank transfer in their own browser), find creators, send an offer the creator signs in theirs, fund and approve
the work, and watch the performance figures move when the tracking link is clicked."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.accounts.models import User
from accord.accounts.services import create_operator
from accord.contracts.models import Contract
from accord.contracts.terms import example_terms
from accord.core import clock
from accord.creators.generator import DEMO_PASSWORD, seed_demo_creators
from accord.creators.models import CreatorProfile
from accord.escrow.models import Deposit
from accord.incentives import services as incentives
from accord.ledger import services as ledger
from accord.matching import store
from tests.browser.conftest import missing_labels, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRAND_PASSWORD = "a-good-long-password"
OPERATOR = ("ops@accord.test", "operator-password-1")
SHOPPER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def _sign_up_brand(page: Any) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Your name").fill("Bea Brand")
    page.get_by_label("E-mail address").fill("bea@trails.test")
    page.get_by_label("Password").fill(BRAND_PASSWORD)
    page.get_by_label("Brand or creator name").fill("Trail Gear")
    page.get_by_label("I am a").select_option("brand")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/")


def _create_and_open_campaign(page: Any) -> int:
    page.get_by_role("navigation").get_by_role("link", name="Campaigns").click()
    assert missing_labels(page) == []
    page.get_by_label("Name", exact=True).fill("Spring trails")
    page.get_by_label("Description").fill("hiking camping trails mountains backpacking gear travel")
    for platform in ("instagram", "tiktok", "youtube"):
        page.get_by_label(platform, exact=True).check()
    page.get_by_label("Budget").fill("20000")
    page.get_by_label("Audience countries").select_option(["NL", "BE", "DE"])
    page.get_by_label("Open for applications").check()
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(r"/campaigns/\d+/$"))
    assert "Campaign created as a draft." in page.content()
    campaign_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.get_by_role("button", name="Open", exact=True).click()
    assert "Campaign is now Open." in page.content()
    screenshot(page, "en-journey-campaign-opened")
    return campaign_id


def _fund_by_bank_transfer(brand: Any, operator: Any, campaign_id: int) -> None:
    brand.goto(f"/escrow/campaigns/{campaign_id}/")
    brand.get_by_label("Amount (EUR)").fill("5,000.00")
    brand.get_by_label("Payment method").select_option("manual")
    brand.get_by_role("button", name="Review the deposit").click()
    brand.get_by_role("button", name="Yes, start the deposit").click()
    brand.wait_for_url(f"**/escrow/campaigns/{campaign_id}/")
    reference = Deposit.objects.get(campaign_id=campaign_id).reference
    assert reference in brand.content()

    # A bank transfer arrives outside Accord: the operator matches it on their deposits page and confirms it there.
    operator.get_by_role("navigation").get_by_role("link", name="Deposits").click()
    row = operator.get_by_role("row").filter(has_text=reference)
    row.get_by_label("Bank reference").fill("BANK-2026-0001")
    row.get_by_role("button", name="Review").click()
    assert "€5,000.00" in operator.content() or "EUR 5,000.00" in operator.content()
    operator.get_by_role("button", name="Yes, the money has arrived").click()
    assert f"Deposit {reference} confirmed" in operator.content()

    brand.reload()
    in_escrow = brand.locator("dt", has_text="In escrow").locator("xpath=following-sibling::dd[1]")
    assert "5,000.00" in in_escrow.inner_text()


def _discover_and_shortlist(brand: Any, campaign_id: int) -> CreatorProfile:
    brand.get_by_role("navigation").get_by_role("link", name="Discover").click()
    brand.get_by_role("link", name="Spring trails").click()
    brand.wait_for_url(f"**/discover/campaigns/{campaign_id}/")
    assert missing_labels(brand) == []
    first = brand.locator("ol.matches > li").first
    assert "Audience fit" in first.inner_text()
    profile = CreatorProfile.objects.get(pk=int(first.locator("input[name=creator_id]").get_attribute("value")))
    first.get_by_role("button", name="Add").click()
    brand.get_by_role("navigation").get_by_role("link", name="Discover").click()
    brand.get_by_role("link", name="Spring trails").last.click()
    assert profile.display_name in brand.locator("table").inner_text()
    return profile


def _terms() -> str:
    terms = example_terms("EUR", clock.today())
    terms["payment"]["milestones"] = terms["payment"]["milestones"][:1]  # one concept milestone: 500.00
    return json.dumps(terms, indent=2)


def test_brand_journey(open_as: Any, live_server: Any) -> None:
    live_url = live_server.url
    seed_demo_creators(30, seed=31)
    store.clear_cache()
    create_operator(email=OPERATOR[0], password=OPERATOR[1])

    brand = open_as()
    _sign_up_brand(brand)
    campaign_id = _create_and_open_campaign(brand)
    operator = open_as(*OPERATOR)
    _fund_by_bank_transfer(brand, operator, campaign_id)
    profile = _discover_and_shortlist(brand, campaign_id)

    # The offer starts from the shortlisted creator: the form knows whom it goes to, the brand types terms only.
    row = brand.get_by_role("row").filter(has_text=profile.display_name)
    row.get_by_role("link", name=f"Send an offer to {profile.display_name}").click()
    assert missing_labels(brand) == []
    expect(brand.locator("main")).to_contain_text(f"Offer to {profile.display_name}")
    brand.get_by_label("Terms (JSON)").fill(_terms())
    brand.get_by_label("Message").fill("We love your trail videos.")
    brand.get_by_role("button", name="Send").click()
    assert "Sent. The other side can now accept, counter or decline." in brand.content()
    contract = Contract.objects.get(campaign_id=campaign_id)
    creator_org = contract.creator_id
    assert creator_org == profile.organization_id
    brand.get_by_label("Type your full name to sign these terms").fill("Bea Brand")
    brand.get_by_role("button", name="Sign", exact=True).click()
    assert "Signed." in brand.content()

    creator_user = User.objects.get(memberships__organization_id=creator_org)
    creator = open_as(creator_user.email, DEMO_PASSWORD)
    creator.goto("/contracts/")
    creator.get_by_role("link", name=contract.title).first.click()
    creator.get_by_label("Type your full name to sign these terms").fill(creator_user.name)
    creator.get_by_role("button", name="Sign", exact=True).click()
    assert "Signed." in creator.content()
    contract.refresh_from_db()
    assert contract.status in (Contract.Status.SIGNED, Contract.Status.ACTIVE)

    brand.reload()
    brand.get_by_role("button", name="Fund", exact=True).click()
    assert "Funded: the money is held." in brand.content()
    milestone = contract.milestones.get()
    assert ledger.balances(ledger.escrow_code(campaign_id), "EUR").balance == 500_000

    creator.goto(f"/contracts/milestones/{milestone.pk}/")
    creator.get_by_label("Post URL").fill("https://instagram.example/p/trail-reel")
    creator.get_by_label("Caption").fill("Out on the ridge with @trailgear #ad")
    creator.get_by_role("button", name="Submit for review").click()
    assert "Submitted for review." in creator.content()

    # The brand finds the work in the dashboard's review queue, with its review deadline.
    brand.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
    queued = brand.locator("#approvals").get_by_role("row").filter(has_text=milestone.title)
    assert queued.locator("time").count() == 2  # submitted at, review by
    queued.get_by_role("link", name=milestone.title).click()
    assert "Ad disclosure present" in brand.content()
    brand.get_by_label("Comment").fill("Lovely, thank you.")
    brand.get_by_role("button", name="Approve and release").click()
    assert ledger.balances(ledger.creator_payable_code(creator_org), "EUR").balance == 0  # asked first
    assert "€500.00" in brand.content()
    brand.get_by_role("button", name="Yes, release the money").click()
    assert "Approved and released." in brand.content()
    payable = ledger.balances(ledger.creator_payable_code(creator_org), "EUR").balance
    assert 0 < payable <= 50_000
    screenshot(brand, "en-journey-submission-approved")

    # The brand makes the creator's tracking link on the contract page; the creator sees it there to share.
    brand.goto(f"/contracts/{contract.pk}/")
    brand.get_by_label("Destination URL").fill(f"{live_url}/healthz")
    brand.get_by_role("button", name="Create a tracking link").click()
    assert "Tracking link created." in brand.content()
    assert missing_labels(brand) == []
    link_url = brand.get_by_label(re.compile(r"^Tracking link \w+")).input_value()
    assert re.fullmatch(rf"{re.escape(live_url)}/t/\w+", link_url)
    creator.goto(f"/contracts/{contract.pk}/")
    assert creator.get_by_label(re.compile(r"^Tracking link \w+")).input_value() == link_url
    expect(creator.get_by_role("button", name="Create a tracking link")).to_have_count(0)
    screenshot(brand, "en-journey-tracking-link")

    # The performance chart on the dashboard moves when a shopper follows that link, without a reload (htmx polls
    # the partial). The shopper's browser says it is an ordinary Chrome: Accord rightly counts no click from
    # "HeadlessChrome".
    incentives.run_once()  # the worker's accrual pass (every second under `accord worker`) books the release as spend
    brand.get_by_role("link", name="Accord", exact=True).click()
    totals = brand.locator("#perf-chart #perf-totals")
    clicks = totals.locator("div", has_text="Clicks").locator("dd")
    expect(clicks).to_have_text("0")
    assert "500.00" in totals.locator("div", has_text="Spent").locator("dd").inner_text()
    traffic_before = brand.locator("#chart-traffic").inner_html()
    shopper = open_as(user_agent=SHOPPER_AGENT)
    shopper.goto(link_url)
    assert shopper.url.startswith(f"{live_url}/healthz")
    expect(clicks).to_have_text("1", timeout=15_000)
    assert brand.locator("#chart-traffic").inner_html() != traffic_before
    screenshot(brand, "en-journey-chart-moved")
