"""Erasure is refused, naming each blocker, while money is in flight or owed; it succeeds once all is settled.
Money-related: run on PostgreSQL too (ACCORD_DATABASE_URL)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest

from accord.accounts import privacy_erasure, privacy_export
from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.accounts.services import create_operator
from accord.contracts import services as contracts
from accord.core import clock
from accord.core.errors import Conflict
from accord.disputes import services as disputes
from accord.escrow import services as escrow
from accord.payouts import services as payouts
from accord.payouts.models import Payout, PayoutMethod
from tests.contracts.helpers import make_deal, signed_contract
from tests.payouts.helpers import DEBTOR_IBAN, assert_ledger_ok, creator, owner_principal

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _blockers(principal: Principal) -> set[str]:
    with pytest.raises(Conflict) as refused:
        privacy_erasure.erase(principal, principal.organization.name)
    assert refused.value.code == "erasure_blocked"
    principal.organization.refresh_from_db()
    assert principal.organization.deleted_at is None
    return {b["code"] for b in refused.value.fields["blockers"]}


def test_funded_milestone_and_open_dispute_block_both_sides() -> None:
    deal = make_deal()
    contract = signed_contract(deal)
    m = contract.milestones.get(key="publish")
    contracts.fund_milestone(deal.brand_as(), m.pk, key="fund-1")
    contracts.submit(deal.creator_as(), m.pk, post_url="https://example.test/p/1", caption="Ad #ad")
    disputes.open_dispute(
        deal.brand_as(), target_type="milestone", target_id=m.pk, reason="not_as_agreed", statement="Not it."
    )
    assert {"balance_escrow", "holds_open", "contracts_open", "disputes_open"} <= _blockers(deal.brand_as())
    assert {"contracts_open", "disputes_open"} <= _blockers(deal.creator_as())


def test_a_deposit_awaiting_payment_blocks() -> None:
    deal = make_deal(deposit=0)
    escrow.start_deposit(deal.brand_as(), campaign_id=deal.campaign.pk, amount=50_000, key="dep-wait")
    assert _blockers(deal.brand_as()) == {"deposits_pending"}


@pytest.fixture
def _payout_day(settings: Any) -> None:
    settings.ACCORD_STRIPE_API_KEY = ""
    clock.set_now(MONDAY)
    payouts.add_debtor(name="Accord Platform B.V.", iban=DEBTOR_IBAN, bic="ABNANL2A", currency="EUR")


@pytest.mark.usefixtures("_payout_day")
def test_earnings_then_an_unpaid_payout_block_until_paid() -> None:
    org = creator(5000)
    owner = owner_principal(org)
    assert _blockers(owner) == {"balance_creator_payable"}
    run = payouts.run_payouts("EUR")
    [payout] = Payout.objects.filter(run=run, organization=org)
    assert payout.state == Payout.State.PROCESSING
    assert _blockers(owner) == {"payouts_unpaid"}
    user = create_operator(email="ops@accord.test", password="operator-password-1")
    ops = Principal(organization=Organization.objects.get(kind="operator"), role=Role.OWNER, user=user)
    payouts.mark_paid(ops, payout.pk, reference="bank-1")
    # The export shows the bank account by its last four digits only.
    export, _ = privacy_export.request_export(owner)
    _name, content = privacy_export.content(owner, export.pk)
    archive = zipfile.ZipFile(io.BytesIO(content))
    [method] = json.loads(archive.read("payouts.methods.json"))
    iban = PayoutMethod.objects.get(organization=org).iban
    assert "iban" not in method and method["iban_masked"].replace(" ", "").endswith(iban[-4:])
    assert iban not in b"".join(archive.read(n) for n in archive.namelist()).decode()
    privacy_erasure.erase(owner, org.name)
    org.refresh_from_db()
    assert org.deleted_at is not None
    kept = PayoutMethod.objects.get(organization=org)
    assert kept.iban == "" and kept.account_holder == "" and kept.removed_at is not None
    assert Payout.objects.get(pk=payout.pk).state == Payout.State.PAID
    assert_ledger_ok()


def test_a_member_of_another_organization_keeps_that_one() -> None:
    deal = make_deal(deposit=0)
    elsewhere = deal.brand_users[Role.ADMIN]
    from accord.accounts.models import Membership

    Membership.objects.create(user=elsewhere, organization=deal.creator, role=Role.MEMBER)
    privacy_erasure.erase(deal.brand_as(), deal.brand.name)
    elsewhere.refresh_from_db()
    assert elsewhere.is_active and "@erased.invalid" not in elsewhere.email
    assert list(Membership.objects.filter(user=elsewhere).values_list("organization", flat=True)) == [deal.creator.pk]
    owner = deal.brand_users[Role.OWNER]
    owner.refresh_from_db()
    assert not owner.is_active and owner.email.endswith("@erased.invalid")
