"""Dispute pages for parties and the operator console (queue, evidence, propose/decide, statistics), and the trust
partial."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from accord.accounts.models import Role
from accord.contracts import services as contracts
from accord.contracts.models import Milestone
from accord.core import clock
from accord.disputes.models import Dispute
from accord.ledger.models import Transaction
from tests.conftest import client_for
from tests.contracts.helpers import Deal, make_deal, signed_contract
from tests.disputes.test_disputes import _funded, _open, _operator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def _form_nonce(html: str) -> str:
    found = re.search(r'name="nonce" value="([0-9a-f]+)"', html)
    assert found, "the page draws a form nonce"
    return found.group(1)


def test_party_pages_and_operator_console() -> None:
    deal = make_deal()
    op = _operator("console@accord.test")
    d = _open(deal, _funded(deal))
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    creator = client_for(deal.creator_users[Role.OWNER], deal.creator)
    console = client_for(op.user, op.organization)

    page = brand.get("/disputes/").content.decode()
    assert f"/disputes/{d.pk}/" in page and "€1,000.00" in page and "Not as agreed" in page
    detail = creator.get(f"/disputes/{d.pk}/").content.decode()
    assert "Your response" in detail and "Signed terms" in detail and "€1,000.00" in detail
    assert "opened by Brand: Not as agreed" in detail and "Opened" in detail

    r = creator.post(f"/disputes/{d.pk}/respond/", {"statement": "It matches the brief.", "nonce": _form_nonce(detail)})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "in_mediation"

    queue = console.get("/disputes/").content.decode()
    assert "Dispute queue" in queue and f"/disputes/{d.pk}/" in queue
    nonce = _form_nonce(console.get(f"/disputes/{d.pk}/").content.decode())
    console.post(f"/disputes/{d.pk}/note/", {"text": "Brand looks right.", "nonce": nonce})
    assert "Brand looks right." in console.get(f"/disputes/{d.pk}/").content.decode()
    assert "Brand looks right." not in brand.get(f"/disputes/{d.pk}/").content.decode()

    nonce = _form_nonce(console.get(f"/disputes/{d.pk}/").content.decode())
    form = {"outcome": "split", "creator_amount": "40000", "note": "40/60", "nonce": nonce}
    console.post(f"/disputes/{d.pk}/propose/", form)
    assert d.proposals.get().creator_amount == 40_000
    nonce = _form_nonce(brand.get(f"/disputes/{d.pk}/").content.decode())
    brand.post(f"/disputes/{d.pk}/answer/", {"proposal": "1", "accept": "no", "nonce": nonce})
    clock.advance(timedelta(hours=5))
    nonce = _form_nonce(console.get(f"/disputes/{d.pk}/").content.decode())
    review = console.post(f"/disputes/{d.pk}/decide/", {"outcome": "refund", "note": "final", "nonce": nonce})
    html = review.content.decode()
    assert review.status_code == 200 and "Yes, decide and apply it" in html and "€1,000.00" in html
    d.refresh_from_db()
    assert d.status == "in_mediation"  # nothing moved before the mediator confirmed
    console.post(f"/disputes/{d.pk}/decide/", {"outcome": "refund", "note": "final", "nonce": nonce, "confirm": "yes"})
    d.refresh_from_db()
    assert (d.status, d.outcome) == ("resolved", "refund")
    stats = console.get("/disputes/stats/").content.decode()
    assert "5.0 h" in stats and "Not as agreed" in stats and "Refund all to the brand: 1" in stats
    assert brand.get("/disputes/stats/").status_code == 404
    assert client_for(make_deal().brand_users[Role.OWNER]).get(f"/disputes/{d.pk}/").status_code == 404


def test_a_double_submitted_decision_moves_money_once() -> None:
    deal = make_deal()
    op = _operator("double@accord.test")
    d = _open(deal, _funded(deal))
    creator = client_for(deal.creator_users[Role.OWNER], deal.creator)
    nonce = _form_nonce(creator.get(f"/disputes/{d.pk}/").content.decode())
    creator.post(f"/disputes/{d.pk}/respond/", {"statement": "Fine.", "nonce": nonce})
    console = client_for(op.user, op.organization)
    nonce = _form_nonce(console.get(f"/disputes/{d.pk}/").content.decode())
    form = {"outcome": "split", "creator_amount": "30000", "nonce": nonce, "confirm": "yes"}
    review = console.post(f"/disputes/{d.pk}/decide/", {**form, "confirm": ""}).content.decode()
    assert "€300.00" in review and "€700.00" in review  # to the creator, back to the brand
    console.post(f"/disputes/{d.pk}/decide/", form)
    again = console.post(f"/disputes/{d.pk}/decide/", form, follow=True)
    assert "already submitted" in again.content.decode()
    d.refresh_from_db()
    assert (d.status, d.outcome_creator_amount) == ("resolved", 30_000)
    assert Transaction.objects.filter(kind="release", metadata__escrow_hold=d.items.get().escrow_hold_id).count() == 1
    # a refused submit gives its nonce back: the same form can be corrected and sent again
    d2 = _open(deal, _second_funded(deal))
    creator.post(f"/disputes/{d2.pk}/respond/", {"statement": "Fine.", "nonce": "n2"})
    bad = {"outcome": "split", "creator_amount": "0", "nonce": "n3"}
    assert "between 1 and" in console.post(f"/disputes/{d2.pk}/decide/", bad, follow=True).content.decode()
    console.post(f"/disputes/{d2.pk}/decide/", {**bad, "outcome": "release", "confirm": "yes"})
    d2.refresh_from_db()
    assert (d2.status, d2.outcome) == ("resolved", "release")
    # a form without a nonce does nothing
    assert "out of date" in creator.post(f"/disputes/{d2.pk}/withdraw/", {}, follow=True).content.decode()


def _second_funded(deal: Deal) -> Milestone:
    contract = signed_contract(deal)
    m = contract.milestones.get(key="publish")
    contracts.fund_milestone(deal.brand_as(), m.pk, key="fund-2")
    contracts.submit(deal.creator_as(), m.pk, post_url="https://example.test/p/2", caption="Ad #ad")
    return m


def test_open_from_the_web_and_refusals_show_a_message() -> None:
    deal = make_deal()
    m = _funded(deal)
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    listing = brand.get("/disputes/").content.decode()
    link = f"/disputes/open/?target_type=milestone&amp;target_id={m.pk}"
    assert link in listing and "€1,000.00" in listing
    form = brand.get(link.replace("&amp;", "&")).content.decode()
    assert "Not as agreed" in form and f'value="{m.pk}"' in form
    body = {"target_type": "milestone", "target_id": str(m.pk), "reason": "quality", "statement": "Blurry"}
    r = brand.post("/disputes/open/", {**body, "nonce": _form_nonce(form)})
    d = Dispute.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/disputes/{d.pk}/"
    assert link not in brand.get("/disputes/").content.decode()  # frozen already: not offered again
    r = brand.post("/disputes/open/", {**body, "nonce": _form_nonce(form)}, follow=True)  # the same form again
    assert Dispute.objects.count() == 1 and "already submitted" in r.content.decode()
    r = brand.post("/disputes/open/", {**body, "statement": "Again", "nonce": "fresh"}, follow=True)
    assert Dispute.objects.count() == 1 and "milestone is disputed" in r.content.decode()


def test_trust_partial() -> None:
    deal = make_deal()
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    page = brand.get(f"/reputation/trust/{deal.creator.pk}/").content.decode()
    assert "New — 0 data points" in page
    assert brand.get("/reputation/trust/999999/").status_code == 404


@pytest.fixture
def _back_to_english() -> Iterator[None]:
    yield
    translation.deactivate()  # a request in Dutch leaves the language active in this thread


@pytest.mark.usefixtures("_back_to_english")
def test_dispute_pages_and_trust_in_dutch() -> None:
    deal = make_deal()
    op = _operator("nl@accord.test")
    d = _open(deal, _funded(deal))
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    detail = brand.get(f"/disputes/{d.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode().replace("\xa0", " ")
    assert "Geschil" in detail and "Bevroren" in detail and "€ 1.000,00" in detail
    assert "geopend door Merk: Niet zoals afgesproken" in detail and "Geschiedenis" in detail
    assert "Geschil intrekken" in detail  # the opener may withdraw
    listing = brand.get("/disputes/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Geschillen" in listing and "Open: wacht op de andere partij" in listing
    refused = brand.post(
        "/disputes/open/",
        {"target_type": "milestone", "target_id": "999999", "reason": "quality", "statement": "x", "nonce": "nl-1"},
        HTTP_ACCEPT_LANGUAGE="nl",
        follow=True,
    ).content.decode()
    assert "mijlpaal niet gevonden" in refused
    console = client_for(op.user, op.organization)
    queue = console.get("/disputes/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Geschillenwachtrij" in queue and "Niet zoals afgesproken" in queue
    trust = brand.get(f"/reputation/trust/{deal.creator.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Vertrouwen" in trust and "Nieuw — 2 meetpunten" in trust  # a missed promise and the dispute
    assert "1 geschil in 1 contracten (gewonnen 0, verloren 0, verdeeld 0)" in trust
