"""Authorization matrix for the incentives API: both parties (and operators) read a collaboration's accruals,
live totals and forecast; operators alone set clawback caps and claw back confirmed fraud."""

from __future__ import annotations

from typing import Any

from accord.contracts import services as contracts
from accord.core import clock
from accord.incentives import services
from accord.tracking import services as tracking
from accord.tracking.models import Event, FraudFlag
from tests.authz import Expect, World, by_role, operator_only
from tests.contracts.authz import _parties, _terms
from tests.contracts.lazy import ident, lazy_group


def _collaboration(world: World) -> dict[str, int]:
    brand, creator, campaign_id = _parties(world)
    data = _terms()
    data["compensation"] = {"currency": "EUR", "rules": [{"kind": "revenue_share", "id": "rev", "percent": "10"}]}
    contract = contracts.send_offer(brand, campaign_id=campaign_id, creator_org_id=world.creator.pk, terms=data)
    contracts.sign(brand, contract.pk, typed_name="Brand Owner", version_number=1)
    contracts.sign(creator, contract.pk, typed_name="Creator Owner", version_number=1)
    link = tracking.create_link(
        brand, campaign_id=campaign_id, creator_id=world.creator.pk, destination="https://shop.example/authz"
    )
    tracking.ingest_events(
        brand,
        [{"id": "authz-sale", "type": "conversion", "link": link.code, "amount": 10_000, "currency": "EUR"}],
    )
    outcome = services.accrue_contract(contract.pk)
    event = Event.objects.get(external_id="authz-sale")
    flag = FraudFlag.objects.create(
        target_type=FraudFlag.Target.EVENT,
        target_id=event.pk,
        rule=FraudFlag.Rule.SELF_PURCHASE,
        reason="buyer e-mail matches the creator",
        campaign_id=campaign_id,
        creator=world.creator,
        excluded=False,
        created_at=clock.now(),
    )
    return {"inc_contract_id": contract.pk, "inc_booking_id": outcome.bookings[0], "inc_flag_id": flag.pk}


def build(world: World) -> None:
    lazy_group(world, "incentives", ["inc_contract_id", "inc_booking_id", "inc_flag_id"], _collaboration)


def _contract(expect: Expect) -> Expect:
    return expect.with_ids(contract_id="inc_contract_id")


def _booking(expect: Expect) -> Expect:
    return expect.with_ids(booking_id="inc_booking_id")


def _fraud_body(world: World, principal: str) -> dict[str, Any]:
    return {"fraud_flag_id": ident(world, "inc_flag_id")}


_SCENARIOS = {"scenarios": [{"name": "10k revenue", "kpis": {"revenue": 1_000_000}, "days": 30}]}

MATRIX: dict[str, Expect] = {
    "GET /api/v1/incentives/contracts/{contract_id}/live": _contract(by_role("viewer", scoped=True, operator=200)),
    "GET /api/v1/incentives/contracts/{contract_id}/accruals": _contract(by_role("viewer", scoped=True, operator=200)),
    "GET /api/v1/incentives/contracts/{contract_id}/performance": _contract(
        by_role("viewer", scoped=True, operator=200)
    ),
    "GET /api/v1/incentives/accruals": by_role("viewer"),
    "GET /api/v1/incentives/accruals/{booking_id}": _booking(by_role("viewer", scoped=True, operator=200)),
    "GET /api/v1/incentives/contracts/{contract_id}/forecast": _contract(by_role("viewer", scoped=True, operator=200)),
    "POST /api/v1/incentives/contracts/{contract_id}/forecast": _contract(
        by_role("viewer", scoped=True, operator=200, body=_SCENARIOS)
    ),
    "POST /api/v1/incentives/operator/contracts/{contract_id}/clawback-cap": _contract(
        operator_only(body={"cap": 500})
    ),
    "POST /api/v1/incentives/operator/accruals/{booking_id}/fraud-clawback": _booking(
        operator_only(201, body=_fraud_body, headers={"Idempotency-Key": "authz-fraud-clawback"})
    ),
}
