"""A dispute resolved in real browsers, one per person: the brand opens it on the held milestone, the creator
responds, the operator's mediator proposes a refund (the creator rejects it) and then a split both parties accept;
the split is booked and both see the history."""

from __future__ import annotations

from typing import Any

import pytest

from accord.accounts.models import Role
from accord.accounts.services import create_operator
from accord.contracts import services as contracts
from accord.disputes.models import Dispute
from accord.escrow.services import split_fee
from accord.ledger import services as ledger
from tests.browser.conftest import missing_labels, screenshot
from tests.conftest import PASSWORD
from tests.contracts.helpers import make_deal, signed_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPERATOR = ("mediator@accord.test", "operator-password-1")
FEE_BPS = 1000  # the platform fee the test settings use (as tests/disputes)


def _history(page: Any) -> str:
    text: str = page.locator("h2", has_text="History").locator("xpath=following-sibling::ol[1]").inner_text()
    return text


def test_mediator_journey(open_as: Any) -> None:
    deal = make_deal()
    contract = signed_contract(deal)
    milestone = contract.milestones.get(key="publish")  # 1,000.00
    contracts.fund_milestone(deal.brand_as(), milestone.pk, key="fund-publish")
    contracts.submit(deal.creator_as(), milestone.pk, post_url="https://example.test/p/1", caption="Reel #ad")
    create_operator(email=OPERATOR[0], password=OPERATOR[1])
    escrow_before = ledger.balances(ledger.escrow_code(deal.campaign.pk), "EUR")
    payable_before = ledger.balances(ledger.creator_payable_code(deal.creator.pk), "EUR").balance

    # The brand disputes the held milestone from its disputes page (no header link leads there for parties yet).
    brand = open_as(deal.brand_users[Role.OWNER].email, PASSWORD, start="/disputes/")
    brand.get_by_role("row").filter(has_text=milestone.title).get_by_role("link", name="Dispute this").click()
    assert missing_labels(brand) == []
    brand.get_by_label("Reason").select_option("not_as_agreed")
    brand.get_by_label("What went wrong").fill("The reel shows a beach, not the agreed mountain trail.")
    brand.get_by_role("button", name="Open the dispute").click()
    assert "Dispute opened: the money in question is frozen." in brand.content()
    dispute = Dispute.objects.get()
    assert brand.url.endswith(f"/disputes/{dispute.pk}/")

    creator = open_as(deal.creator_users[Role.OWNER].email, PASSWORD, start="/disputes/")
    creator.get_by_role("link", name=str(dispute.pk), exact=True).click()
    assert missing_labels(creator) == []
    creator.get_by_label("Your response").fill("It is exactly the reel the brief asked for.")
    creator.get_by_role("button", name="Respond").click()
    assert "Response sent." in creator.content()

    mediator = open_as(*OPERATOR, start="/disputes/")
    assert "Dispute queue" in mediator.content()
    screenshot(mediator, "en-journey-disputes-queue")
    mediator.get_by_role("link", name=str(dispute.pk), exact=True).click()
    assert missing_labels(mediator) == []
    mediator.get_by_label("Outcome").select_option("refund")
    mediator.get_by_label("Note to both parties").fill("The reel misses the agreed trail.")
    mediator.get_by_role("button", name="Propose").click()
    assert "Proposal sent to both parties." in mediator.content()

    creator.reload()
    creator.get_by_role("button", name="Reject").click()
    assert "Answer recorded." in creator.content()

    mediator.reload()
    mediator.get_by_label("Outcome").select_option("split")
    mediator.get_by_label("Creator amount (split)").fill("40000")
    mediator.get_by_label("Note to both parties").fill("Meet in the middle: 400.00 to the creator.")
    mediator.get_by_role("button", name="Propose").click()
    assert "Proposal sent to both parties." in mediator.content()
    screenshot(mediator, "en-journey-dispute-proposal")

    brand.reload()
    brand.get_by_role("button", name="Accept the proposal").click()
    assert "Answer recorded." in brand.content()
    creator.reload()
    creator.get_by_role("button", name="Accept the proposal").click()
    assert "Answer recorded." in creator.content()

    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome, dispute.outcome_creator_amount) == ("resolved", "split", 40_000)
    net, fee = split_fee(40_000, FEE_BPS)
    payable = ledger.balances(ledger.creator_payable_code(deal.creator.pk), "EUR").balance
    assert payable - payable_before == net
    escrow_after = ledger.balances(ledger.escrow_code(deal.campaign.pk), "EUR")
    assert escrow_after.balance == escrow_before.balance - 40_000  # 600.00 back to the brand's available escrow
    assert escrow_after.available == escrow_before.available + 60_000
    assert fee > 0

    for page in (brand, creator):
        page.reload()
        assert str(Dispute.Status.RESOLVED.label) in page.locator("h1").inner_text()
        history = _history(page)
        assert history.count("proposed") == 2 and history.count("answered") == 3, history
