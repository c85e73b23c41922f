"""Every main page, per role, in English and in Dutch (switched with the header's language switch), checked the way
a person with a screen reader, a keyboard or a phone would meet it: every control named, ``<html lang>`` right, a
visible focus indicator, body text at 4.5:1 contrast or better, no sideways scrolling at 390 px. Each page is saved
as ``test-artifacts/<lang>-<page>.png``; the dashboards also at phone width.

The data behind the pages is built through the services: the journeys drive the forms that create it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from accord.accounts.models import Role
from accord.accounts.services import create_operator
from accord.contracts import services as contracts
from accord.creators.generator import seed_demo_creators
from accord.disputes import services as disputes
from accord.matching import store
from accord.messaging.models import Thread
from accord.payouts import services as payouts
from accord.tracking import services as tracking
from tests.browser.conftest import (
    below_footer,
    blank_scroll_below_footer,
    focus_not_visible,
    horizontal_overflow,
    low_contrast,
    missing_labels,
    not_keyboard_reachable,
    screenshot,
    switch_language,
)
from tests.conftest import PASSWORD
from tests.contracts.helpers import Deal, make_deal, signed_contract, terms
from tests.escrow.helpers import operator_principal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGES = ("en", "nl")
# Text only the Dutch catalogs produce, per page (money as the Dutch write it).
DUTCH: dict[str, tuple[str, ...]] = {
    "login": ("Inloggen bij Accord", "Wachtwoord vergeten?"),
    "brand-dashboard": ("Campagnes en escrow", "Wacht op jouw beoordeling", "€ 10.000,00"),
    "campaign": ("Contracten en aanbiedingen", "Briefing", "€ 20.000,00"),
    "contract": ("Mijlpalen", "Geschiedenis"),
    "counter-offer": ("Tegenbod", "Voor"),
    "offer": ("Geschiedenis", "Voor"),
    "escrow": ("Stortingen", "Deze campagne financieren"),
    "discovery": ("Waarom deze creator", "Past bij het publiek"),
    "messages": ("Berichten",),
    "creator-dashboard": ("Aanbiedingen die op jou wachten", "Je contracten"),
    "offers": ("Inbox met aanbiedingen", "Alle contracten"),
    "earnings": ("Volgende uitbetaling", "Saldi"),
    "balances": ("Mijn geld", "Per campagne"),
    "operator-dashboard": ("Beheerconsole", "Geschillen op termijn"),
    "payout-runs": ("Uitbetalingsrondes", "Rondes"),
    "deposits": ("Te bevestigen bankstortingen",),
    "performance": ("Prestatieverdiensten",),
    "disputes-queue": ("Geschillenwachtrij", "Open geschillen, dringendste deadline eerst"),
    "dispute-detail": ("Bewijs", "Acties", "Beslissen (definitief)", "€ 1.000,00"),
    "audit": ("Auditlog",),
    "ledger": ("grootboek",),
}


@dataclass
class World:
    deal: Deal
    contract_id: int
    offer_id: int
    dispute_id: int
    thread_id: int | None
    operator_email: str
    operator_password: str


def _world() -> World:
    deal = make_deal()
    contract = signed_contract(deal)
    concept = contract.milestones.get(key="concept")
    publish = contract.milestones.get(key="publish")
    for m in (concept, publish):
        contracts.fund_milestone(deal.brand_as(), m.pk, key=f"fund-{m.pk}")
        contracts.submit(deal.creator_as(), m.pk, post_url="https://example.test/p/1", caption="Spring reel #ad")
    contracts.approve(deal.brand_as(), concept.pk, key="approve-concept")
    tracking.create_link(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_id=deal.creator.pk, destination="https://shop.test/"
    )
    tracking.create_promo_code(deal.brand_as(), campaign_id=deal.campaign.pk, creator_id=deal.creator.pk, code="SPRING")
    dispute = disputes.open_dispute(
        deal.brand_as(), target_type="milestone", target_id=publish.pk, reason="not_as_agreed", statement="Off brief"
    )
    payouts.add_method(
        deal.creator_as(), kind="sepa", account_holder="Cas Creator", iban="NL91ABNA0417164300", make_default=True
    )
    operator = operator_principal()
    payouts.operator_run(operator, "EUR")
    counter = terms()
    counter["payment"]["milestones"][0]["amount"] = 65_000
    offer = contracts.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms()
    )
    contracts.counter(deal.creator_as(), offer.pk, terms=counter, message="A full day of shooting.")
    thread = Thread.objects.filter(participants__organization=deal.brand).order_by("id").first()
    thread_id = thread.pk if thread else None
    return World(deal, contract.pk, offer.pk, dispute.pk, thread_id, "ops@accord.test", "operator-password-1")


def _pages(role: str, world: World) -> list[tuple[str, str]]:
    campaign = world.deal.campaign.pk
    messages = f"/messages/{world.thread_id}/" if world.thread_id else "/messages/"
    if role == "brand":
        return [
            ("brand-dashboard", "/"),
            ("campaign", f"/campaigns/{campaign}/"),
            ("contract", f"/contracts/{world.contract_id}/"),
            ("counter-offer", f"/contracts/{world.offer_id}/"),
            ("send-offer", f"/contracts/propose/{campaign}/?creator={world.deal.creator.creator_profile.pk}"),
            ("escrow", f"/escrow/campaigns/{campaign}/"),
            ("discovery", f"/discover/campaigns/{campaign}/"),
            ("messages", messages),
            ("performance", "/incentives/"),
        ]
    if role == "creator":
        return [
            ("creator-dashboard", "/"),
            ("offers", "/contracts/"),
            ("offer", f"/contracts/{world.offer_id}/"),
            ("creator-contract", f"/contracts/{world.contract_id}/"),
            ("earnings", "/payouts/"),
            ("balances", "/escrow/balances/"),
        ]
    return [
        ("operator-dashboard", "/"),
        ("payout-runs", "/payouts/operator/"),
        ("disputes-queue", "/disputes/"),
        ("dispute-detail", f"/disputes/{world.dispute_id}/"),
        ("deposits", "/escrow/operator/deposits/"),
        ("audit", "/console/audit/"),
        ("ledger", "/console/ledger/"),
    ]


def _check(page: Any, lang: str, name: str) -> list[str]:
    """What is wrong with the page in front of us; also saves its screenshots."""
    problems = []
    if page.locator("html").get_attribute("lang") != lang:
        problems.append(f"html lang is {page.locator('html').get_attribute('lang')!r}")
    problems += [f"unlabelled {m}" for m in missing_labels(page)]
    problems += [f"Tab skips {w}" for w in not_keyboard_reachable(page)]
    problems += [f"no focus indicator on {w}" for w in focus_not_visible(page)]
    problems += [f"low contrast {c}" for c in low_contrast(page)]
    if lang == "nl":
        text = page.locator("body").inner_text().replace("\xa0", " ")
        problems += [f"Dutch text missing: {w!r}" for w in DUTCH.get(name, ()) if w not in text]
    blank = blank_scroll_below_footer(page)
    if blank > 40:
        problems.append(f"{blank}px of empty page below the footer: {', '.join(below_footer(page))}")
    screenshot(page, f"{lang}-{name}")
    page.set_viewport_size(PHONE)
    overflow, culprits = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"scrolls {overflow}px sideways at 390px: {', '.join(culprits)}")
    if name.endswith("dashboard"):
        screenshot(page, f"{lang}-{name}-phone")
    page.set_viewport_size(DESKTOP)
    return [f"{lang} {name}: {p}" for p in problems]


def _tour(page: Any, pages: list[tuple[str, str]]) -> list[str]:
    problems: list[str] = []
    for lang in LANGUAGES:
        page.goto(pages[0][1])
        if lang != "en":
            switch_language(page, lang)
        for name, url in pages:
            response = page.goto(url)
            assert response is not None and response.status == 200, f"{url}: {response and response.status}"
            problems += _check(page, lang, name)
    return problems


@pytest.mark.parametrize("role", ["brand", "creator", "operator"])
def test_main_pages_in_both_languages(open_as: Any, role: str) -> None:
    if role == "brand":
        seed_demo_creators(12, seed=31)
        store.clear_cache()
    world = _world()
    users = {"brand": world.deal.brand_users[Role.OWNER].email, "creator": world.deal.creator_users[Role.OWNER].email}
    if role == "operator":
        page = open_as(world.operator_email, world.operator_password)
    else:
        page = open_as(users[role], PASSWORD)
    problems = _tour(page, _pages(role, world))
    assert not problems, "\n".join(problems)


def test_login_page_in_both_languages(open_as: Any) -> None:
    create_operator(email="ops@accord.test", password="operator-password-1")
    page = open_as()
    page.goto("/accounts/login/")
    problems = _check(page, "en", "login")
    switch_language(page, "nl")
    problems += _check(page, "nl", "login")
    assert not problems, "\n".join(problems)
