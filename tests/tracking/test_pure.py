"""Pure tracking logic: attribution window edges, fraud rules (positive and negative), payload parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.tracking import fraud, platforms
from accord.tracking.attribution import ClickCandidate, CodeCandidate, attribute
from tests.tracking import payloads

SALE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def clk(pk: int, age: timedelta, creator: int = 7, **kw: bool) -> ClickCandidate:
    return ClickCandidate(pk, SALE - age, link_id=100 + creator, creator_id=creator, campaign_id=1, **kw)


@pytest.mark.parametrize(
    ("age", "attributed"),
    [
        (timedelta(0), True),
        (timedelta(days=30), True),  # exactly at the edge: inside
        (timedelta(days=30, seconds=1), False),
        (timedelta(seconds=-1), False),  # a click after the sale cannot have caused it
    ],
)
def test_attribution_window_edges(age: timedelta, attributed: bool) -> None:
    result = attribute(SALE, [], [clk(1, age)])
    assert result.attributed is attributed
    assert result.method == ("click" if attributed else "none")


def test_custom_window_and_last_click_wins() -> None:
    clicks = [clk(1, timedelta(days=5), creator=7), clk(2, timedelta(days=1), creator=8), clk(3, timedelta(days=2))]
    assert attribute(SALE, [], clicks).creator_id == 8
    assert attribute(SALE, [], clicks, window=timedelta(hours=12)).method == "none"


def test_uncounted_or_excluded_clicks_do_not_attribute() -> None:
    clicks = [clk(1, timedelta(days=1), counted=False), clk(2, timedelta(days=2), excluded=True)]
    assert attribute(SALE, [], clicks).method == "none"


def test_code_wins_over_another_creators_click_and_same_creator_counts_once() -> None:
    code = CodeCandidate(code_id=5, creator_id=9, campaign_id=1, link_id=None)
    other = attribute(SALE, [code], [clk(1, timedelta(hours=1), creator=7)])
    assert (other.method, other.creator_id, other.click_id) == ("code", 9, None)
    same = attribute(SALE, [code], [clk(2, timedelta(hours=1), creator=9)])
    assert (same.method, same.creator_id, same.click_id, same.link_id) == ("code", 9, 2, 109)


def test_fraud_rules_positive_and_negative() -> None:
    assert fraud.click_burst(20) is not None
    assert fraud.click_burst(19) is None
    assert fraud.no_click(has_code=False, has_click=False) is not None
    assert fraud.no_click(has_code=True, has_click=False) is None
    assert fraud.no_click(has_code=False, has_click=True) is None
    assert fraud.self_purchase("abc", {"abc", "def"}) is not None
    assert fraud.self_purchase("xyz", {"abc"}) is None
    assert fraud.self_purchase("", {""}) is None
    assert fraud.leaked_code(10, 19) is not None
    assert fraud.leaked_code(10, 20) is None
    assert fraud.leaked_code(9, 0) is None  # too few conversions to judge
    hour = timedelta(hours=1)
    assert fraud.metric_jump(1000, 900_000, hour, "views") is not None
    assert fraud.metric_jump(1000, 20_000, hour, "views") is None
    assert fraud.metric_jump(1000, 900_000, timedelta(days=3), "views") is None
    assert fraud.metric_jump(1000, 999, hour, "views") is not None
    assert fraud.metric_jump(None, 10**9, hour, "views") is None


def test_shopify_order_facts() -> None:
    facts = platforms.shopify_order(payloads.shopify_order(codes=("X1",), landing_site="/p?accord_cid=abc&x=1"))
    assert (facts.base, facts.tax, facts.shipping, facts.total, facts.discount) == (10800, 2160, 500, 13460, 1200)
    assert (facts.paid, facts.codes, facts.click_ref, facts.currency) == (True, ("X1",), "abc", "EUR")
    assert facts.placed_at == datetime(2026, 5, 4, 10, 5, tzinfo=UTC)
    assert not platforms.shopify_order(payloads.shopify_order(financial_status="pending")).paid
    refund = platforms.shopify_refund(payloads.shopify_refund(subtotal="54.00"), "EUR", taxes_included=True)
    assert refund.base == 54_00 - 10_80
    with pytest.raises(platforms.PayloadError):
        platforms.shopify_order({"id": 1, "currency": "EUR", "subtotal_price": "1.234"})
    with pytest.raises(platforms.PayloadError):
        platforms.shopify_order({"currency": "EUR"})


def test_woocommerce_order_facts() -> None:
    facts = platforms.woocommerce_order(payloads.woo_order(coupons=("anna10",), refunds=((9, "-30.00"),)))
    assert (facts.base, facts.paid, facts.codes) == (90_00, True, ("anna10",))
    assert facts.refunds[0].base == 22_50
    assert facts.placed_at == datetime(2026, 5, 4, 10, 5, tzinfo=UTC)
    assert not platforms.woocommerce_order(payloads.woo_order(status="on-hold")).paid
