"""Order webhooks: HMAC verification, commission base, paid-only, refunds, replays, attribution and fraud."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from accord.core import clock
from accord.tracking import signatures
from accord.tracking.models import Conversion, FraudFlag, Order
from tests.tracking import payloads
from tests.tracking.helpers import Setup, click, make_setup, post_postback, post_shopify, post_woo, rollup

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def s(db: None) -> Setup:
    clock.set_now(T0)
    return make_setup()


def cid_of(response) -> str:  # type: ignore[no-untyped-def]
    return response["Location"].rsplit("accord_cid=", 1)[1]


def test_shopify_paid_order_with_code_counts_base_without_tax_and_shipping(s: Setup) -> None:
    c = Client()
    response = post_shopify(c, s.shopify, "orders/create", payloads.shopify_order(codes=("ANNA10",)))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "recorded"
    sale = Conversion.objects.get()
    assert (sale.kind, sale.base, sale.currency, sale.attribution) == ("sale", 108_00, "EUR", "code")
    assert sale.creator_id == s.creator.org.pk
    assert sale.promo_code_id == s.code.pk
    assert not sale.excluded
    day = rollup("campaign", s.campaign.pk)
    assert (day["conversions"], day["revenue"]) == (1, 108_00)
    # Placed at 12:05 +02:00: counted in the UTC day and hour it falls in.
    from accord.tracking.models import Rollup

    buckets = {(r.granularity, r.bucket.isoformat()) for r in Rollup.objects.filter(dimension="campaign")}
    assert buckets == {("day", "2026-05-04T00:00:00+00:00"), ("hour", "2026-05-04T10:00:00+00:00")}


def test_taxes_included_orders_take_the_tax_off(s: Setup) -> None:
    post_shopify(Client(), s.shopify, "orders/paid", payloads.shopify_order(codes=("anna10",), taxes_included=True))
    assert Conversion.objects.get().base == 90_00  # 108.00 incl. 18.00 VAT


def test_only_paid_orders_count_and_replays_change_nothing(s: Setup) -> None:
    c = Client()
    pending = payloads.shopify_order(financial_status="pending", codes=("ANNA10",))
    assert post_shopify(c, s.shopify, "orders/create", pending).json()["detail"] == "order not paid yet"
    assert not Conversion.objects.exists()
    paid = payloads.shopify_order(financial_status="paid", codes=("ANNA10",))
    assert post_shopify(c, s.shopify, "orders/paid", paid).json()["status"] == "recorded"
    for _ in range(2):
        assert post_shopify(c, s.shopify, "orders/paid", paid).json()["status"] == "unchanged"
    assert Order.objects.count() == 1
    assert Conversion.objects.count() == 1
    assert rollup("campaign", s.campaign.pk)["conversions"] == 1


def test_refunds_are_negative_once_per_refund_id_and_never_exceed_the_sale(s: Setup) -> None:
    c = Client()
    post_shopify(c, s.shopify, "orders/paid", payloads.shopify_order(codes=("ANNA10",)))
    refund = payloads.shopify_refund(subtotal="54.00")
    assert post_shopify(c, s.shopify, "refunds/create", refund).json()["status"] == "recorded"
    assert post_shopify(c, s.shopify, "refunds/create", refund).json()["status"] == "unchanged"
    second = payloads.shopify_refund(refund_id=509562970, subtotal="100.00")
    post_shopify(c, s.shopify, "refunds/create", second)
    bases = sorted(Conversion.objects.filter(kind="refund").values_list("base", flat=True))
    assert bases == [-54_00, -54_00]  # the second is capped at what was left of the sale
    day = rollup("campaign", s.campaign.pk)
    assert (day["revenue"], day["refunds"], day["refunded"]) == (108_00, 2, 108_00)
    unknown = payloads.shopify_refund(refund_id=1, order_id=999)
    assert post_shopify(c, s.shopify, "refunds/create", unknown).json()["status"] == "ignored"


def test_bad_or_missing_hmac_is_refused(s: Setup) -> None:
    c = Client()
    body = payloads.shopify_order(codes=("ANNA10",))
    response = post_shopify(c, s.shopify, "orders/paid", body, secret="wrong-secret")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    response = c.post(
        f"/api/v1/tracking/webhooks/shopify/{s.shopify.pk}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC="orders/paid",
    )
    assert response.status_code == 401
    # A body changed after signing fails too.
    raw = json.dumps(body).encode()
    sig = signatures.shopify_signature(s.shopify.secret, raw)
    response = c.post(
        f"/api/v1/tracking/webhooks/shopify/{s.shopify.pk}",
        data=raw.replace(b"108.00", b"999.00"),
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC="orders/paid",
        HTTP_X_SHOPIFY_HMAC_SHA256=sig,
    )
    assert response.status_code == 401
    assert not Conversion.objects.exists()
    # The other platform's integration id is not a Shopify endpoint.
    assert post_shopify(c, s.woo, "orders/paid", body).status_code == 404


def test_hmac_matches_shopify_documented_computation() -> None:
    # Shopify: base64(HMAC-SHA256(secret, raw body)); values computed independently with openssl:
    # printf '{"id":1}' | openssl dgst -sha256 -hmac hush -binary | base64
    assert signatures.shopify_signature("hush", b'{"id":1}') == "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY="
    assert signatures.verify_shopify("hush", b'{"id":1}', "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=")
    assert not signatures.verify_shopify("hush", b'{"id":2}', "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=")
    # Accord-Signature: hex HMAC-SHA256 of "t.body" (printf '1700000000.{"id":1}' | openssl dgst -sha256 -hmac hush)
    header = signatures.accord_signature("hush", b'{"id":1}', 1_700_000_000)
    assert header == "t=1700000000,v1=e3bce6bd7f1e260dc827417401e6c3eeccf571d426a5e11de648ec1fab6fd879"
    assert signatures.verify_accord("hush", b'{"id":1}', header, 1_700_000_100) is None
    assert signatures.verify_accord("hush", b'{"id":1}', header, 1_700_000_301) == "expired"
    assert signatures.verify_accord("hush", b'{"id":2}', header, 1_700_000_000) == "mismatch"
    assert signatures.verify_accord("hush", b'{"id":1}', "v1=abc", 1_700_000_000) == "malformed"
    assert signatures.verify_accord("hush", b'{"id":1}', None, 1_700_000_000) == "missing"


def test_last_click_attribution_via_landing_site(s: Setup) -> None:
    cid = cid_of(click(Client(), s.link.code))
    clock.advance(timedelta(days=3))
    order = payloads.shopify_order(landing_site=f"/spring?utm_source=accord&accord_cid={cid}")
    post_shopify(Client(), s.shopify, "orders/paid", order)
    sale = Conversion.objects.get()
    assert (sale.attribution, sale.link_id, sale.click.click_id) == ("click", s.link.pk, cid)


def test_click_outside_the_window_does_not_attribute(s: Setup) -> None:
    cid = cid_of(click(Client(), s.link.code))
    clock.advance(timedelta(days=31))
    later = (T0 + timedelta(days=31)).isoformat()
    order = payloads.shopify_order(landing_site=f"/?accord_cid={cid}", created_at=later)
    post_shopify(Client(), s.shopify, "orders/paid", order)
    assert not Conversion.objects.exists()
    assert Order.objects.get().attribution == "none"


def test_link_and_code_of_the_same_creator_count_once(s: Setup) -> None:
    cid = cid_of(click(Client(), s.link.code))
    order = payloads.shopify_order(codes=("ANNA10",), landing_site=f"/?accord_cid={cid}")
    post_shopify(Client(), s.shopify, "orders/paid", order)
    sale = Conversion.objects.get()
    assert (sale.attribution, sale.promo_code_id, sale.click.click_id) == ("code", s.code.pk, cid)
    assert rollup("creator", s.creator.org.pk)["conversions"] == 1


def test_self_purchase_is_flagged_and_excluded(s: Setup) -> None:
    member_email = s.creator.users["owner"].email
    post_shopify(
        Client(), s.shopify, "orders/paid", payloads.shopify_order(codes=("ANNA10",), email=member_email.upper())
    )
    sale = Conversion.objects.get()
    assert sale.excluded
    flag = FraudFlag.objects.get(target_type="conversion", target_id=sale.pk)
    assert flag.rule == "self_purchase"
    assert rollup("campaign", s.campaign.pk)["conversions"] == 0
    # Negative case: a stranger's order with the same code counts.
    post_shopify(Client(), s.shopify, "orders/paid", payloads.shopify_order(order_id=2, codes=("ANNA10",)))
    assert rollup("campaign", s.campaign.pk)["conversions"] == 1
    assert Order.objects.filter(buyer_email_hash="").count() == 0
    assert not Order.objects.filter(buyer_email_hash__contains="@").exists()


def test_leaked_code_is_flagged_when_code_sales_outrun_clicks(s: Setup) -> None:
    c = Client()
    for i in range(3):
        click(c, s.link.code, ip=f"198.51.100.{i}")
    for n in range(12):
        post_shopify(c, s.shopify, "orders/paid", payloads.shopify_order(order_id=1000 + n, codes=("ANNA10",)))
    flags = FraudFlag.objects.filter(rule="leaked_code")
    assert flags.count() == 3  # from the 10th code sale on: 10 > 3 clicks * 0.5
    assert rollup("campaign", s.campaign.pk)["conversions"] == 9


def test_leaked_code_negative_case_with_a_healthy_click_base(s: Setup) -> None:
    c = Client()
    for i in range(40):
        click(c, s.link.code, ip=f"198.51.100.{i}")
    for n in range(12):
        post_shopify(c, s.shopify, "orders/paid", payloads.shopify_order(order_id=1000 + n, codes=("ANNA10",)))
    assert not FraudFlag.objects.filter(rule="leaked_code").exists()


def test_woocommerce_order_and_refund(s: Setup) -> None:
    c = Client()
    cid = cid_of(click(c, s.link.code))
    assert (
        post_woo(c, s.woo, payloads.woo_order(status="pending", cid=cid), "order.created").json()["status"]
        == "recorded"
    )
    assert not Conversion.objects.exists()
    response = post_woo(c, s.woo, payloads.woo_order(status="processing", cid=cid))
    assert response.json()["status"] == "recorded"
    sale = Conversion.objects.get()
    assert (sale.base, sale.attribution) == (90_00, "click")  # 120.00 - 20.00 tax - 10.00 shipping
    refunded = payloads.woo_order(status="processing", cid=cid, refunds=((801, "-60.00"),))
    post_woo(c, s.woo, refunded)
    post_woo(c, s.woo, refunded)
    refund = Conversion.objects.get(kind="refund")
    assert refund.base == -45_00  # half of the taxed total back: half the base
    assert Conversion.objects.count() == 2
    bad = json.dumps(payloads.woo_order()).encode()
    response = c.post(
        f"/api/v1/tracking/webhooks/woocommerce/{s.woo.pk}",
        data=bad,
        content_type="application/json",
        HTTP_X_WC_WEBHOOK_SIGNATURE=signatures.woocommerce_signature("nope", bad),
    )
    assert response.status_code == 401


def test_postback_signature_replay_window_and_no_click_flag(s: Setup) -> None:
    c = Client()
    cid = cid_of(click(c, s.link.code))
    sale = {"order_id": "PB-1", "amount": 5000, "currency": "EUR", "link": s.link.code, "click_id": cid}
    assert post_postback(c, s.postback, sale).json()["status"] == "recorded"
    assert post_postback(c, s.postback, sale).json()["status"] == "unchanged"
    stale = post_postback(c, s.postback, dict(sale, order_id="PB-2"), at=int(T0.timestamp()) - 301)
    assert stale.status_code == 401
    assert "expired" in stale.json()["error"]["message"]
    tampered = c.post(
        f"/api/v1/tracking/webhooks/postback/{s.postback.pk}",
        data=json.dumps(dict(sale, amount=9_999_999)),
        content_type="application/json",
        HTTP_ACCORD_SIGNATURE=signatures.accord_signature(
            s.postback.secret, json.dumps(sale).encode(), int(T0.timestamp())
        ),
    )
    assert tampered.status_code == 401
    # Neither a click nor a code: recorded against the named link, flagged and excluded.
    post_postback(c, s.postback, {"order_id": "PB-3", "amount": 700, "currency": "EUR", "link": s.link.code})
    flagged = Conversion.objects.get(external_id="sale:PB-3")
    assert flagged.excluded
    assert FraudFlag.objects.get(target_id=flagged.pk, target_type="conversion").rule == "no_click"
    refund = {"type": "refund", "order_id": "PB-1", "refund_id": "R-1", "amount": 2000, "currency": "EUR"}
    assert post_postback(c, s.postback, refund).json()["status"] == "recorded"
    day = rollup("campaign", s.campaign.pk)
    assert (day["conversions"], day["revenue"], day["refunded"]) == (1, 5000, 2000)


def test_operator_clears_a_flag_and_the_sale_counts_again(s: Setup) -> None:
    from accord.accounts.models import Organization
    from accord.accounts.services import create_operator
    from tests.conftest import client_for

    member_email = s.creator.users["owner"].email
    post_shopify(Client(), s.shopify, "orders/paid", payloads.shopify_order(codes=("ANNA10",), email=member_email))
    post_shopify(Client(), s.shopify, "refunds/create", payloads.shopify_refund(subtotal="8.00"))
    flag = FraudFlag.objects.get()
    assert rollup("campaign", s.campaign.pk)["conversions"] == 0
    operator = create_operator(email="op@accord.test", password="operator-password-1")
    operator_org = Organization.objects.get(kind="operator")
    brand = s.brand_client()
    assert (
        brand.post(
            f"/api/v1/tracking/fraud-flags/{flag.pk}/clear", data={"note": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    op = client_for(operator, operator_org)
    response = op.post(
        f"/api/v1/tracking/fraud-flags/{flag.pk}/clear",
        data={"note": "family purchase, verified"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["excluded"] is False
    op.post(f"/api/v1/tracking/fraud-flags/{flag.pk}/clear", data={"note": "again"}, content_type="application/json")
    day = rollup("campaign", s.campaign.pk)
    assert (day["conversions"], day["revenue"], day["refunds"], day["refunded"]) == (1, 108_00, 1, 8_00)
    assert FraudFlag.objects.filter(pk=flag.pk).exists()  # never deleted
    listing = brand.get("/api/v1/tracking/fraud-flags").json()["items"]
    assert listing[0]["reason"] and listing[0]["cleared_at"]
