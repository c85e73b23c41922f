"""Dispute pages for parties and the operator console (queue, evidence, propose/decide, statistics), and the trust
partial."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.accounts.models import Role
from accord.core import clock
from accord.disputes.models import Dispute
from tests.conftest import client_for
from tests.contracts.helpers import make_deal
from tests.disputes.test_disputes import _funded, _open, _operator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def test_party_pages_and_operator_console() -> None:
    deal = make_deal()
    op = _operator("console@accord.test")
    d = _open(deal, _funded(deal))
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    creator = client_for(deal.creator_users[Role.OWNER], deal.creator)
    console = client_for(op.user, op.organization)

    page = brand.get("/disputes/").content.decode()
    assert f"/disputes/{d.pk}/" in page
    detail = creator.get(f"/disputes/{d.pk}/").content.decode()
    assert "Your response" in detail and "Signed terms" in detail and "100000 EUR" in detail

    r = creator.post(f"/disputes/{d.pk}/respond/", {"statement": "It matches the brief."})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "in_mediation"

    queue = console.get("/disputes/").content.decode()
    assert "Dispute queue" in queue and f"/disputes/{d.pk}/" in queue
    console.post(f"/disputes/{d.pk}/note/", {"text": "Brand looks right."})
    assert "Brand looks right." in console.get(f"/disputes/{d.pk}/").content.decode()
    assert "Brand looks right." not in brand.get(f"/disputes/{d.pk}/").content.decode()

    console.post(f"/disputes/{d.pk}/propose/", {"outcome": "split", "creator_amount": "40000", "note": "40/60"})
    assert d.proposals.get().creator_amount == 40_000
    brand.post(f"/disputes/{d.pk}/answer/", {"proposal": "1", "accept": "no"})
    clock.advance(timedelta(hours=5))
    console.post(f"/disputes/{d.pk}/decide/", {"outcome": "refund", "note": "final"})
    d.refresh_from_db()
    assert (d.status, d.outcome) == ("resolved", "refund")
    stats = console.get("/disputes/stats/").content.decode()
    assert "5.0 h" in stats and "not_as_agreed" in stats
    assert brand.get("/disputes/stats/").status_code == 404
    assert client_for(make_deal().brand_users[Role.OWNER]).get(f"/disputes/{d.pk}/").status_code == 404


def test_open_from_the_web_and_refusals_show_a_message() -> None:
    deal = make_deal()
    m = _funded(deal)
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    r = brand.post(
        "/disputes/open/",
        {"target_type": "milestone", "target_id": str(m.pk), "reason": "quality", "statement": "Blurry"},
    )
    d = Dispute.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/disputes/{d.pk}/"
    r = brand.post(
        "/disputes/open/",
        {"target_type": "milestone", "target_id": str(m.pk), "reason": "quality", "statement": "Again"},
        follow=True,
    )
    assert Dispute.objects.count() == 1 and "milestone is disputed" in r.content.decode()


def test_trust_partial() -> None:
    deal = make_deal()
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    page = brand.get(f"/reputation/trust/{deal.creator.pk}/").content.decode()
    assert "New — 0 data points" in page
    assert brand.get("/reputation/trust/999999/").status_code == 404
