"""One collaboration key per contract (``contract:<id>``), used by every writer and read by every reader: two
contracts of one creator in one campaign never share a fact or a cent of spend, and a link or promo code made while
the pair has one contract counts for it."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client

from accord.accounts.models import Role
from accord.contracts import services as contracts
from accord.contracts.models import Contract
from accord.core import clock
from accord.incentives import services, spend
from accord.incentives.models import Booking, Position, Spend, State
from accord.tracking import services as tracking
from accord.tracking.models import PromoCode, Rollup, TrackingLink
from accord.tracking.rollups import RollupBatch
from tests.conftest import client_for
from tests.contracts.helpers import Deal, signed_contract, terms
from tests.incentives.follower import follow_once
from tests.incentives.helpers import collaboration, comp, ingest, sale
from tests.tracking import payloads
from tests.tracking.helpers import post_shopify

pytestmark = pytest.mark.django_db

REV10 = {"kind": "revenue_share", "id": "rev", "percent": "10"}


def booked(contract_id: int) -> int:
    return sum(Booking.objects.filter(contract_id=contract_id).values_list("amount", flat=True))


def revenue(dimension: str, key: str) -> int:
    rows = Rollup.objects.filter(dimension=dimension, key=key, granularity="day")
    return sum(rows.values_list("revenue", flat=True))


def second_collaboration(deal: Deal) -> tuple[Contract, TrackingLink]:
    """A second contract of the same creator in the same campaign, with a link tagged as the contract page tags it."""
    second = signed_contract(deal, terms(compensation=comp(REV10), commission_lock_days=30))
    link = tracking.create_link(
        deal.brand_as(),
        campaign_id=deal.campaign.pk,
        creator_id=deal.creator.pk,
        destination="https://shop.example/second",
        collaboration=f"contract:{second.pk}",
    )
    return second, link


def test_two_contracts_of_one_creator_in_one_campaign_never_share_facts_or_spend() -> None:
    deal, first, first_link = collaboration(REV10)
    ingest(deal, first_link, sale(10_000))
    follow_once()
    second, second_link = second_collaboration(deal)
    ingest(deal, second_link, sale(20_000))
    follow_once()
    assert (booked(first.pk), booked(second.pk)) == (1_000, 2_000)
    mine, theirs = services.performance(first), services.performance(second)
    assert (mine.totals.revenue, mine.totals.spend, mine.currency) == (10_000, 1_000, "EUR")
    assert (theirs.totals.revenue, theirs.totals.spend) == (20_000, 2_000)
    totals = services.performance_totals([first, second])
    assert (totals[first.pk].revenue, totals[second.pk].revenue) == (10_000, 20_000)
    assert first_link.collaboration == f"contract:{first.pk}"  # made while the pair had this one contract
    # A link made now, with no tag, could be either's: it counts for the campaign and the creator, for no contract.
    loose = tracking.create_link(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_id=deal.creator.pk, destination="https://shop.example/"
    )
    assert loose.collaboration == ""
    ingest(deal, loose, sale(40_000))
    follow_once()
    services.sweep()
    services.process_dirty()
    assert (booked(first.pk), booked(second.pk)) == (1_000, 2_000)
    assert revenue("campaign", str(deal.campaign.pk)) == revenue("creator", str(deal.creator.pk)) == 70_000
    assert revenue("collaboration", f"{deal.campaign.pk}:{deal.creator.pk}") == 40_000


def test_spend_booked_before_any_tagged_link_is_the_contracts_own() -> None:
    deal, first, _link = collaboration(REV10)
    second = signed_contract(deal, terms(compensation=comp(REV10), commission_lock_days=30))
    concept = first.milestones.get(key="concept")
    contracts.fund_milestone(deal.brand_as(), concept.pk, key="fund")
    contracts.submit(deal.creator_as(), concept.pk, post_url="https://instagram.com/p/x", caption="Jas #advertentie")
    contracts.approve(deal.brand_as(), concept.pk, key="approve")
    assert spend.scan_spend() == 1
    assert services.performance(first).totals.spend == concept.amount
    assert services.performance(second).totals.spend == 0
    assert Spend.objects.get().collaboration == f"contract:{first.pk}"


def test_a_promo_code_made_for_the_contract_brings_its_sales_without_a_link() -> None:
    deal, contract, _link = collaboration(REV10)
    code = tracking.create_promo_code(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_id=deal.creator.pk, code="ANNA10"
    )
    assert code.collaboration == f"contract:{contract.pk}"
    shop = tracking.create_integration(deal.brand_as(), platform="shopify", name="shop")
    order = payloads.shopify_order(codes=("ANNA10",), landing_site=None, created_at=clock.now().isoformat())
    assert post_shopify(Client(), shop, "orders/paid", order).status_code == 200
    assert revenue("collaboration", f"contract:{contract.pk}") == 10_800  # 108.00: after discount, no tax/shipping
    follow_once()
    assert booked(contract.pk) == 1_080


def test_links_and_codes_are_tagged_only_for_a_contract_of_their_own_pair() -> None:
    deal, contract, _link = collaboration(REV10)
    bare = tracking.create_link(
        deal.brand_as(),
        campaign_id=deal.campaign.pk,
        creator_id=deal.creator.pk,
        destination="https://shop.example/b",
        collaboration=str(contract.pk),
    )
    assert bare.collaboration == f"contract:{contract.pk}"  # a bare contract id is spelled the one way
    _other, other_contract, _ = collaboration(REV10)
    for tag in (str(other_contract.pk), "spring-reel"):
        made = tracking.create_link(
            deal.brand_as(),
            campaign_id=deal.campaign.pk,
            creator_id=deal.creator.pk,
            destination="https://shop.example/f",
            collaboration=tag,
        )
        assert made.collaboration == tag  # another pair's contract, or the brand's own reference: no contract


def legacy_world() -> tuple[int, int, int, int]:
    """Rows as the old rule wrote them: an untagged link and code of a pair with one contract, facts and spend under
    ``<campaign>:<creator>``; a pair with two contracts whose first one's spend went to the pair key too."""
    deal, single, link = collaboration(REV10)
    TrackingLink.objects.filter(pk=link.pk).update(collaboration="")
    code = tracking.create_promo_code(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_id=deal.creator.pk, code="X1X"
    )
    PromoCode.objects.filter(pk=code.pk).update(collaboration="")
    at = clock.now()
    batch = RollupBatch()
    batch.add(at, (deal.campaign.pk, deal.creator.pk, f"{deal.campaign.pk}:{deal.creator.pk}"), clicks=4, revenue=900)
    batch.add(at - timedelta(days=2), (deal.campaign.pk, deal.creator.pk, f"contract:{single.pk}"), revenue=100)
    batch.add(
        at - timedelta(days=2), (deal.campaign.pk, deal.creator.pk, f"{deal.campaign.pk}:{deal.creator.pk}"), revenue=50
    )
    batch.flush()

    two, first, _ = collaboration(REV10)
    second = signed_contract(two, terms(compensation=comp(REV10), commission_lock_days=30))
    concept = first.milestones.get(key="concept")
    contracts.fund_milestone(two.brand_as(), concept.pk, key="fund")
    contracts.submit(two.creator_as(), concept.pk, post_url="https://instagram.com/p/x", caption="Jas #advertentie")
    contracts.approve(two.brand_as(), concept.pk, key="approve")
    spend.scan_spend()
    pair = f"{two.campaign.pk}:{two.creator.pk}"
    moved = Rollup.objects.filter(dimension="collaboration", key=f"contract:{first.pk}")
    for row in moved:  # the old rule put it under the pair (no tagged link), next to the pair's facts
        Rollup.objects.create(**{**{f.attname: getattr(row, f.attname) for f in Rollup._meta.concrete_fields},
                                 "id": None, "key": pair, "clicks": 7})  # fmt: skip
    moved.delete()
    Spend.objects.update(collaboration=pair)
    return single.pk, first.pk, second.pk, concept.amount


def test_the_migration_moves_legacy_rows_to_one_key_per_contract() -> None:
    single, first, second, fee = legacy_world()
    migration = importlib.import_module("accord.incentives.migrations.0004_collaboration_keys")
    migration.forwards(apps, None)
    mine = f"contract:{single}"
    assert set(TrackingLink.objects.filter(collaboration="").values_list("pk", flat=True)) == set()
    assert PromoCode.objects.get(code="X1X").collaboration == mine
    rows = Rollup.objects.filter(dimension="collaboration", key=mine, granularity="day")
    assert sorted(rows.values_list("revenue", flat=True)) == [150, 900]  # the pair's rows added to the contract's
    assert sum(rows.values_list("clicks", flat=True)) == 4
    first_rows = Rollup.objects.filter(dimension="collaboration", key=f"contract:{first}")
    assert sum(first_rows.filter(granularity="day").values_list("spend", flat=True)) == fee
    pair_rows = Rollup.objects.filter(dimension="collaboration", creator_id__in=first_rows.values("creator_id"))
    left = pair_rows.exclude(key__startswith="contract:")
    assert sum(left.values_list("spend", flat=True)) == 0 and sum(left.values_list("clicks", flat=True)) == 14
    assert not Rollup.objects.filter(key=f"contract:{second}").exists()  # the second contract gets nothing of it
    assert set(Spend.objects.values_list("collaboration", flat=True)) == {f"contract:{first}"}
    migration.forwards(apps, None)  # running it again changes nothing
    assert sorted(rows.values_list("revenue", flat=True)) == [150, 900]


def test_a_flagged_sale_is_on_hold_for_its_own_collaboration_only() -> None:
    deal, first, first_link = collaboration(REV10)
    second, second_link = second_collaboration(deal)
    ingest(deal, first_link, sale(50_000, click_id="nosuchclick"))  # flagged: a click id that names no click
    ingest(deal, second_link, sale(10_000, click_id="nosuchclick"))
    follow_once()
    held = dict(State.objects.filter(contract__in=[first, second]).values_list("contract_id", "on_hold"))
    assert held == {first.pk: 5_000, second.pk: 1_000}
    for contract in (first, second):
        reasons = [r for p in Position.objects.filter(contract=contract) for r in p.hold_reasons]
        assert len(reasons) == 1 and reasons[0].startswith("no_click")  # its own flag, not the other's


def test_each_contract_page_makes_and_lists_its_own_links_and_codes() -> None:
    deal, first, first_link = collaboration(REV10)
    second = signed_contract(deal, terms(compensation=comp(REV10), commission_lock_days=30))
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    brand.post(f"/contracts/{second.pk}/tracking/link/", {"link-destination": "https://shop.example/second"})
    brand.post(f"/contracts/{second.pk}/tracking/promo/", {"promo-code": "second10"})
    link = TrackingLink.objects.exclude(pk=first_link.pk).get()
    assert link.collaboration == PromoCode.objects.get().collaboration == f"contract:{second.pk}"
    first_page = brand.get(f"/contracts/{first.pk}/").content.decode()
    second_page = brand.get(f"/contracts/{second.pk}/").content.decode()
    assert f"/t/{first_link.code}" in first_page and f"/t/{link.code}" not in first_page
    assert "SECOND10" in second_page and "SECOND10" not in first_page
    assert f"/t/{link.code}" in second_page and f"/t/{first_link.code}" not in second_page


def test_the_api_names_the_collaboration_of_a_promo_code() -> None:
    deal, _first, _link = collaboration(REV10)
    second = signed_contract(deal, terms(compensation=comp(REV10), commission_lock_days=30))
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    body = {"campaign_id": deal.campaign.pk, "creator_id": deal.creator.pk}
    made = brand.post(
        "/api/v1/tracking/promo-codes",
        {**body, "code": "TWO20", "collaboration": f"contract:{second.pk}"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["collaboration"] == f"contract:{second.pk}"
    loose = brand.post("/api/v1/tracking/promo-codes", {**body, "code": "ANY20"}, content_type="application/json")
    assert loose.json()["collaboration"] == ""  # two contracts: nobody can tell whose
