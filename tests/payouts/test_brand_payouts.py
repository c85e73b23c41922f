"""The brand's payouts page: which payouts may carry its money (never their amounts, the creator's bank account or
another brand's contracts), tenancy, and opening a payout dispute from a row through the disputes service."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from accord.accounts.models import Role
from accord.contracts.models import Contract
from accord.core import clock
from accord.disputes.models import Dispute
from accord.payouts import services as payouts
from accord.payouts.models import Payout, PayoutRun
from tests.conftest import client_for
from tests.contracts.helpers import Deal, make_deal
from tests.disputes.test_payout_disputes import _on_demand, _released

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
IBAN = "NL91ABNA0417164300"  # the creator's, as _on_demand adds it
NONCE = re.compile(r'name="nonce" value="([0-9a-f]{32})"')


def _select(deal: Deal, *, move: bool) -> Payout:
    """Today's payout of the creator (on demand), moved to in transit or still scheduled."""
    _on_demand(deal)
    run = payouts._run_for("EUR", clock.today(), "test")
    payouts._select(run, 100)
    if move:
        payouts._move(run, 100)
    return Payout.objects.get(run=run, organization=deal.creator)


def _page(client: Client, lang: str = "en") -> str:
    r = client.get("/payouts/brand/", HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 200
    return r.content.decode()


def _dispute_link(payout: Payout, contract: Contract) -> str:
    return f"/disputes/open/?target_type=payout&amp;target_id={payout.pk}&amp;contract_id={contract.pk}"


@pytest.fixture
def world() -> dict[str, object]:
    """Creator X works for brand A (paid first, payout 1) and then brand B too (payout 2 carries both); brand C
    works only with another creator."""
    clock.set_now(START)
    a = make_deal()
    b_own = make_deal()
    b = Deal(b_own.brand, b_own.brand_users, a.creator, a.creator_users, b_own.campaign)
    c = make_deal()
    contract_a = _released(a, "a")
    first = _select(a, move=True)
    clock.set_now(START + timedelta(days=1))
    contract_b = _released(b, "b")
    second = _select(a, move=False)
    assert (first.amount, second.amount) == (90_000, 90_000)
    return {
        "a": a,
        "b": b,
        "c": c,
        "contract_a": contract_a,
        "contract_b": contract_b,
        "first": first,
        "second": second,
    }


def _owner(deal: Deal) -> Client:
    return client_for(deal.brand_users[Role.OWNER], deal.brand)


def test_each_brand_sees_only_the_payouts_its_money_may_be_in_without_amounts_or_bank_details(world: dict) -> None:
    a, b, c = world["a"], world["b"], world["c"]
    first, second = world["first"], world["second"]
    contract_a, contract_b = world["contract_a"], world["contract_b"]

    page_a = _page(_owner(a))
    assert f'data-payout="{first.pk}"' in page_a and f'data-payout="{second.pk}"' in page_a
    assert a.creator.name in page_a and '<a href="/payouts/brand/">Payouts</a>' in page_a
    assert _dispute_link(first, contract_a) in page_a and _dispute_link(second, contract_a) in page_a
    assert f"contract_id={contract_b.pk}" not in page_a  # brand B's contract is not A's to see

    # B paid the creator after payout 1 was made: only payout 2 may carry B's money.
    page_b = _page(_owner(b))
    assert f'data-payout="{second.pk}"' in page_b and f'data-payout="{first.pk}"' not in page_b
    assert _dispute_link(second, contract_b) in page_b and f"contract_id={contract_a.pk}" not in page_b
    assert a.brand.name not in page_b and b.brand.name not in page_a

    for page in (page_a, page_b):
        # Neither the payout's amount (the creator's earnings from every brand) nor any part of the IBAN.
        assert "€900.00" not in page and "€1,800.00" not in page
        assert "NL91" not in page and "4300" not in page and "ABNA" not in page

    page_c = _page(_owner(c))
    assert "data-payout=" not in page_c and "No payouts carry money of your contracts yet." in page_c


def test_creators_and_operators_do_not_get_the_brand_page(world: dict) -> None:
    a = world["a"]
    creator = client_for(a.creator_users[Role.OWNER], a.creator)
    assert creator.get("/payouts/brand/").status_code == 403
    assert '<a href="/payouts/brand/">' not in creator.get("/payouts/").content.decode()


def test_the_page_in_dutch(world: dict) -> None:
    page = _page(_owner(world["b"]), "nl")
    assert "Uitbetalingen van je contracten" in page and "Geschil voor" in page


def test_a_brand_disputes_a_payout_from_its_row_and_sees_a_refusal_on_the_form(world: dict) -> None:
    a, b = world["a"], world["b"]
    second, contract_a, contract_b = world["second"], world["contract_a"], world["contract_b"]
    brand_b = _owner(b)
    link = _dispute_link(second, contract_b)
    form = brand_b.get(link.replace("&amp;", "&")).content.decode()
    assert f'value="{second.pk}"' in form and f'value="{contract_b.pk}"' in form
    assert "<label>Contract whose money the payout pays (number)" in form
    body = {
        "target_type": "payout",
        "target_id": str(second.pk),
        "contract_id": str(contract_b.pk),
        "reason": "other",
        "statement": "We did not approve this release.",
        "nonce": NONCE.findall(form)[0],
    }
    r = brand_b.post("/disputes/open/", body)
    d = Dispute.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/disputes/{d.pk}/"
    second.refresh_from_db()
    assert second.state == Payout.State.HELD and d.frozen_amount == 90_000

    # The payout is held now: no dispute link for it on either brand's page.
    page_a = _page(_owner(a))
    assert _dispute_link(second, contract_a) not in page_a and "Held (disputed)" in page_a
    # Posting anyway: the service's refusal shows on the form as it was filled in (not a silent redirect).
    statement = "Paid twice?"
    r = _owner(a).post(
        "/disputes/open/", {**body, "contract_id": str(contract_a.pk), "statement": statement, "nonce": "a-1"}
    )
    page = r.content.decode()
    assert r.status_code == 400 and 'class="error"' in page and statement in page
    assert Dispute.objects.count() == 1


def test_the_run_never_pays_a_held_payout_a_brand_disputed(world: dict) -> None:
    b, second, contract_b = world["b"], world["second"], world["contract_b"]
    body = {
        "target_type": "payout",
        "target_id": str(second.pk),
        "contract_id": str(contract_b.pk),
        "reason": "other",
        "statement": "Hold it.",
        "nonce": "b-1",
    }
    assert _owner(b).post("/disputes/open/", body).status_code == 302
    run = PayoutRun.objects.get(pk=second.run_id)
    payouts._move(run, 100)
    second.refresh_from_db()
    assert second.state == Payout.State.HELD and second.moved_at is None
