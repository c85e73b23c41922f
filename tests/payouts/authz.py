"""Authorization matrix for the payouts API (see tests/authz.py)."""

from __future__ import annotations

from typing import Any

from accord.accounts.auth import Principal
from accord.accounts.models import Role
from accord.core import clock
from accord.ledger import services as ledger
from accord.payouts import services
from accord.payouts.models import Payout, PayoutFile
from tests.authz import Expect, World, by_role, operator_only

KEY = {"Idempotency-Key": "authz-payouts-1"}
SEPA = {"kind": "sepa", "account_holder": "Jane Doe", "iban": "NL91ABNA0417164300"}


def _statement_query(world: World, principal: str) -> dict[str, Any]:
    year = clock.today().year
    return {"currency": "EUR", "start": f"{year}-01-01", "end": f"{year}-12-31"}


def build(world: World) -> None:
    owner = Principal(organization=world.creator, role=Role.OWNER, user=world.creator_users["owner"])
    method = services.add_method(owner, kind="sepa", account_holder="Jane Doe", iban="DE89370400440532013000")
    spare = services.add_method(owner, kind="stripe", stripe_account_id="acct_1AuthzSpare0001")
    services.set_schedule(owner, frequency="on_demand")
    services.request_payout(owner)
    services.add_debtor(name="Accord Platform", iban="NL02ABNA0123456789", bic="ABNANL2A", currency="EUR")
    ledger.transfer(
        key=f"authz-fund-{world.creator.pk}",
        kind="test_release",
        currency="EUR",
        legs=[(ledger.WORLD, ledger.creator_payable_code(world.creator.pk), 12_345)],
    )
    run = services.run_payouts("EUR")
    payout = Payout.objects.get(run=run, organization=world.creator)
    world.ids.update(
        method_id=method.pk,
        spare_method_id=spare.pk,
        payout_id=payout.pk,
        run_id=run.pk,
        file_id=PayoutFile.objects.get(run=run).pk,
    )


def creator_route(minimum: str, ok: int = 200, *, scoped: bool = False, **kw: Any) -> Expect:
    kw.setdefault("operator", 403)  # operators act for the operator organization, which is no creator
    return by_role(minimum, ok, side="creator", scoped=scoped, **kw)


MATRIX: dict[str, Expect] = {
    "GET /api/v1/payouts/methods": creator_route(Role.VIEWER),
    "POST /api/v1/payouts/methods": creator_route(Role.ADMIN, 201, body=SEPA),
    "GET /api/v1/payouts/methods/{method_id}": creator_route(Role.VIEWER, scoped=True),
    "PATCH /api/v1/payouts/methods/{method_id}": creator_route(Role.ADMIN, scoped=True, body={"label": "main"}),
    "DELETE /api/v1/payouts/methods/{method_id}": creator_route(Role.ADMIN, 204, scoped=True).with_ids(
        method_id="spare_method_id"
    ),
    "GET /api/v1/payouts/schedule": creator_route(Role.VIEWER),
    "PUT /api/v1/payouts/schedule": creator_route(
        Role.ADMIN, body={"frequency": "monthly", "day_of_month": 31, "thresholds": {"EUR": 5000}}
    ),
    # The rival creator has no on-demand schedule, so asking to be paid is refused (409) for them.
    "POST /api/v1/payouts/request": creator_route(Role.ADMIN, other_tenant=409),
    "GET /api/v1/payouts/expected": creator_route(Role.VIEWER),
    "GET /api/v1/payouts/statements": creator_route(Role.VIEWER, body=_statement_query),
    "GET /api/v1/payouts": creator_route(Role.VIEWER),
    "GET /api/v1/payouts/{payout_id}": creator_route(Role.VIEWER, scoped=True),
    "GET /api/v1/operator/payouts/runs": operator_only(),
    "POST /api/v1/operator/payouts/runs": operator_only(body={"currency": "EUR"}, headers=KEY),
    "GET /api/v1/operator/payouts/runs/{run_id}": operator_only(),
    "GET /api/v1/operator/payouts/files/{file_id}": operator_only(),
    "POST /api/v1/operator/payouts/files/{file_id}/paid": operator_only(headers=KEY),
    "GET /api/v1/operator/payouts/debtor-accounts": operator_only(),
    "POST /api/v1/operator/payouts/debtor-accounts": operator_only(
        201, body={"name": "Accord", "iban": "DE89370400440532013000", "currency": "EUR"}
    ),
    "GET /api/v1/operator/payouts": operator_only(),
    "POST /api/v1/operator/payouts/{payout_id}/paid": operator_only(body={"reference": "bank-1"}, headers=KEY),
    "POST /api/v1/operator/payouts/{payout_id}/failed": operator_only(body={"reason": "account closed"}, headers=KEY),
}
