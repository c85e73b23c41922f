"""The contract pages' follow-ups to the browser journeys: money buttons ask first, an offer starts from a picked
creator (never a typed organization id), the brand makes tracking links and promo codes on the contract page (the
creator reads them), and a terms diff shows money as money."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from accord.accounts.models import Role
from accord.contracts import services
from accord.contracts.models import Contract, Milestone
from accord.core import clock
from accord.creators.models import CreatorProfile
from accord.ledger import services as ledger
from accord.tracking.models import PromoCode, TrackingLink
from tests.conftest import client_for
from tests.contracts.helpers import Deal, hourly_terms, make_deal, signed_contract, terms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned() -> None:
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def _brand(deal: Deal, role: str = Role.OWNER):  # type: ignore[no-untyped-def]
    return client_for(deal.brand_users[role], deal.brand)


def _creator(deal: Deal):  # type: ignore[no-untyped-def]
    return client_for(deal.creator_users[Role.OWNER], deal.creator)


def _payable(deal: Deal) -> int:
    return ledger.balances(ledger.creator_payable_code(deal.creator.pk), "EUR").balance


def test_approving_work_shows_the_amount_first_and_releases_only_when_confirmed() -> None:
    deal = make_deal()
    contract = signed_contract(deal)
    concept = contract.milestones.get(key="concept")
    services.fund_milestone(deal.brand_as(), concept.pk, key="fund")
    services.submit(deal.creator_as(), concept.pk, post_url="https://example.test/p/1", caption="Reel #ad")
    brand = _brand(deal)
    url = f"/contracts/milestones/{concept.pk}/approve/"
    asked = brand.post(url, {"idempotency_key": "k1", "comment": "Great"})
    page = asked.content.decode()
    assert asked.status_code == 200 and "Yes, release the money" in page and "€500.00" in page
    assert 'name="comment" value="Great"' in page and 'name="idempotency_key" value="k1"' in page
    assert _payable(deal) == 0 and Milestone.objects.get(pk=concept.pk).status == "submitted"
    brand.post(url, {"idempotency_key": "k1", "comment": "Great", "confirm": "yes"})
    assert Milestone.objects.get(pk=concept.pk).status == "released" and _payable(deal) > 0
    other = make_deal(deposit=0)
    assert _brand(other).post(url, {"idempotency_key": "k2"}).status_code == 404


def test_timesheet_payment_and_finishing_hourly_work_ask_first() -> None:
    deal = make_deal()
    contract = signed_contract(deal, hourly_terms())
    services.fund_milestone(deal.brand_as(), contract.milestones.get().pk, key="budget")
    services.log_time(deal.creator_as(), contract.pk, work_date=clock.today(), minutes=60, note="Shoot")
    sheet = contract.timesheets.get()
    services.submit_timesheet(deal.creator_as(), sheet.pk)
    brand = _brand(deal)
    form = {"contract_id": contract.pk, "idempotency_key": "t1"}
    asked = brand.post(f"/contracts/timesheets/{sheet.pk}/approve/", form)
    assert "Yes, pay this week" in asked.content.decode() and _payable(deal) == 0
    assert _brand(make_deal(deposit=0)).post(f"/contracts/timesheets/{sheet.pk}/approve/", form).status_code == 404
    brand.post(f"/contracts/timesheets/{sheet.pk}/approve/", {**form, "confirm": "yes"})
    assert _payable(deal) > 0

    finish = f"/contracts/{contract.pk}/finish-hourly/"
    asked = brand.post(finish, {"idempotency_key": "f1"}).content.decode()
    assert "Yes, finish and return the rest" in asked and "€240.00" in asked  # 300.00 cap, 60.00 paid
    contract.refresh_from_db()
    assert contract.status != Contract.Status.COMPLETED
    brand.post(finish, {"idempotency_key": "f1", "confirm": "yes"})
    contract.refresh_from_db()
    assert contract.status == Contract.Status.COMPLETED


def test_an_offer_starts_from_the_creator_picked_on_the_discovery_page() -> None:
    deal = make_deal()
    brand = _brand(deal)
    profile = CreatorProfile.objects.get(organization=deal.creator)
    propose = f"/contracts/propose/{deal.campaign.pk}/"
    unpicked = brand.get(propose).content.decode()
    assert f"/discover/campaigns/{deal.campaign.pk}/" in unpicked and "Terms (JSON)" not in unpicked
    page = brand.get(f"{propose}?creator={profile.pk}").content.decode()
    assert profile.display_name in page and "Creator organization id" not in page
    assert f'type="hidden" name="creator_org_id" value="{deal.creator.pk}"' in page
    sent = brand.post(
        f"{propose}?creator={profile.pk}", {"terms": json.dumps(terms()), "creator_org_id": deal.creator.pk}
    )
    assert sent.status_code == 302
    assert Contract.objects.get().creator_id == deal.creator.pk
    # Another brand cannot offer under this campaign, not even to open its page.
    assert _brand(make_deal(deposit=0)).get(f"{propose}?creator={profile.pk}").status_code == 404


def test_the_brand_creates_tracking_links_and_promo_codes_and_the_creator_reads_them() -> None:
    deal = make_deal()
    contract = signed_contract(deal)
    brand, creator = _brand(deal), _creator(deal)
    page = brand.get(f"/contracts/{contract.pk}/").content.decode()
    assert "Create a tracking link" in page and "No tracking links yet." in page
    bad = brand.post(f"/contracts/{contract.pk}/tracking/link/", {"link-destination": "not a url"}, follow=True)
    assert "Enter a valid URL." in bad.content.decode() and not TrackingLink.objects.exists()
    brand.post(f"/contracts/{contract.pk}/tracking/link/", {"link-destination": "https://shop.example/boots"})
    link = TrackingLink.objects.get()
    assert (link.campaign_id, link.creator_id, link.collaboration) == (
        deal.campaign.pk,
        deal.creator.pk,
        f"contract:{contract.pk}",
    )
    brand.post(f"/contracts/{contract.pk}/tracking/promo/", {"promo-code": "trail10"})
    assert PromoCode.objects.get().code == "TRAIL10"
    shown = brand.get(f"/contracts/{contract.pk}/").content.decode()
    assert f"http://testserver/t/{link.code}" in shown and "TRAIL10" in shown

    seen = creator.get(f"/contracts/{contract.pk}/").content.decode()
    assert f"http://testserver/t/{link.code}" in seen and "TRAIL10" in seen and "Create a tracking link" not in seen
    assert (
        creator.post(f"/contracts/{contract.pk}/tracking/link/", {"link-destination": "https://x.test/"}).status_code
        == 404
    )
    assert creator.post(f"/contracts/{contract.pk}/tracking/promo/", {"promo-code": "MINE1"}).status_code == 404

    # The brand stops the link; the creator cannot, and sees it marked inactive.
    stop = f"/contracts/{contract.pk}/tracking/link/{link.pk}/stop/"
    assert f"Stop link {link.code}" in shown and f"Stop link {link.code}" not in seen
    assert creator.post(stop).status_code == 404
    assert "Tracking link stopped." in brand.post(stop, follow=True).content.decode()
    link.refresh_from_db()
    assert not link.active
    assert f"Stop link {link.code}" not in brand.get(f"/contracts/{contract.pk}/").content.decode()
    assert "inactive" in creator.get(f"/contracts/{contract.pk}/").content.decode()
    other = _brand(make_deal(deposit=0))
    assert (
        other.post(f"/contracts/{contract.pk}/tracking/link/", {"link-destination": "https://x.test/"}).status_code
        == 404
    )
    viewer = _brand(deal, Role.VIEWER)
    viewer.post(f"/contracts/{contract.pk}/tracking/promo/", {"promo-code": "VIEW1"})
    assert TrackingLink.objects.count() == 1 and PromoCode.objects.count() == 1


def test_a_terms_diff_shows_money_as_money_in_both_languages() -> None:
    deal = make_deal()
    contract = services.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms()
    )
    changed = terms()
    changed["payment"]["milestones"][0]["amount"] = 65_000
    services.counter(deal.creator_as(), contract.pk, terms=changed)
    brand = _brand(deal)
    page = brand.get(f"/contracts/{contract.pk}/").content.decode()
    assert "<del>€500.00</del>" in page and "<ins>€650.00</ins>" in page and "<ins>65000</ins>" not in page
    dutch = brand.get(f"/contracts/{contract.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "<ins>€ 650,00</ins>" in dutch or "<ins>€\xa0650,00</ins>" in dutch
    again = terms()
    again["payment"]["milestones"][0]["amount"] = 60_000
    services.counter(deal.brand_as(), contract.pk, terms=again)
    portal = _creator(deal).get("/").content.decode()  # the creator portal's offers inbox with the diff summary
    assert "<del>€650.00</del>" in portal and "<ins>€600.00</ins>" in portal
