"""Reputation figures from hand-built commitment histories, the trust score, creator tiers (applied to new contracts
only) and rate suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accord.accounts.models import Organization
from accord.contracts import services as contracts
from accord.contracts.models import Contract
from accord.core import clock
from accord.escrow.models import FeeOverride as EscrowFeeOverride
from accord.ledger import services as ledger
from accord.ledger.models import Entry
from accord.payouts.models import PayoutSchedule
from accord.reputation import figures, growth, scoring, tiers
from accord.reputation.models import Commitment, ContractBenefits, TierChange
from tests.conftest import client_for, make_org
from tests.contracts.helpers import make_deal, signed_contract, terms

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(NOW)


def _obs(kind: str, ok: bool, days_ago: float) -> scoring.Observation:
    return scoring.Observation(kind, ok, NOW - timedelta(days=days_ago))


# -- pure scoring --------------------------------------------------------------------------------------------------


def test_few_data_points_are_not_a_perfect_score() -> None:
    t = scoring.trust([_obs("on_time_delivery", True, 1), _obs("on_time_delivery", True, 2)], NOW)
    assert t.score is None and t.confidence == "none" and t.data_points == 2
    assert "Not enough history" in t.explanation[0]
    three = scoring.trust([_obs("on_time_delivery", True, d) for d in (1, 2, 3)], NOW)
    assert three.score is not None and 75 < three.score < 100 and three.confidence == "low"
    assert any("Few data points" in line for line in three.explanation)
    many = scoring.trust([_obs("on_time_delivery", True, d) for d in range(40)], NOW)
    assert many.score is not None and many.score > three.score and many.confidence == "high"


def test_recent_behaviour_weighs_more() -> None:
    good = [_obs("on_time_delivery", True, d) for d in range(1, 9)]
    old_miss = scoring.trust([*good, _obs("on_time_delivery", False, 720)], NOW)
    new_miss = scoring.trust([*good, _obs("on_time_delivery", False, 1)], NOW)
    assert old_miss.score is not None and new_miss.score is not None and old_miss.score > new_miss.score
    r = new_miss.rates["on_time_delivery"]
    assert (r.ok, r.total, r.label) == (8, 9, "89% (8 of 9)")
    assert scoring.recency_weight(NOW - timedelta(days=180), NOW) == pytest.approx(0.5)


def test_lost_disputes_count_double() -> None:
    base = [_obs("on_time_delivery", True, d) for d in range(1, 7)]
    one_miss = scoring.trust([*base, _obs("on_time_delivery", False, 1)], NOW)
    lost = scoring.trust([*base, scoring.Observation("dispute", False, NOW, scoring.DISPUTE_WEIGHT)], NOW)
    assert lost.score is not None and one_miss.score is not None and lost.score < one_miss.score


# -- figures from hand-built commitment histories ------------------------------------------------------------------


def _commit(org: Organization, kind: str, status: str, days_ago: int, n: int) -> None:
    due = NOW - timedelta(days=days_ago)
    for i in range(n):
        Commitment.objects.create(
            owner_org=org,
            kind=kind,
            subject=f"contract:{days_ago}:{kind}:{i}",
            due_at=due,
            key=f"{org.pk}:{kind}:{status}:{days_ago}:{i}",
            status=status,
            resolved_at=due if status == "met" else None,
            missed_at=due if status == "missed" else None,
        )


@pytest.mark.django_db
def test_creator_figures_from_commitments() -> None:
    creator, _ = make_org(Organization.Kind.CREATOR)
    _commit(creator, "publish_due", "met", 10, 6)
    _commit(creator, "concept_due", "missed", 20, 2)
    _commit(creator, "concept_due", "open", -5, 3)  # not due yet: not counted
    _commit(creator, "review_due", "missed", 5, 4)  # a brand kind: not the creator's delivery
    f = figures.figures(creator.pk)
    assert f.kind == "creator"
    r = f.trust.rates["on_time_delivery"]
    assert (r.ok, r.total, r.rate) == (6, 8, 0.75)
    assert "on_time_review" not in f.trust.rates and f.trust.data_points == 8
    assert f.trust.score is not None and f.trust.score < 100
    assert f.as_dict()["rates"]["on_time_delivery"]["label"] == "75% (6 of 8)"


@pytest.mark.django_db
def test_brand_figures_from_commitments() -> None:
    brand, _ = make_org(Organization.Kind.BRAND)
    _commit(brand, "payment_due", "met", 3, 3)
    _commit(brand, "payment_due", "missed", 4, 1)
    _commit(brand, "review_due", "met", 2, 1)
    _commit(brand, "publish_due", "met", 2, 5)  # a creator kind
    f = figures.figures(brand.pk)
    assert f.kind == "brand"
    assert f.trust.rates["on_time_funding"].rate == 0.75
    assert f.trust.rates["on_time_review"].rate == 1.0
    assert "on_time_delivery" not in f.trust.rates
    assert f.days_to_pay is None and f.dispute_rate is None  # no contracts yet


@pytest.mark.django_db
def test_trust_api_for_any_signed_in_caller() -> None:
    creator, _ = make_org(Organization.Kind.CREATOR)
    brand, brand_owner = make_org(Organization.Kind.BRAND)
    _commit(creator, "publish_due", "met", 3, 1)
    body = client_for(brand_owner, brand).get(f"/api/v1/reputation/organizations/{creator.pk}/trust").json()
    assert body["score"] is None and body["data_points"] == 1 and body["confidence"] == "none"
    assert body["explanation"][0].startswith("Not enough history yet: 1 data point")
    assert client_for(None).get(f"/api/v1/reputation/organizations/{creator.pk}/trust").status_code == 401


# -- tiers ---------------------------------------------------------------------------------------------------------


def test_tier_rules() -> None:
    assert growth.tier_for(growth.TierInputs(0, None, None)).tier.name == "new"
    rising = growth.tier_for(growth.TierInputs(3, 0.85, None))
    assert rising.tier.name == "rising" and rising.next_tier is not None and rising.next_tier.name == "trusted"
    assert any("10 completed" in m for m in rising.missing) and any("forecast" in m for m in rising.missing)
    assert growth.tier_for(growth.TierInputs(12, 0.95, 0.95)).tier.name == "trusted"
    assert growth.tier_for(growth.TierInputs(30, 0.97, 1.2)).tier.name == "top"
    assert growth.tier_for(growth.TierInputs(30, 0.97, None)).tier.name == "rising"  # top/trusted need tracking
    assert growth.tier_for(growth.TierInputs(30, 0.5, 2.0)).tier.name == "new"
    fees = [t.benefits.platform_fee_bps for t in growth.TIERS]
    locks = [t.benefits.commission_lock_days for t in growth.TIERS]
    assert fees == sorted(fees, reverse=True) and locks == sorted(locks, reverse=True)


def _release_first_milestone(deal: Any, contract: Contract, key: str) -> tuple[int, int]:
    """Fund, submit, approve and release the contract's first milestone: (gross, the fee the ledger booked)."""
    m = contract.milestones.order_by("id").first()
    assert m is not None
    contracts.fund_milestone(deal.brand_as(), m.pk, key=f"fund-{key}")
    contracts.submit(deal.creator_as(), m.pk, post_url="https://example.test/p/1", caption="Ad #ad")
    contracts.approve(deal.brand_as(), m.pk, key=f"approve-{key}")
    m.refresh_from_db()
    assert m.escrow_hold is not None and m.escrow_hold.release_transaction_id is not None
    fee_leg = Entry.objects.get(transaction_id=m.escrow_hold.release_transaction_id, account__code=ledger.PLATFORM_FEES)
    return m.amount, fee_leg.amount


@pytest.mark.django_db
def test_tier_change_applies_to_new_contracts_only() -> None:
    deal = make_deal()
    creator = deal.creator
    old = signed_contract(deal, terms(commission_lock_days=30))
    old_benefits = ContractBenefits.objects.get(contract_id=old.pk)  # recorded when it was offered
    assert (old_benefits.tier, old_benefits.commission_lock_days, old_benefits.platform_fee_bps) == ("new", 90, 1000)

    # a hand-built history: 3 completed collaborations, 9 of 10 deliveries on time → rising
    for _ in range(3):
        Contract.objects.create(
            campaign=deal.campaign,
            brand=deal.brand,
            creator=creator,
            origin="invitation",
            status=Contract.Status.COMPLETED,
            title="done",
            currency="EUR",
        )
    _commit(creator, "publish_due", "met", 30, 9)
    _commit(creator, "publish_due", "missed", 30, 1)
    row = tiers.refresh_tier(creator.pk)
    assert row.tier == "rising" and row.figures["completed"] == 3 and row.figures["on_time_rate"] == 0.9
    change = TierChange.objects.get(organization=creator)
    assert (change.before, change.after) == ("new", "rising")

    new = signed_contract(deal, terms(commission_lock_days=30))
    new_benefits = ContractBenefits.objects.get(contract_id=new.pk)
    assert (new_benefits.tier, new_benefits.commission_lock_days, new_benefits.platform_fee_bps) == ("rising", 14, 900)
    assert new_benefits.payout_frequency == "biweekly"
    assert PayoutSchedule.objects.get(organization=creator).frequency == "biweekly"  # never chose one: the tier's
    assert new.signed_version is not None and new.signed_version.terms["commission_lock_days"] == 14
    # the existing contract keeps what it was offered with: lock window and fee
    old.refresh_from_db()
    assert old.signed_version is not None and old.signed_version.terms["commission_lock_days"] == 30
    assert ContractBenefits.objects.get(contract_id=old.pk).tier == "new"

    # what escrow release charges is the contract's recorded fee, in the ledger
    fees_before = ledger.balances(ledger.PLATFORM_FEES, "EUR").balance
    old_gross, old_fee = _release_first_milestone(deal, old, "old")
    new_gross, new_fee = _release_first_milestone(deal, new, "new")
    assert old_fee == old_gross // 10 and new_fee == old_gross * 9 // 100 == new_gross * 9 // 100
    assert ledger.balances(ledger.PLATFORM_FEES, "EUR").balance == fees_before + old_fee + new_fee
    assert ledger.balances(ledger.creator_payable_code(creator.pk), "EUR").balance == (
        old_gross - old_fee + new_gross - new_fee
    )
    # a counter-offer cannot undo the benefit, and refreshing again changes nothing
    assert tiers.contract_fee_bps(new) == 900 and tiers.contract_fee_bps(old) == 1000
    tiers.refresh_tier(creator.pk)
    assert TierChange.objects.filter(organization=creator).count() == 1


@pytest.mark.django_db
def test_an_operator_fee_override_wins_over_the_tier_for_new_contracts() -> None:
    deal = make_deal()
    EscrowFeeOverride.objects.create(organization=deal.brand, fee_bps=500, note="launch deal")
    contract = signed_contract(deal)
    assert ContractBenefits.objects.get(contract_id=contract.pk).platform_fee_bps == 500
    EscrowFeeOverride.objects.filter(organization=deal.brand).update(fee_bps=1500)  # later: not this contract's
    gross, fee = _release_first_milestone(deal, contract, "c")
    assert fee == gross * 5 // 100


# -- rate suggestions ----------------------------------------------------------------------------------------------


def test_rate_suggestion_when_delivery_beats_the_price() -> None:
    peers = [growth.Delivered(i, 20_000, 50_000, 5_000) for i in (2, 3, 4)]  # CPM 10_000 minor units
    me = growth.Delivered(1, 25_000, 50_000, 10_000)  # CPM 5_000: half the market
    s = growth.suggest_rate(me, peers, 40_000)
    assert s is not None
    assert (s.creator_cpm, s.market_cpm, s.peers) == (Decimal(5000), Decimal(10000), 3)
    assert s.suggested_price == 60_000  # ×2 capped at +50 %
    assert "10,000 impressions" in s.explanation and "capped" in s.explanation
    near = growth.Delivered(1, 25_000, 50_000, 5_500)  # CPM ≈ 9_091: not below 80 % of the market
    assert growth.suggest_rate(near, peers, 40_000) is None
    assert growth.suggest_rate(me, peers[:2], 40_000) is None  # too few peers
    big_peers = [growth.Delivered(i, 2_000_000, 50_000, 5_000) for i in (2, 3, 4)]
    assert growth.suggest_rate(me, big_peers, 40_000) is None  # other size bucket
    modest = growth.Delivered(1, 25_000, 50_000, 7_000)  # CPM ≈ 7_143 → ×1.4
    m = growth.suggest_rate(modest, peers, 40_000)
    assert m is not None and m.suggested_price == 56_000


@pytest.mark.django_db
def test_rate_suggestions_from_delivered_posts_and_payments() -> None:
    from accord.creators.models import Channel, CreatorProfile, RateCardItem
    from accord.escrow import services as escrow
    from accord.tracking.models import PostMetricSnapshot, TrackingLink
    from tests.conftest import make_team

    deal = make_deal()
    campaign = deal.campaign

    def creator_with(paid: int, impressions: int, followers: int = 20_000) -> Organization:
        org = make_team(Organization.Kind.CREATOR).org
        profile = CreatorProfile.objects.create(organization=org, display_name=f"C{org.pk}")
        Channel.objects.create(
            profile=profile,
            organization=org,
            platform="instagram",
            handle=f"c{org.pk}",
            followers=followers,
            avg_views=impressions,
        )
        RateCardItem.objects.create(
            profile=profile, organization=org, platform="instagram", deliverable="reel", price=40_000, currency="EUR"
        )
        held = escrow.fund_hold(
            None,
            campaign_id=campaign.pk,
            creator_org_id=org.pk,
            amount=paid,
            reference_type="test",
            reference_id=org.pk,
            key=f"rate-{org.pk}",
        )
        escrow.release(None, escrow_hold_id=held.pk, key=f"rate-{org.pk}")
        link = TrackingLink.objects.create(
            code=f"l{org.pk}", destination="https://example.test", campaign=campaign, creator=org
        )
        for n, seen in enumerate((impressions // 2, impressions)):  # two snapshots of one post: the latest counts
            PostMetricSnapshot.objects.create(
                campaign=campaign,
                creator=org,
                link=link,
                platform="instagram",
                post_id=f"p{org.pk}",
                captured_at=NOW - timedelta(hours=2 - n),
                impressions=seen,
            )
        return org

    for _ in range(3):
        creator_with(50_000, 5_000)  # market CPM 10_000 minor units
    star = creator_with(50_000, 7_000)  # CPM ≈ 7_143
    [s] = tiers.rate_suggestions(star.pk)
    assert (s["current_price"], s["suggested_price"], s["peers"], s["impressions"], s["paid"]) == (
        40_000,
        56_000,
        3,
        7_000,
        50_000,
    )
    assert s["market_cpm"] == 10_000.0 and s["creator_cpm"] == pytest.approx(7142.86)
    assert tiers.performance(star.pk) == 1.0  # 7_000 delivered on one post / 7_000 average views
    # the brand with a contract sees it; a stranger brand does not
    contracts.send_offer(deal.brand_as(), campaign_id=campaign.pk, creator_org_id=star.pk, terms=terms())
    owner = deal.brand_users["owner"]
    assert (
        client_for(owner, deal.brand)
        .get(f"/api/v1/reputation/organizations/{star.pk}/rate-suggestions")
        .json()[0]["suggested_price"]
        == 56_000
    )
    stranger, stranger_owner = make_org(Organization.Kind.BRAND)
    r = client_for(stranger_owner, stranger).get(f"/api/v1/reputation/organizations/{star.pk}/rate-suggestions")
    assert r.status_code == 404


# -- where trust is shown ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_on_time_rates_match_the_single_figure() -> None:
    from accord.reputation import services as reputation

    a, _ = make_org(Organization.Kind.CREATOR)
    b, _ = make_org(Organization.Kind.CREATOR)
    c, _ = make_org(Organization.Kind.CREATOR)
    _commit(a, "publish_due", "met", 10, 3)
    _commit(a, "publish_due", "missed", 10, 1)
    _commit(b, "review_due", "missed", 3, 2)
    _commit(c, "concept_due", "open", -2, 2)  # nothing resolved yet: no figure
    rates = reputation.on_time_rates([a.pk, b.pk, c.pk])
    assert rates == {a.pk: 0.75, b.pk: 0.0}
    assert rates[a.pk] == reputation.on_time_rate(a.pk) and reputation.on_time_rate(c.pk) is None


@pytest.mark.django_db
def test_offers_show_the_other_sides_trust_with_its_explanation() -> None:
    deal = make_deal()
    _commit(deal.creator, "publish_due", "met", 20, 4)
    _commit(deal.brand, "payment_due", "missed", 20, 1)
    offer = contracts.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms()
    )
    creator_view = client_for(deal.creator_users["owner"], deal.creator).get(f"/contracts/{offer.pk}/")
    html = creator_view.content.decode()
    assert 'class="card trust"' in html and "milestones funded on time: 0% (0 of 1)" in html  # the brand's record
    assert "Not enough history yet: 1 data point" in html  # few data points shown as such, not as a score
    brand_view = client_for(deal.brand_users["owner"], deal.brand).get(f"/contracts/{offer.pk}/").content.decode()
    assert "on-time delivery: 100% (4 of 4)" in brand_view and "/100" in brand_view  # the creator's record


@pytest.mark.django_db
def test_matching_shows_each_creators_trust() -> None:
    from accord.campaigns.models import Campaign
    from accord.creators.generator import seed_demo_creators
    from accord.creators.models import CreatorProfile
    from tests.conftest import make_team

    seed_demo_creators(12, seed=31)
    team = make_team(Organization.Kind.BRAND)
    campaign = Campaign.objects.create(
        brand=team.org,
        name="Spring trails",
        description="hiking camping trails mountains backpacking gear travel",
        currency="EUR",
        budget=500_000,
        status="open",
    )
    for profile in CreatorProfile.objects.all():
        _commit(profile.organization, "publish_due", "met", 15, 5)
    page = client_for(team.users["member"], team.org).get(f"/discover/campaigns/{campaign.pk}/").content.decode()
    assert page.count('class="card trust"') >= 1 and "on-time delivery: 100% (5 of 5)" in page


def _rising(creator: Organization, deal: Any) -> None:
    for _ in range(3):
        Contract.objects.create(
            campaign=deal.campaign,
            brand=deal.brand,
            creator=creator,
            origin="invitation",
            status=Contract.Status.COMPLETED,
            title="done",
            currency="EUR",
        )
    _commit(creator, "publish_due", "met", 30, 10)
    assert tiers.refresh_tier(creator.pk).tier == "rising"


@pytest.mark.django_db
def test_a_payout_schedule_the_creator_chose_is_never_changed_by_a_tier() -> None:
    from accord.payouts import services as payouts

    deal = make_deal()
    payouts.set_schedule(deal.creator_as(), frequency="monthly", day_of_month=15)
    _rising(deal.creator, deal)
    signed_contract(deal)
    sched = PayoutSchedule.objects.get(organization=deal.creator)
    assert (sched.frequency, sched.day_of_month) == ("monthly", 15)


@pytest.mark.django_db
def test_rate_suggestions_page_for_the_creator_and_its_brands() -> None:
    deal = make_deal()
    signed_contract(deal)
    creator = client_for(deal.creator_users["owner"], deal.creator)
    brand = client_for(deal.brand_users["owner"], deal.brand)
    assert "Your rate suggestions" in creator.get("/reputation/rates/").content.decode()
    page = brand.get(f"/reputation/rates/{deal.creator.pk}/").content.decode()
    assert f"Rate suggestions for {deal.creator.name}" in page and "No suggestion" in page
    contract = Contract.objects.get(creator=deal.creator, brand=deal.brand)
    assert f"/reputation/rates/{deal.creator.pk}/" in brand.get(f"/contracts/{contract.pk}/").content.decode()
    stranger = make_deal()
    other = client_for(stranger.brand_users["owner"], stranger.brand)
    assert other.get(f"/reputation/rates/{deal.creator.pk}/").status_code == 404
    assert brand.get("/reputation/rates/").status_code == 404  # a brand has no rates of its own
