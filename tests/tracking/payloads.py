"""Webhook bodies in the platforms' documented shapes (trimmed to the fields that matter, values realistic)."""

from __future__ import annotations

from typing import Any


def shopify_order(
    order_id: int = 450789469,
    *,
    financial_status: str = "paid",
    codes: tuple[str, ...] = (),
    landing_site: str | None = "/?utm_source=accord",
    email: str = "bob.norman@mail.example.com",
    taxes_included: bool = False,
    created_at: str = "2026-05-04T12:05:00+02:00",
) -> dict[str, Any]:
    # Shopify REST Admin "Order" webhook payload (orders/create, orders/paid): amounts are decimal strings.
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": "#1001",
        "email": email,
        "created_at": created_at,
        "processed_at": created_at,
        "currency": "EUR",
        "presentment_currency": "EUR",
        "financial_status": financial_status,
        "fulfillment_status": None,
        "taxes_included": taxes_included,
        "total_line_items_price": "120.00",
        "total_discounts": "12.00",
        "subtotal_price": "108.00",
        "total_tax": "21.60" if not taxes_included else "18.00",
        "total_price": "134.60" if not taxes_included else "113.00",
        "total_shipping_price_set": {
            "shop_money": {"amount": "5.00", "currency_code": "EUR"},
            "presentment_money": {"amount": "5.00", "currency_code": "EUR"},
        },
        "discount_codes": [{"code": c, "amount": "12.00", "type": "percentage"} for c in codes],
        "landing_site": landing_site,
        "referring_site": "https://www.instagram.com/",
        "note_attributes": [],
        "customer": {"id": 207119551, "email": email, "first_name": "Bob", "last_name": "Norman"},
        "line_items": [
            {
                "id": 466157049,
                "title": "Spring jacket",
                "quantity": 1,
                "price": "120.00",
                "total_discount": "0.00",
                "discount_allocations": [{"amount": "12.00", "discount_application_index": 0}],
                "tax_lines": [{"title": "VAT", "price": "21.60", "rate": 0.2}],
            }
        ],
        "shipping_lines": [{"id": 271878346, "title": "Standard", "price": "5.00", "code": "Standard"}],
    }


def shopify_refund(refund_id: int = 509562969, order_id: int = 450789469, subtotal: str = "54.00") -> dict[str, Any]:
    # Shopify "Refund" webhook payload (refunds/create).
    return {
        "id": refund_id,
        "order_id": order_id,
        "created_at": "2026-05-10T09:00:00+02:00",
        "processed_at": "2026-05-10T09:00:00+02:00",
        "note": "it doesn't fit",
        "restock": True,
        "refund_line_items": [
            {
                "id": 104689539,
                "line_item_id": 466157049,
                "quantity": 1,
                "restock_type": "return",
                "subtotal": subtotal,
                "total_tax": "10.80",
                "subtotal_set": {"shop_money": {"amount": subtotal, "currency_code": "EUR"}},
            }
        ],
        "transactions": [
            {"id": 245135621, "kind": "refund", "status": "success", "amount": "64.80", "currency": "EUR"}
        ],
        "order_adjustments": [{"id": 1, "kind": "shipping_refund", "amount": "-5.00", "tax_amount": "0.00"}],
    }


def woo_order(
    order_id: int = 727,
    *,
    status: str = "processing",
    cid: str = "",
    coupons: tuple[str, ...] = (),
    refunds: tuple[tuple[int, str], ...] = (),
    email: str = "john.doe@example.com",
) -> dict[str, Any]:
    # WooCommerce REST API v3 order object, as sent by order.created / order.updated webhooks.
    return {
        "id": order_id,
        "parent_id": 0,
        "number": str(order_id),
        "order_key": "wc_order_58d2d042d1d",
        "status": status,
        "currency": "EUR",
        "date_created": "2026-05-04T12:05:00",
        "date_created_gmt": "2026-05-04T10:05:00",
        "date_paid_gmt": "2026-05-04T10:06:00" if status in ("processing", "completed") else None,
        "discount_total": "10.00",
        "discount_tax": "2.00",
        "shipping_total": "10.00",
        "shipping_tax": "2.00",
        "cart_tax": "18.00",
        "total": "120.00",
        "total_tax": "20.00",
        "prices_include_tax": False,
        "billing": {"first_name": "John", "last_name": "Doe", "email": email},
        "payment_method": "bacs",
        "meta_data": [{"id": 13106, "key": "accord_cid", "value": cid}] if cid else [],
        "line_items": [{"id": 315, "name": "Woo Single", "quantity": 2, "subtotal": "100.00", "total": "90.00"}],
        "shipping_lines": [{"id": 317, "method_title": "Flat Rate", "total": "10.00", "total_tax": "2.00"}],
        "coupon_lines": [{"id": 318, "code": c, "discount": "10.00", "discount_tax": "2.00"} for c in coupons],
        "refunds": [{"id": rid, "reason": "", "total": total} for rid, total in refunds],
    }
