"""The collaboration lifecycle through the real services and a real database: negotiation, signing, milestones and
money (checked against the ledger), auto-approval with a moved clock, time tracking, amendments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.accounts.models import Role
from accord.contracts import pdf, services
from accord.contracts.models import Contract, ContractVersion, Milestone, Signature
from accord.contracts.terms import terms_hash
from accord.core import clock
from accord.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from accord.core.scheduler import run_due
from accord.escrow.services import split_fee
from accord.ledger import services as ledger
from accord.ledger.models import Hold, Transaction
from accord.ledger.verify import verify
from accord.reputation.models import Commitment
from tests.contracts.helpers import Deal, hourly_terms, make_deal, signed_contract, terms

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(START)


@pytest.fixture
def deal() -> Deal:
    return make_deal()


def _escrow(deal: Deal) -> ledger.Balance:
    return ledger.balances(ledger.escrow_code(deal.campaign.pk), "EUR")


def _payable(deal: Deal) -> int:
    return ledger.balances(ledger.creator_payable_code(deal.creator.pk), "EUR").balance


def _fees() -> int:
    return ledger.balances(ledger.PLATFORM_FEES, "EUR").balance


# -- negotiation and signing ---------------------------------------------------------------------------------------


def test_offer_counter_and_both_signatures(deal: Deal) -> None:
    contract = services.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms(), message="Hi!"
    )
    assert (contract.status, contract.awaiting, contract.origin) == ("offered", "creator", "invitation")
    with pytest.raises(Conflict, match="other party's move"):
        services.counter(deal.brand_as(), contract.pk, terms=terms(max_change_rounds=3))

    countered = terms()
    countered["payment"]["milestones"][1]["amount"] = 120_000
    v2 = services.counter(deal.creator_as(), contract.pk, terms=countered, message="A bit more, please")
    assert v2.number == 2 and v2.kind == "counter"
    assert [(c["field"], c["before"], c["after"]) for c in v2.diff] == [
        ("payment.milestones[publish].amount", 100_000, 120_000)
    ]
    contract.refresh_from_db()
    assert (contract.status, contract.awaiting) == ("countered", "brand")
    assert ContractVersion.objects.get(contract=contract, number=1).status == "superseded"

    with pytest.raises(Conflict) as stale:
        services.sign(deal.brand_as(), contract.pk, typed_name="Bea Brand", version_number=1)
    assert stale.value.code == "stale_version"
    with pytest.raises(PermissionDenied):
        services.sign(deal.brand_as(Role.MEMBER), contract.pk, typed_name="Mo Member", version_number=2)

    services.sign(deal.brand_as(), contract.pk, typed_name="Bea  Brand", version_number=2, ip="203.0.113.7")
    contract.refresh_from_db()
    assert contract.status == "countered"
    with pytest.raises(Conflict, match="already signed"):
        services.sign(deal.brand_as(), contract.pk, typed_name="Bea Brand", version_number=2)
    services.sign(
        deal.creator_as(), contract.pk, typed_name="Cas Creator", version_number=2, terms_sha256=v2.terms_sha256
    )

    contract.refresh_from_db()
    assert contract.status == "signed" and contract.signed_version_id == v2.pk
    signatures = list(Signature.objects.filter(version=v2).order_by("id"))
    assert [s.typed_name for s in signatures] == ["Bea Brand", "Cas Creator"]
    assert all(s.terms_sha256 == v2.terms_sha256 == terms_hash(countered) for s in signatures)
    assert signatures[0].ip_hash and "203.0.113.7" not in signatures[0].ip_hash + signatures[0].ip_salt
    assert signatures[1].ip_hash == ""
    assert [m.amount for m in contract.milestones.order_by("position")] == [50_000, 120_000]
    promised = set(Commitment.objects.filter(subject__startswith=contract.subject).values_list("kind", flat=True))
    assert promised == {"payment_due", "concept_due", "publish_due"}

    v2.refresh_from_db()
    v2.terms = {"tampered": True}
    with pytest.raises(ValueError, match="immutable"):
        v2.save()
    with pytest.raises(IllegalTransition):
        services.counter(deal.creator_as(), contract.pk, terms=terms())


def test_values_conflict_blocks_offer_and_application() -> None:
    deal = make_deal(no_go=["alcohol"], categories=["alcohol"])
    with pytest.raises(Conflict) as caught:
        services.send_offer(
            deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms()
        )
    assert caught.value.code == "values_conflict"
    assert "does not work with alcohol: the campaign is in the brand category alcohol" in caught.value.message
    with pytest.raises(Conflict, match="values conflict"):
        services.apply(deal.creator_as(), campaign_id=deal.campaign.pk, terms=terms())
    assert not Contract.objects.exists()


def test_brief_words_block_too() -> None:
    deal = make_deal(no_go=["gambling"])
    deal.campaign.key_messages = "Bet on our sportsbook this summer"
    deal.campaign.save()
    with pytest.raises(Conflict, match="the brief mentions 'sportsbook'"):
        services.send_offer(
            deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms()
        )


def test_application_takes_the_same_path(deal: Deal) -> None:
    contract = services.apply(deal.creator_as(), campaign_id=deal.campaign.pk, terms=terms(), message="Pick me")
    assert (contract.status, contract.awaiting, contract.origin) == ("offered", "brand", "application")
    assert list(services.inbox(deal.brand_as())) == [contract]
    assert list(services.inbox(deal.creator_as())) == []
    with pytest.raises(Conflict, match="already have an open proposal"):
        services.apply(deal.creator_as(), campaign_id=deal.campaign.pk, terms=terms())
    services.decline(deal.brand_as(), contract.pk, reason="Not this time")
    contract.refresh_from_db()
    assert contract.status == "declined" and contract.current_version.status == "declined"


def test_offers_expire(deal: Deal) -> None:
    contract = services.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms(), expires_in_days=3
    )
    clock.advance(timedelta(days=3, seconds=1))
    with pytest.raises(IllegalTransition, match="contract is expired: cannot sign"):
        services.sign(deal.creator_as(), contract.pk, typed_name="Cas Creator", version_number=1)
    assert services.expire_offers() == 1
    contract.refresh_from_db()
    assert contract.status == "expired"
    assert services.expire_offers() == 0


def test_other_tenants_see_nothing(deal: Deal) -> None:
    contract = signed_contract(deal)
    rival = make_deal(deposit=0)
    with pytest.raises(NotFound):
        services.get_contract(rival.creator_as(), contract.pk)
    with pytest.raises(NotFound):
        services.fund_milestone(rival.brand_as(), contract.milestones.first().pk, key="x")  # type: ignore[union-attr]
    assert list(services.contracts_for(rival.brand_as())) == []


# -- milestones and money ------------------------------------------------------------------------------------------


def test_fund_submit_changes_resubmit_approve_release_against_the_ledger(deal: Deal) -> None:
    contract = signed_contract(deal)
    concept = contract.milestones.get(key="concept")
    assert _escrow(deal) == ledger.Balance(1_000_000, 0, 1_000_000)

    funded = services.fund_milestone(deal.brand_as(), concept.pk, key="fund-1")
    assert funded.status == "funded" and funded.escrow_hold is not None
    assert _escrow(deal) == ledger.Balance(1_000_000, 50_000, 950_000)
    contract.refresh_from_db()
    assert contract.status == "active"
    assert services.fund_milestone(deal.brand_as(), concept.pk, key="fund-1").escrow_hold == funded.escrow_hold
    assert Hold.objects.count() == 1
    with pytest.raises(IllegalTransition, match="milestone is funded: cannot fund"):
        services.fund_milestone(deal.brand_as(), concept.pk, key="fund-2")

    first = services.submit(
        deal.creator_as(),
        concept.pk,
        post_url="",
        caption="New jacket!",
        draft_file=SimpleUploadedFile("draft.png", b"\x89PNG....", content_type="image/png"),
    )
    assert not first.disclosure_ok and first.disclosure_country == "NL" and "#advertentie" in first.disclosure_accepted
    assert first.draft_file.name.endswith(".png") and first.draft_size == 8
    with pytest.raises(Conflict) as blocked:
        services.approve(deal.brand_as(), concept.pk, key="approve-1")
    assert blocked.value.code == "disclosure_missing"
    services.request_changes(deal.brand_as(), concept.pk, comment="Please add #advertentie")
    second = services.submit(
        deal.creator_as(), concept.pk, post_url="https://instagram.com/p/abc", caption="Nieuwe jas #advertentie"
    )
    assert second.round == 2 and second.disclosure_ok and second.disclosure_found == ["#advertentie"]

    transactions_before = Transaction.objects.count()
    released = services.approve(deal.brand_as(), concept.pk, key="approve-1", comment="Great")
    net, fee = split_fee(50_000, 1000)
    assert released.status == "released" and released.released_amount == 50_000
    assert (_payable(deal), _fees()) == (net, fee) and net + fee == 50_000
    assert _escrow(deal) == ledger.Balance(950_000, 0, 950_000)
    assert Transaction.objects.count() == transactions_before + 1
    # A replay of the same approval moves nothing; a new one is an illegal transition.
    assert services.approve(deal.brand_as(), concept.pk, key="approve-1").status == "released"
    assert Transaction.objects.count() == transactions_before + 1
    with pytest.raises(IllegalTransition):
        services.approve(deal.brand_as(), concept.pk, key="approve-2")
    assert verify() == []
    review = Commitment.objects.filter(subject=f"{contract.subject}:milestone:concept", kind="review_due")
    assert sorted(review.values_list("status", flat=True)) == ["met", "met"]


def test_change_rounds_are_limited(deal: Deal) -> None:
    data = terms(max_change_rounds=1, require_disclosure=False)
    contract = signed_contract(deal, data)
    m = contract.milestones.get(key="concept")
    services.fund_milestone(deal.brand_as(), m.pk, key="f")
    services.submit(deal.creator_as(), m.pk, post_url="https://x.test/1", caption="no tag")
    services.request_changes(deal.brand_as(), m.pk, comment="again")
    services.submit(deal.creator_as(), m.pk, post_url="https://x.test/2", caption="no tag")
    with pytest.raises(Conflict) as caught:
        services.request_changes(deal.brand_as(), m.pk, comment="once more")
    assert caught.value.code == "change_rounds_exhausted"
    assert services.approve(deal.brand_as(), m.pk, key="a").status == "released"  # disclosure not required here


def test_wrong_party_and_illegal_steps(deal: Deal) -> None:
    contract = signed_contract(deal)
    m = contract.milestones.get(key="concept")
    with pytest.raises(IllegalTransition, match="milestone is unfunded: cannot submit"):
        services.submit(deal.creator_as(), m.pk, post_url="https://x.test/1")
    with pytest.raises(IllegalTransition, match="milestone is unfunded: cannot approve"):
        services.approve(deal.brand_as(), m.pk, key="a")
    with pytest.raises(PermissionDenied):
        services.fund_milestone(deal.creator_as(), m.pk, key="f")
    services.fund_milestone(deal.brand_as(), m.pk, key="f")
    with pytest.raises(PermissionDenied):
        services.submit(deal.brand_as(), m.pk, post_url="https://x.test/1")
    with pytest.raises(PermissionDenied):
        services.fund_milestone(deal.brand_as(Role.VIEWER), contract.milestones.get(key="publish").pk, key="g")
    with pytest.raises(IllegalTransition, match="milestone is funded: cannot request_changes"):
        services.request_changes(deal.brand_as(), m.pk, comment="?")
    with pytest.raises(Conflict) as held:
        services.terminate(deal.brand_as(), contract.pk, reason="changed our mind")
    assert held.value.code == "money_held"
    services.mark_disputed(m.pk, actor_label="disputes")
    with pytest.raises(IllegalTransition, match="milestone is disputed"):
        services.approve(deal.brand_as(), m.pk, key="a")


def test_draft_files_are_limited(deal: Deal, settings: Any) -> None:
    contract = signed_contract(deal)
    m = contract.milestones.get(key="concept")
    services.fund_milestone(deal.brand_as(), m.pk, key="f")
    with pytest.raises(ValidationFailed, match="draft files must be one of"):
        services.submit(
            deal.creator_as(), m.pk, draft_file=SimpleUploadedFile("x.exe", b"MZ", "application/x-msdownload")
        )
    settings.ACCORD_DRAFT_MAX_BYTES = 4
    with pytest.raises(ValidationFailed, match="the limit is 4"):
        services.submit(deal.creator_as(), m.pk, draft_file=SimpleUploadedFile("x.png", b"12345", "image/png"))


def test_insufficient_escrow_is_refused(deal: Deal) -> None:
    poor = make_deal(deposit=60_000)
    contract = signed_contract(poor)
    services.fund_milestone(poor.brand_as(), contract.milestones.get(key="concept").pk, key="a")
    with pytest.raises(Conflict) as caught:
        services.fund_milestone(poor.brand_as(), contract.milestones.get(key="publish").pk, key="b")
    assert caught.value.code == "insufficient_funds"
    assert contract.milestones.get(key="publish").status == "unfunded"


def test_silence_past_the_review_window_auto_approves(deal: Deal) -> None:
    contract = signed_contract(deal, terms(review_window_days=5))
    m = contract.milestones.get(key="concept")
    services.fund_milestone(deal.brand_as(), m.pk, key="f")
    services.submit(deal.creator_as(), m.pk, post_url="https://x.test/1", caption="#ad")
    clock.advance(timedelta(days=4, hours=23))
    assert services.auto_approve_due() == []
    clock.advance(timedelta(hours=1, seconds=1))
    assert "contracts.auto_approve" in run_due()  # the worker's scheduler runs the registered job
    m.refresh_from_db()
    assert (m.status, m.auto_approved, m.approved_by) == ("released", True, "accord")
    assert _payable(deal) == split_fee(50_000, 1000)[0]
    review = Commitment.objects.get(subject=f"{contract.subject}:milestone:concept", kind="review_due")
    assert review.status == "missed"
    assert services.auto_approve_due() == []
    assert verify() == []


def test_passed_deadlines_are_flagged_once(deal: Deal) -> None:
    contract = signed_contract(deal)
    concept = contract.milestones.get(key="concept")
    clock.advance(timedelta(days=8))
    assert services.flag_overdue() == [concept.pk]
    assert services.flag_overdue() == []
    concept.refresh_from_db()
    assert concept.overdue and concept.overdue_flagged_at is not None


def test_upfront_share_is_released_without_a_submission(deal: Deal) -> None:
    data = terms(
        payment={
            "kind": "deposit",
            "total": 100_000,
            "upfront_bps": 3000,
            "upfront_due_on": clock.today().isoformat(),
            "final_due_on": "2026-04-01",
        }
    )
    contract = signed_contract(deal, data)
    upfront = contract.milestones.get(key="upfront")
    services.fund_milestone(deal.brand_as(), upfront.pk, key="f")
    assert services.approve(deal.brand_as(), upfront.pk, key="a").status == "released"
    assert _payable(deal) + _fees() == 30_000


def test_amendment_is_a_new_version_signed_by_both(deal: Deal) -> None:
    contract = signed_contract(deal)
    services.fund_milestone(deal.brand_as(), contract.milestones.get(key="concept").pk, key="f")
    locked = terms()
    locked["payment"]["milestones"][0]["amount"] = 1
    with pytest.raises(ValidationFailed, match="milestone concept is already funded"):
        services.propose_amendment(deal.brand_as(), contract.pk, terms=locked)
    amended = terms()
    amended["payment"]["milestones"][1]["amount"] = 150_000
    version = services.propose_amendment(deal.creator_as(), contract.pk, terms=amended, message="More work")
    assert version.kind == "amendment" and version.number == 2
    assert [c["field"] for c in version.diff] == ["payment.milestones[publish].amount"]
    services.sign(deal.creator_as(), contract.pk, typed_name="Cas Creator", version_number=2)
    assert contract.milestones.get(key="publish").amount == 100_000  # not binding with one signature
    services.sign(deal.brand_as(), contract.pk, typed_name="Bea Brand", version_number=2)
    contract.refresh_from_db()
    assert contract.signed_version_id == version.pk and contract.status == "active"
    assert contract.milestones.get(key="publish").amount == 150_000
    assert ContractVersion.objects.get(contract=contract, number=1).status == "superseded"


def test_terminate_cancels_unfunded_milestones(deal: Deal) -> None:
    contract = signed_contract(deal)
    with pytest.raises(PermissionDenied):
        services.terminate(deal.brand_as(Role.MEMBER), contract.pk, reason="x")
    ended = services.terminate(deal.creator_as(), contract.pk, reason="Brief changed")
    assert ended.status == "terminated"
    assert set(contract.milestones.values_list("status", flat=True)) == {"cancelled"}
    assert not Commitment.objects.filter(subject__startswith=contract.subject, status="open").exists()


def test_pdf_shows_the_signed_terms(deal: Deal) -> None:
    contract = signed_contract(deal)
    body = pdf.render(contract)
    assert body.startswith(b"%PDF") and len(body) > 1000


# -- time tracking -------------------------------------------------------------------------------------------------


def test_hourly_timesheets_release_approved_time_capped(deal: Deal) -> None:
    contract = signed_contract(deal, hourly_terms(rate=6_000, cap=30_000))
    budget = contract.milestones.get()
    assert budget.is_hourly_budget and budget.amount == 30_000
    services.fund_milestone(deal.brand_as(), budget.pk, key="budget")

    monday = clock.today()
    services.log_time(deal.creator_as(), contract.pk, work_date=monday, minutes=120, note="Shoot", deliverable="reel")
    services.log_time(deal.creator_as(), contract.pk, work_date=monday, minutes=60, note="Edit")
    with pytest.raises(ValidationFailed):
        services.log_time(deal.creator_as(), contract.pk, work_date=monday, minutes=30, deliverable="nope")
    sheet = contract.timesheets.get()
    assert sheet.minutes == 180
    with pytest.raises(IllegalTransition, match="timesheet is open: cannot approve"):
        services.approve_timesheet(deal.brand_as(), sheet.pk, key="w1")
    services.submit_timesheet(deal.creator_as(), sheet.pk)
    services.query_timesheet(deal.brand_as(), sheet.pk, comment="What was edited?")
    services.submit_timesheet(deal.creator_as(), sheet.pk)
    approved = services.approve_timesheet(deal.brand_as(), sheet.pk, key="w1")
    assert approved.amount == 18_000  # 3 h × 60.00
    assert _payable(deal) + _fees() == 18_000
    assert _escrow(deal).pending_out == 12_000  # the rest of the cap stays held
    assert services.approve_timesheet(deal.brand_as(), sheet.pk, key="w1").amount == 18_000  # replay
    assert _payable(deal) + _fees() == 18_000

    clock.advance(timedelta(days=7))
    services.log_time(deal.creator_as(), contract.pk, work_date=clock.today(), minutes=240)
    week2 = contract.timesheets.get(week_start=clock.today())
    services.submit_timesheet(deal.creator_as(), week2.pk)
    assert services.approve_timesheet(deal.brand_as(), week2.pk, key="w2").amount == 12_000  # capped (4 h = 240.00)
    budget.refresh_from_db()
    assert (budget.status, budget.released_amount) == ("released", 30_000)
    assert _escrow(deal) == ledger.Balance(970_000, 0, 970_000)
    contract.refresh_from_db()
    assert contract.status == "completed"
    assert verify() == []


def test_time_only_on_hourly_contracts(deal: Deal) -> None:
    contract = signed_contract(deal)
    with pytest.raises(Conflict, match="only on hourly"):
        services.log_time(deal.creator_as(), contract.pk, work_date=clock.today(), minutes=30)


def test_completed_when_every_milestone_is_released(deal: Deal) -> None:
    contract = signed_contract(deal, terms(require_disclosure=False))
    for m in contract.milestones.order_by("position"):
        services.fund_milestone(deal.brand_as(), m.pk, key=f"f{m.pk}")
        services.submit(deal.creator_as(), m.pk, post_url="https://x.test/p")
        services.approve(deal.brand_as(), m.pk, key=f"a{m.pk}")
    contract.refresh_from_db()
    assert contract.status == "completed"
    assert Milestone.objects.filter(contract=contract, status="released").count() == 2
    with pytest.raises(IllegalTransition, match="contract is completed: cannot terminate"):
        services.terminate(deal.brand_as(), contract.pk, reason="late")


def test_campaign_cannot_close_under_open_contracts(deal: Deal) -> None:
    from accord.campaigns import services as campaigns

    contract = signed_contract(deal)
    campaigns.transition(deal.brand_as(), deal.campaign.pk, "activate")
    with pytest.raises(Conflict) as caught:
        campaigns.transition(deal.brand_as(), deal.campaign.pk, "complete")
    assert caught.value.code == "contracts_open" and f"#{contract.pk}" in caught.value.message
    services.terminate(deal.brand_as(), contract.pk, reason="Season over")
    assert campaigns.transition(deal.brand_as(), deal.campaign.pk, "complete").status == "completed"


def test_dispute_hooks_freeze_and_settle(deal: Deal) -> None:
    from accord.escrow import services as escrow

    contract = signed_contract(deal, terms(require_disclosure=False))
    concept, publish = contract.milestones.order_by("position")
    for m in (concept, publish):
        services.fund_milestone(deal.brand_as(), m.pk, key=f"f{m.pk}")
        services.submit(deal.creator_as(), m.pk, post_url="https://x.test/p")
        services.mark_disputed(m.pk, actor_label="disputes")
    clock.advance(timedelta(days=30))
    assert services.auto_approve_due() == []  # a disputed milestone is frozen

    # A split: the disputes app releases part of the hold, then hands the milestone back.
    hold = Milestone.objects.get(pk=concept.pk).escrow_hold
    assert hold is not None
    escrow.release(None, escrow_hold_id=hold.pk, key="dispute-split", amount=30_000)
    settled = services.dispute_settled(concept.pk, outcome="split", creator_amount=30_000)
    assert (settled.status, settled.released_amount) == ("released", 30_000)

    # Withdrawn: back to review with a fresh window.
    resumed = services.dispute_settled(publish.pk, outcome=None)
    assert resumed.status == "submitted" and resumed.review_due_at == clock.now() + timedelta(days=14)
    assert services.approve(deal.brand_as(), publish.pk, key="after").status == "released"
    contract.refresh_from_db()
    assert contract.status == "completed"
    with pytest.raises(IllegalTransition):
        services.dispute_settled(publish.pk, outcome="refund")
    assert _escrow(deal) == ledger.Balance(1_000_000 - 30_000 - 100_000, 0, 1_000_000 - 130_000)
    assert verify() == []


def test_funding_late_owes_the_agreed_late_payment(deal: Deal) -> None:
    late = {"kind": "fee", "fee": 2_500, "grace_days": 3}
    contract = signed_contract(deal, terms(late_payment=late))
    concept = contract.milestones.get(key="concept")  # due in 7 days
    assert services.late_payment_for(concept) == 0
    clock.advance(timedelta(days=11))
    assert services.late_payment_for(concept) == 2_500  # unfunded 4 days past due, 3 days' grace
    funded = services.fund_milestone(deal.brand_as(), concept.pk, key="late")
    clock.advance(timedelta(days=30))
    assert services.late_payment_for(funded) == 2_500  # fixed at the day it was funded


def test_finishing_hourly_work_returns_the_unused_budget(deal: Deal) -> None:
    contract = signed_contract(deal, hourly_terms(rate=6_000, cap=30_000))
    budget = contract.milestones.get()
    services.fund_milestone(deal.brand_as(), budget.pk, key="budget")
    entry = services.log_time(deal.creator_as(), contract.pk, work_date=clock.today(), minutes=60)
    with pytest.raises(Conflict) as waiting:
        services.finish_hourly(deal.brand_as(), contract.pk, key="end")
    assert waiting.value.code == "timesheets_pending"
    services.submit_timesheet(deal.creator_as(), entry.timesheet_id)
    services.approve_timesheet(deal.brand_as(), entry.timesheet_id, key="w1")
    with pytest.raises(PermissionDenied):
        services.finish_hourly(deal.creator_as(), contract.pk, key="end")
    finished = services.finish_hourly(deal.brand_as(), contract.pk, key="end")
    assert (finished.status, finished.released_amount) == ("released", 6_000)
    assert _escrow(deal) == ledger.Balance(994_000, 0, 994_000)
    contract.refresh_from_db()
    assert contract.status == "completed"
    with pytest.raises(IllegalTransition):
        services.finish_hourly(deal.brand_as(), contract.pk, key="again")
    assert verify() == []


def test_stored_versions_verify_by_their_own_bytes(deal: Deal) -> None:
    """A version stored before a field was added keeps its hash; an edited one is refused at signing."""
    from accord.contracts.terms import stored_hash

    contract = services.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms()
    )
    version = contract.current_version
    assert version is not None and stored_hash(version.terms) == version.terms_sha256
    older = {k: v for k, v in version.terms.items() if k != "dispute_window_days"}  # as stored by an older schema
    ContractVersion.objects.filter(pk=version.pk).update(terms=older, terms_sha256=stored_hash(older))
    services.sign(deal.creator_as(), contract.pk, typed_name="Cas Creator", version_number=1)
    edited = {**older, "max_change_rounds": 9}
    ContractVersion.objects.filter(pk=version.pk).update(terms=edited)
    with pytest.raises(Conflict) as caught:
        services.sign(deal.brand_as(), contract.pk, typed_name="Bea Brand", version_number=1)
    assert caught.value.code == "terms_tampered"
