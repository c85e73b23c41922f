"""Incentive test helpers: a signed contract with compensation rules, a tracking link, and event ingestion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accord.contracts.models import Contract
from accord.core import clock
from accord.tracking import services as tracking
from accord.tracking.models import TrackingLink
from tests.contracts.helpers import Deal, make_deal, signed_contract, terms


def comp(*rules: dict[str, Any], cap: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"currency": "EUR", "rules": list(rules)}
    if cap is not None:
        data["cap"] = cap
    return data


def collaboration(
    *rules: dict[str, Any], deposit: int = 1_000_000, cap: int | None = None, lock_days: int = 30
) -> tuple[Deal, Contract, TrackingLink]:
    deal = make_deal(deposit=deposit)
    contract = signed_contract(deal, terms(compensation=comp(*rules, cap=cap), commission_lock_days=lock_days))
    link = tracking.create_link(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_id=deal.creator.pk, destination="https://shop.example/x"
    )
    return deal, contract, link


_seq = [0]


def ingest(deal: Deal, link: TrackingLink, *events: dict[str, Any]) -> None:
    batch = []
    for e in events:
        _seq[0] += 1
        item = {"id": f"ev-{_seq[0]}", "link": link.code, **e}
        if isinstance(item.get("occurred_at"), datetime):
            item["occurred_at"] = item["occurred_at"].isoformat()
        item.setdefault("occurred_at", clock.now().isoformat())
        batch.append(item)
    result = tracking.ingest_events(deal.brand_as(), batch)
    assert not result.errors, result.errors


def sale(amount: int, **extra: Any) -> dict[str, Any]:
    return {"type": "conversion", "amount": amount, "currency": "EUR", **extra}


def refund(amount: int, **extra: Any) -> dict[str, Any]:
    return {"type": "refund", "amount": amount, "currency": "EUR", **extra}
