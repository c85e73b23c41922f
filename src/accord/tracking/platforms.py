"""Order payloads of shop platforms → normalized facts (pure).

Commission base = order total after discounts, excluding tax and shipping. Only paid orders count; refunds are
negative. Amounts become integer minor units of the order's currency, parsed exactly from the decimal strings.

Shopify (Admin REST webhook payloads ``orders/create``, ``orders/paid``, ``refunds/create``): ``subtotal_price`` is
the line items after discounts, before shipping; it includes tax when ``taxes_included`` is true, so tax is taken
off then. A refund's base is the sum of its ``refund_line_items[].subtotal`` (less their ``total_tax`` for
taxes-included orders); shipping refunds (``order_adjustments``) are not part of the base.

WooCommerce (REST v3 order webhooks): ``total`` includes tax and shipping; base = total − total_tax − shipping_total
(``shipping_tax`` is part of ``total_tax``). Paid statuses are ``processing`` and ``completed``; ``refunds[]`` carry
an id and a negative ``total`` (tax included), so a refund's base is its share of the order's taxed total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from accord.core.money import Money, allocate, validate_currency

CLICK_PARAM = "accord_cid"


class PayloadError(ValueError):
    """The payload lacks a field we need or has one in an unusable shape."""


@dataclass(frozen=True)
class OrderFacts:
    external_id: str
    currency: str
    base: int  # commission base, minor units
    total: int
    tax: int
    shipping: int
    discount: int
    paid: bool
    status: str
    codes: tuple[str, ...] = ()
    click_ref: str = ""
    buyer_email: str = ""
    placed_at: datetime | None = None
    refunds: tuple[RefundFacts, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RefundFacts:
    external_id: str
    order_external_id: str
    base: int  # positive; recorded as a negative conversion
    at: datetime | None = None


def money(value: Any, currency: str) -> int:
    if value is None or value == "":
        return 0
    try:
        return Money.parse(str(value), currency).amount
    except (InvalidOperation, ValueError) as exc:
        raise PayloadError(f"not an amount of {currency}: {value!r}") from exc


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _currency(payload: Mapping[str, Any]) -> str:
    code = str(payload.get("currency") or "").upper()
    try:
        return validate_currency(code)
    except ValueError as exc:
        raise PayloadError(str(exc)) from exc


def click_ref_from_url(url: str | None) -> str:
    if not url:
        return ""
    query = urlsplit(url).query
    values = parse_qs(query).get(CLICK_PARAM)
    return values[0][:64] if values else ""


def _attr(items: Any, name: str, key: str = "name", value: str = "value") -> str:
    for item in items or []:
        if isinstance(item, Mapping) and item.get(key) == name and item.get(value):
            return str(item[value])[:64]
    return ""


def _require_id(payload: Mapping[str, Any], key: str = "id") -> str:
    value = payload.get(key)
    if value is None or str(value) == "":
        raise PayloadError(f"missing {key}")
    return str(value)


# --- Shopify --------------------------------------------------------------------------------------------------------

SHOPIFY_PAID = frozenset({"paid", "partially_refunded", "refunded"})


def shopify_order(payload: Mapping[str, Any]) -> OrderFacts:
    currency = _currency(payload)
    subtotal = money(payload.get("subtotal_price"), currency)
    tax = money(payload.get("total_tax"), currency)
    base = subtotal - tax if payload.get("taxes_included") else subtotal
    shipping_set = (payload.get("total_shipping_price_set") or {}).get("shop_money") or {}
    shipping = money(shipping_set.get("amount"), currency) if shipping_set else 0
    status = str(payload.get("financial_status") or "")
    customer = payload.get("customer") or {}
    click_ref = (
        _attr(payload.get("note_attributes"), "accord_cid")
        or click_ref_from_url(payload.get("landing_site"))
        or click_ref_from_url(payload.get("landing_site_ref"))
    )
    return OrderFacts(
        external_id=_require_id(payload),
        currency=currency,
        base=max(base, 0),
        total=money(payload.get("total_price"), currency),
        tax=tax,
        shipping=shipping,
        discount=money(payload.get("total_discounts"), currency),
        paid=status in SHOPIFY_PAID,
        status=status,
        codes=tuple(str(d.get("code")) for d in payload.get("discount_codes") or [] if d.get("code")),
        click_ref=click_ref,
        buyer_email=str(payload.get("email") or customer.get("email") or ""),
        placed_at=_dt(payload.get("processed_at")) or _dt(payload.get("created_at")),
    )


def shopify_refund(payload: Mapping[str, Any], currency: str, taxes_included: bool) -> RefundFacts:
    base = 0
    for item in payload.get("refund_line_items") or []:
        line = money(item.get("subtotal"), currency)
        if taxes_included:
            line -= money(item.get("total_tax"), currency)
        base += line
    return RefundFacts(
        external_id=_require_id(payload),
        order_external_id=_require_id(payload, "order_id"),
        base=max(base, 0),
        at=_dt(payload.get("processed_at")) or _dt(payload.get("created_at")),
    )


# --- WooCommerce ----------------------------------------------------------------------------------------------------

WOO_PAID = frozenset({"processing", "completed", "refunded"})


def woocommerce_order(payload: Mapping[str, Any]) -> OrderFacts:
    currency = _currency(payload)
    total = money(payload.get("total"), currency)
    tax = money(payload.get("total_tax"), currency)
    shipping = money(payload.get("shipping_total"), currency)
    base = max(total - tax - shipping, 0)
    status = str(payload.get("status") or "")
    billing = payload.get("billing") or {}
    refunds = []
    order_id = _require_id(payload)
    raw_refunds = [r for r in payload.get("refunds") or [] if r.get("id") is not None]
    for r in raw_refunds:
        refunded_total = abs(money(r.get("total"), currency))
        # The refund's share of the base: refunded / total of the base, rounded once (largest remainder).
        share = allocate(base, [refunded_total, max(total - refunded_total, 0)])[0] if total > 0 else 0
        refunds.append(RefundFacts(external_id=str(r["id"]), order_external_id=order_id, base=min(share, base)))
    return OrderFacts(
        external_id=order_id,
        currency=currency,
        base=base,
        total=total,
        tax=tax,
        shipping=shipping,
        discount=money(payload.get("discount_total"), currency),
        paid=status in WOO_PAID or (bool(payload.get("date_paid")) and status not in ("cancelled", "failed")),
        status=status,
        codes=tuple(str(c.get("code")) for c in payload.get("coupon_lines") or [] if c.get("code")),
        click_ref=_attr(payload.get("meta_data"), "accord_cid", key="key", value="value"),
        buyer_email=str(billing.get("email") or ""),
        placed_at=_dt(payload.get("date_created_gmt") and f"{payload['date_created_gmt']}+00:00")
        or _dt(payload.get("date_created")),
        refunds=tuple(refunds),
    )
