"""Disputes through the real services and a real database: the state machine, money frozen and released exactly,
each outcome's ledger effect, deadlines with a moved clock, and a crash in the middle of applying an outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.accounts.services import create_operator
from accord.contracts import services as contracts
from accord.contracts.models import Milestone
from accord.core import clock
from accord.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from accord.disputes import services, states
from accord.disputes.models import Dispute, DisputeEvent, Evidence, FrozenItem
from accord.escrow import services as escrow
from accord.escrow.models import Accrual
from accord.escrow.services import split_fee
from accord.ledger import services as ledger
from accord.ledger.models import Hold, Transaction
from accord.ledger.verify import verify
from accord.reputation.models import Commitment
from tests.contracts.helpers import Deal, make_deal, signed_contract

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FEE_BPS = 1000


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(START)


@pytest.fixture
def deal() -> Deal:
    return make_deal()


def _operator(email: str) -> Principal:
    user = create_operator(email=email, password="operator-password-1")
    org = Organization.objects.get(kind=Organization.Kind.OPERATOR)
    return Principal(organization=org, role=Role.OWNER, user=user)


@pytest.fixture
def operator() -> Principal:
    return _operator("mediator1@accord.test")


def _escrow(deal: Deal) -> ledger.Balance:
    return ledger.balances(ledger.escrow_code(deal.campaign.pk), "EUR")


def _payable(deal: Deal) -> int:
    return ledger.balances(ledger.creator_payable_code(deal.creator.pk), "EUR").balance


def _fees() -> int:
    return ledger.balances(ledger.PLATFORM_FEES, "EUR").balance


def _funded(deal: Deal, submit: bool = True) -> Milestone:
    contract = signed_contract(deal)
    m = contract.milestones.get(key="publish")  # 100_000
    contracts.fund_milestone(deal.brand_as(), m.pk, key="fund-1")
    if submit:
        contracts.submit(deal.creator_as(), m.pk, post_url="https://example.test/p/1", caption="Ad #ad")
    m.refresh_from_db()
    return m


def _open(deal: Deal, m: Milestone, side: str = "brand") -> Dispute:
    actor = deal.brand_as() if side == "brand" else deal.creator_as()
    return services.open_dispute(
        actor, target_type="milestone", target_id=m.pk, reason="not_as_agreed", statement="Not the agreed reel."
    )


def _in_mediation(deal: Deal, m: Milestone, operator: Principal) -> Dispute:
    d = _open(deal, m)
    return services.respond(deal.creator_as(), d.pk, statement="It is exactly what the brief said.")


# -- state machine -------------------------------------------------------------------------------------------------


def test_every_cell_of_the_dispute_machine() -> None:
    for current in states.DISPUTE.states:
        for action in states.DISPUTE.actions:
            if (current, action) in states.DISPUTE.table:
                assert states.DISPUTE.next(current, action) in states.DISPUTE.states
            else:
                with pytest.raises(IllegalTransition):
                    states.DISPUTE.next(current, action)
    assert states.DISPUTE.actions_from("resolved") == [] and states.DISPUTE.actions_from("withdrawn") == []


def test_split_rules() -> None:
    assert states.split_for("release", 100) == states.Split(100, 0)
    assert states.split_for("refund", 100) == states.Split(0, 100)
    assert states.split_for("split", 100, 30) == states.Split(30, 70)
    for bad in (None, 0, 100, 101):
        with pytest.raises(ValueError):
            states.split_for("split", 100, bad)


def test_open_freezes_exactly_the_milestone_hold(deal: Deal) -> None:
    contract = signed_contract(deal)
    concept, publish = contract.milestones.get(key="concept"), contract.milestones.get(key="publish")
    contracts.fund_milestone(deal.brand_as(), concept.pk, key="f-c")
    contracts.fund_milestone(deal.brand_as(), publish.pk, key="f-p")
    contracts.submit(deal.creator_as(), publish.pk, post_url="https://example.test/p", caption="#ad")
    before = _escrow(deal)

    d = services.open_dispute(
        deal.brand_as(), target_type="milestone", target_id=publish.pk, reason="quality", statement="Blurry."
    )
    assert (d.status, d.frozen_amount, d.currency) == ("open", 100_000, "EUR")
    assert d.response_due_at == START + timedelta(days=5) and d.decide_by == START + timedelta(days=30)
    assert _escrow(deal) == before  # nothing moved: the hold stays pending
    publish.refresh_from_db()
    concept.refresh_from_db()
    assert publish.status == "disputed" and publish.escrow_hold is not None
    assert publish.escrow_hold.hold.status == Hold.Status.PENDING
    assert concept.status == "funded"  # only the money in question
    assert [i.escrow_hold_id for i in d.items.all()] == [publish.escrow_hold.pk]

    # the normal flow can no longer release it
    with pytest.raises(IllegalTransition):
        contracts.approve(deal.brand_as(), publish.pk, key="approve")
    clock.advance(timedelta(days=15))
    assert publish.pk not in contracts.auto_approve_due()
    # the other milestone still works normally
    contracts.submit(deal.creator_as(), concept.pk, post_url="https://example.test/c", caption="#ad")
    contracts.approve(deal.brand_as(), concept.pk, key="approve-concept")
    # a second dispute on the same money is refused
    with pytest.raises((Conflict, IllegalTransition)):
        services.open_dispute(
            deal.creator_as(), target_type="milestone", target_id=publish.pk, reason="other", statement="x"
        )


def test_open_attaches_evidence_tells_the_other_side_and_promises_a_response(deal: Deal) -> None:
    m = _funded(deal)
    d = _open(deal, m)
    kinds = set(d.evidence.values_list("kind", flat=True))
    assert {"statement", "terms", "thread", "submissions", "ledger"} <= kinds
    terms_ev = d.evidence.get(kind="terms")
    assert len(terms_ev.data["terms_sha256"]) == 64
    subs = d.evidence.get(kind="submissions").data["submissions"]
    assert [s["round"] for s in subs] == [1] and subs[0]["decision"] == "disputed"
    from accord.messaging.models import Message, Notification

    assert Message.objects.filter(thread__subject=f"contract:{m.contract_id}", event_type="dispute.opened").exists()
    assert Notification.objects.filter(organization=deal.creator, event_type="dispute.opened").exists()
    c = Commitment.objects.get(subject=f"dispute:{d.pk}")
    assert (c.owner_org_id, c.kind, c.due_at) == (deal.creator.pk, "dispute_response", d.response_due_at)


def test_open_is_refused_outside_the_window_and_for_strangers(deal: Deal) -> None:
    m = _funded(deal)
    stranger = make_deal()
    with pytest.raises(NotFound):
        _open(stranger, m)
    with pytest.raises(PermissionDenied):
        services.open_dispute(
            deal.brand_as(Role.VIEWER), target_type="milestone", target_id=m.pk, reason="quality", statement="x"
        )
    with pytest.raises(ValidationFailed):
        services.open_dispute(deal.brand_as(), target_type="milestone", target_id=m.pk, reason="bad", statement="x")
    clock.advance(timedelta(days=7, seconds=1))  # submitted at START: the 7-day window has closed
    with pytest.raises(Conflict) as closed:
        _open(deal, m)
    assert closed.value.code == "dispute_window_closed"


def test_only_the_respondent_responds_and_only_the_opener_withdraws(deal: Deal, operator: Principal) -> None:
    m = _funded(deal)
    d = _open(deal, m)
    with pytest.raises(PermissionDenied):
        services.respond(deal.brand_as(), d.pk, statement="me too")
    with pytest.raises(PermissionDenied):
        services.withdraw(deal.creator_as(), d.pk)
    d = services.respond(deal.creator_as(), d.pk, statement="It is fine.")
    assert d.status == "in_mediation" and d.mediator == operator.user
    assert d.proposal_due_at == START + timedelta(days=2)
    with pytest.raises(IllegalTransition):
        services.respond(deal.creator_as(), d.pk, statement="again")
    assert Commitment.objects.get(subject=f"dispute:{d.pk}").status == "met"
    before = _escrow(deal)
    d = services.withdraw(deal.brand_as(), d.pk, reason="settled between us")
    assert d.status == "withdrawn" and _escrow(deal) == before
    assert not FrozenItem.objects.filter(dispute=d, active=True).exists()
    with pytest.raises(IllegalTransition):
        services.withdraw(deal.brand_as(), d.pk)


# -- outcomes and their ledger effect ------------------------------------------------------------------------------


def test_agreed_split_posts_the_hold_exactly(deal: Deal, operator: Principal) -> None:
    m = _funded(deal)
    d = _in_mediation(deal, m, operator)
    escrow_before, payable_before, fees_before = _escrow(deal), _payable(deal), _fees()
    with pytest.raises(PermissionDenied):
        services.propose(deal.brand_as(), d.pk, outcome="refund")
    with pytest.raises(ValidationFailed):
        services.propose(operator, d.pk, outcome="split", creator_amount=100_000)
    p = services.propose(operator, d.pk, outcome="split", creator_amount=60_000, note="60/40")
    services.answer(deal.brand_as(), d.pk, proposal_number=p.number, accept=True)
    d.refresh_from_db()
    assert d.status == "in_mediation"
    services.answer(deal.creator_as(), d.pk, proposal_number=p.number, accept=True)
    d.refresh_from_db()
    assert (d.status, d.outcome, d.resolution, d.outcome_creator_amount) == ("resolved", "split", "agreement", 60_000)
    net, fee = split_fee(60_000, FEE_BPS)
    assert _payable(deal) - payable_before == net and _fees() - fees_before == fee
    after = _escrow(deal)
    assert after.balance == escrow_before.balance - 60_000  # 40_000 back to the brand's available escrow
    assert after.pending_out == escrow_before.pending_out - 100_000
    assert after.available == escrow_before.available + 40_000
    item = d.items.get()
    assert item.transaction is not None
    assert item.transaction.idempotency_key == f"escrow:release:disputes:{d.pk}:item:{item.pk}"
    assert not item.active
    assert verify() == []


@pytest.mark.parametrize(("outcome", "to_creator"), [("release", 100_000), ("refund", 0)])
def test_decided_release_or_refund(deal: Deal, operator: Principal, outcome: str, to_creator: int) -> None:
    m = _funded(deal)
    d = _in_mediation(deal, m, operator)
    p = services.propose(operator, d.pk, outcome=outcome)
    with pytest.raises(Conflict):  # parties are still answering
        services.decide(operator, d.pk, outcome=outcome)
    services.answer(deal.creator_as(), d.pk, proposal_number=p.number, accept=False)
    escrow_before, payable_before = _escrow(deal), _payable(deal)
    d = services.decide(operator, d.pk, outcome=outcome, note="final")
    assert (d.status, d.resolution, d.outcome) == ("resolved", "decision", outcome)
    net, _fee = split_fee(to_creator, FEE_BPS)
    assert _payable(deal) - payable_before == net
    assert _escrow(deal).balance == escrow_before.balance - to_creator
    assert _escrow(deal).pending_out == escrow_before.pending_out - 100_000
    m.refresh_from_db()
    assert m.escrow_hold is not None
    assert m.escrow_hold.hold.status == (Hold.Status.POSTED if to_creator else Hold.Status.VOIDED)
    with pytest.raises(IllegalTransition):
        services.decide(operator, d.pk, outcome="refund")
    assert verify() == []


def test_history_is_shared_and_notes_are_private(deal: Deal, operator: Principal) -> None:
    m = _funded(deal)
    d = _in_mediation(deal, m, operator)
    services.add_note(operator, d.pk, text="Brand seems right; check the brief.")
    services.add_evidence(deal.creator_as(), d.pk, text="Here is the brief screenshot")
    with pytest.raises(PermissionDenied):
        services.add_note(deal.brand_as(), d.pk, text="x")
    party = [e.kind for e in services.history(deal.brand_as(), d.pk)]
    mediator = [e.kind for e in services.history(operator, d.pk)]
    assert "note" not in party and "note" in mediator
    assert party == [k for k in mediator if k != "note"]
    ev = DisputeEvent.objects.filter(dispute=d).first()
    assert ev is not None
    with pytest.raises(ValueError):
        ev.save()
    with pytest.raises(ValueError):
        ev.delete()
    with pytest.raises(ValueError):
        Evidence.objects.filter(dispute=d).first().save()  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        services.get_dispute(make_deal().brand_as(), d.pk)


# -- accruals ------------------------------------------------------------------------------------------------------


def test_accrual_dispute_keeps_it_locked_and_claws_back_the_brand_share(deal: Deal, operator: Principal) -> None:
    signed_contract(deal)
    accrual = escrow.accrue(
        campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, amount=20_000, key="acc-1", lock_days=7
    )
    other = escrow.accrue(
        campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, amount=5_000, key="acc-2", lock_days=7
    )
    d = services.open_dispute(
        deal.brand_as(), target_type="accrual", target_id=accrual.pk, reason="fraud", statement="Bot orders."
    )
    assert d.frozen_amount == 20_000 and d.evidence.filter(kind="tracking").exists()
    clock.advance(timedelta(days=8))  # past the lock window
    escrow.unlock_matured()
    accrual.refresh_from_db()
    other.refresh_from_db()
    assert accrual.status == "pending" and other.status == "unlocked"  # frozen exactly the disputed accrual
    services.respond(deal.creator_as(), d.pk, statement="Real customers.")
    services.decide(operator, d.pk, outcome="split", creator_amount=15_000)
    accrual.refresh_from_db()
    assert accrual.clawed_back == 5_000 and accrual.available_at == START + timedelta(days=7)
    escrow.unlock_matured()
    accrual.refresh_from_db()
    assert accrual.status == "unlocked"
    assert ledger.balances(ledger.creator_pending_code(deal.creator.pk), "EUR").balance == 0
    assert _payable(deal) == 20_000  # 15_000 + the other 5_000
    assert verify() == []


# -- deadlines with a moved clock ----------------------------------------------------------------------------------


def test_silence_resolves_for_the_opener(deal: Deal) -> None:
    m = _funded(deal)
    d = _open(deal, m, side="creator")
    clock.advance(timedelta(days=5) - timedelta(seconds=1))
    assert services.enforce_deadlines().lapsed == []
    clock.advance(timedelta(seconds=1))
    payable_before = _payable(deal)
    assert services.enforce_deadlines().lapsed == [d.pk]
    d.refresh_from_db()
    assert (d.status, d.outcome, d.resolution) == ("resolved", "release", "lapse")
    assert _payable(deal) - payable_before == split_fee(100_000, FEE_BPS)[0]
    assert services.enforce_deadlines().lapsed == []  # nothing twice


def test_mediation_deadlines(deal: Deal, operator: Principal) -> None:
    mediator = _operator("mediator2@accord.test")
    m = _funded(deal)
    d = _in_mediation(deal, m, operator)
    first_mediator = d.mediator_id
    clock.advance(timedelta(days=2))
    report = services.enforce_deadlines()
    d.refresh_from_db()
    assert report.reassigned == [d.pk] and d.mediator_id != first_mediator
    assert mediator.user is not None and d.mediator_id == mediator.user.pk
    p = services.propose(mediator, d.pk, outcome="split", creator_amount=30_000)
    clock.advance(timedelta(days=2))
    report = services.enforce_deadlines()
    p.refresh_from_db()
    assert report.proposals_lapsed == [d.pk] and p.status == "lapsed"
    clock.set_now(d.decide_by)
    payable_before = _payable(deal)
    report = services.enforce_deadlines()
    d.refresh_from_db()
    assert report.forced == [d.pk]
    assert (d.status, d.resolution, d.outcome, d.outcome_creator_amount) == ("resolved", "deadline", "split", 30_000)
    assert _payable(deal) - payable_before == split_fee(30_000, FEE_BPS)[0]


def test_the_scheduler_runs_the_deadline_job(deal: Deal) -> None:
    from accord.core.scheduler import run_due

    m = _funded(deal)
    d = _open(deal, m, side="creator")
    clock.advance(timedelta(days=6))
    assert "disputes.deadlines" in run_due()
    d.refresh_from_db()
    assert d.status == "resolved"


# -- crash in the middle of applying an outcome --------------------------------------------------------------------


class Crash(Exception):
    pass


def test_crash_after_the_ledger_step_then_rerun(
    deal: Deal, operator: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    contract = signed_contract(deal)
    for key in ("concept", "publish"):
        contracts.fund_milestone(deal.brand_as(), contract.milestones.get(key=key).pk, key=f"f-{key}")
    d = services.open_dispute(
        deal.creator_as(), target_type="contract", target_id=contract.pk, reason="payment_late", statement="Pay me."
    )
    assert d.frozen_amount == 150_000 and d.items.count() == 2
    services.respond(deal.brand_as(), d.pk, statement="Not yet delivered.")
    escrow_before, payable_before, fees_before = _escrow(deal), _payable(deal), _fees()
    tx_before = Transaction.objects.count()

    calls: list[int] = []

    def die_after_first(item: FrozenItem) -> None:
        calls.append(item.pk)
        raise Crash("process died after the first ledger step")

    monkeypatch.setattr(services, "after_item_step", die_after_first)
    with pytest.raises(Crash):
        services.decide(operator, d.pk, outcome="split", creator_amount=90_000)
    d.refresh_from_db()
    assert d.decided_at is not None and d.applied_at is None and d.status == "in_mediation"
    assert Transaction.objects.count() == tx_before + 1  # the first item's money moved, and only that
    assert verify() == []

    monkeypatch.setattr(services, "after_item_step", lambda item: None)
    report = services.enforce_deadlines()
    assert report.resumed == [d.pk]
    d.refresh_from_db()
    assert d.status == "resolved" and d.applied_at is not None
    shares = sorted(d.items.values_list("amount", "creator_amount"))
    assert shares == [(50_000, 30_000), (100_000, 60_000)]  # split in proportion (largest remainder)
    assert Transaction.objects.count() == tx_before + 2
    net = sum(split_fee(s, FEE_BPS)[0] for s in (30_000, 60_000))
    assert _payable(deal) - payable_before == net
    assert _fees() - fees_before == 90_000 - net
    assert _escrow(deal).balance == escrow_before.balance - 90_000
    assert _escrow(deal).pending_out == escrow_before.pending_out - 150_000
    # re-running moves nothing
    services.apply_outcome(d.pk)
    assert services.enforce_deadlines().resumed == []
    assert Transaction.objects.count() == tx_before + 2
    assert DisputeEvent.objects.filter(dispute=d, kind="resolved").count() == 1
    assert verify() == []


def test_statistics_and_queue(deal: Deal, operator: Principal) -> None:
    m = _funded(deal)
    d = _in_mediation(deal, m, operator)
    other = make_deal()
    m2 = _funded(other)
    d2 = _open(other, m2)
    assert [x.pk for x in services.queue(operator)] == [d.pk, d2.pk]  # proposal due in 2 days before response in 5
    clock.advance(timedelta(hours=30))
    services.decide(operator, d.pk, outcome="refund")
    stats = services.statistics(operator)
    assert stats["resolved"] == 1 and stats["open"] == 1
    assert stats["median_hours_to_resolve"] == 30.0
    assert stats["outcomes_by_reason"] == {"not_as_agreed": {"refund": 1}}
    with pytest.raises(PermissionDenied):
        services.statistics(deal.brand_as())


def test_accrual_lookup_is_scoped(deal: Deal) -> None:
    accrual = escrow.accrue(campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, amount=100, key="a")
    stranger = make_deal()
    with pytest.raises(NotFound):
        services.open_dispute(
            stranger.creator_as(), target_type="accrual", target_id=accrual.pk, reason="other", statement="x"
        )
    assert Accrual.objects.get(pk=accrual.pk).status == "pending"


def test_agreed_extension_moves_no_money_and_promises_the_new_date(deal: Deal, operator: Principal) -> None:
    m = _funded(deal, submit=False)
    d = _open(deal, m)
    services.respond(deal.creator_as(), d.pk, statement="I need one more week.")
    escrow_before, tx_before = _escrow(deal), Transaction.objects.count()
    new_due = START.date() + timedelta(days=40)
    with pytest.raises(ValidationFailed):
        services.propose(operator, d.pk, outcome="extend")
    p = services.propose(operator, d.pk, outcome="extend", extend_to=new_due)
    services.answer(deal.creator_as(), d.pk, proposal_number=p.number, accept=True)
    services.answer(deal.brand_as(), d.pk, proposal_number=p.number, accept=True)
    d.refresh_from_db()
    assert (d.status, d.outcome, d.extend_to) == ("resolved", "extend", new_due)
    assert _escrow(deal) == escrow_before and Transaction.objects.count() == tx_before
    assert not d.items.filter(active=True).exists()
    promised = Commitment.objects.get(key=f"dispute:{d.pk}:extended")
    assert (promised.owner_org_id, promised.kind, promised.due_at.date()) == (deal.creator.pk, "publish_due", new_due)


def test_withdrawing_an_accrual_dispute_gives_back_its_own_unlock_time(deal: Deal) -> None:
    accrual = escrow.accrue(
        campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, amount=700, key="acc", lock_days=7
    )
    d = services.open_dispute(
        deal.creator_as(), target_type="accrual", target_id=accrual.pk, reason="tracking_wrong", statement="More!"
    )
    accrual.refresh_from_db()
    assert accrual.frozen_at == START and accrual.available_at == START + timedelta(days=7)
    clock.advance(timedelta(days=8))
    assert escrow.unlock_matured() == 0
    with pytest.raises(IllegalTransition):
        escrow.unlock_accrual(accrual.pk)
    with pytest.raises(Conflict) as refused:  # e.g. the incentives refund clawback
        escrow.clawback(accrual_id=accrual.pk, amount=100, reason="refund", key="refund-1")
    assert refused.value.code == "accrual_frozen"
    services.withdraw(deal.creator_as(), d.pk)
    accrual.refresh_from_db()
    assert accrual.frozen_at is None and accrual.available_at == START + timedelta(days=7)
    assert escrow.unlock_matured() == 1  # its own lock window applies again
    assert _payable(deal) == 700
    assert Commitment.objects.get(subject=f"dispute:{d.pk}").status == "cancelled"


def test_agreed_revision_keeps_the_money_held_and_the_creator_delivers_again(deal: Deal, operator: Principal) -> None:
    m = _funded(deal)
    d = _in_mediation(deal, m, operator)
    escrow_before, tx_before = _escrow(deal), Transaction.objects.count()
    p = services.propose(operator, d.pk, outcome="revise", note="Re-cut the reel with the trail shots.")
    services.answer(deal.brand_as(), d.pk, proposal_number=p.number, accept=True)
    services.answer(deal.creator_as(), d.pk, proposal_number=p.number, accept=True)
    d.refresh_from_db()
    m.refresh_from_db()
    assert (d.status, d.outcome) == ("resolved", "revise") and not d.items.filter(active=True).exists()
    assert _escrow(deal) == escrow_before and Transaction.objects.count() == tx_before  # nothing moved
    assert m.status == "funded" and m.escrow_hold is not None and m.escrow_hold.hold.status == Hold.Status.PENDING
    contracts.submit(deal.creator_as(), m.pk, post_url="https://example.test/p/2", caption="Recut #ad")
    contracts.approve(deal.brand_as(), m.pk, key="approve-after-revision")
    assert _payable(deal) == split_fee(100_000, FEE_BPS)[0]  # the normal flow pays it once, with the usual fee
    assert verify() == []
