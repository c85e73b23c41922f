"""Escrow over HTTP: Idempotency-Key required and replayed, operator confirmation, balances for each side."""

from __future__ import annotations

import pytest

from accord.accounts.models import Organization, Role
from accord.escrow import services as escrow
from accord.ledger.verify import verify
from tests.conftest import client_for, make_team
from tests.escrow.helpers import campaign_for, operator_principal

pytestmark = pytest.mark.django_db


def test_brand_funds_operator_confirms_both_see_balances() -> None:
    brand = make_team(Organization.Kind.BRAND)
    campaign = campaign_for(brand.org)
    member = client_for(brand.users[Role.MEMBER], brand.org)
    url = f"/api/v1/campaigns/{campaign.pk}/escrow/deposits"

    missing = member.post(url, {"amount": 25_000}, content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "idempotency_key_required"

    first = member.post(url, {"amount": 25_000}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "pending"
    assert body["instructions"]["reference"] == body["reference"]
    replay = member.post(url, {"amount": 25_000}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert replay.status_code == 201
    assert replay.json()["id"] == body["id"]
    other = member.post(url, {"amount": 1}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert other.status_code == 409

    op = operator_principal()
    operator = client_for(op.user, op.organization)
    confirm_url = f"/api/v1/operator/escrow/deposits/{body['id']}/confirm"
    assert operator.post(confirm_url, {}, content_type="application/json").status_code == 400
    done = operator.post(
        confirm_url, {"provider_ref": "B-9"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c"
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "confirmed"

    escrow_view = client_for(brand.users[Role.VIEWER], brand.org).get(f"/api/v1/campaigns/{campaign.pk}/escrow")
    assert escrow_view.status_code == 200
    assert escrow_view.json()["balance"] == 25_000
    assert escrow_view.json()["deposited"] == 25_000

    creator = make_team(Organization.Kind.CREATOR)
    eh = escrow.fund_hold(
        None, campaign_id=campaign.pk, creator_org_id=creator.org.pk, amount=10_000, reference_type="milestone",
        reference_id="m-1", key="fund-1",
    )  # fmt: skip
    holds = client_for(brand.users[Role.VIEWER], brand.org).get(f"/api/v1/campaigns/{campaign.pk}/escrow/holds")
    assert holds.status_code == 200
    assert [h["status"] for h in holds.json()["items"]] == ["pending"]
    escrow.release(None, escrow_hold_id=eh.pk, key="rel-1")

    mine = client_for(creator.users[Role.VIEWER], creator.org).get("/api/v1/escrow/balances")
    assert mine.status_code == 200
    data = mine.json()
    assert data["balances"] == [{"currency": "EUR", "pending": 0, "payable": 9_000}]
    assert data["campaigns"][0]["released"] == 9_000
    assert data["campaigns"][0]["funded"] == 10_000
    assert verify() == []


def test_brand_cannot_see_creator_balances_and_rival_cannot_see_campaign() -> None:
    brand = make_team(Organization.Kind.BRAND)
    rival = make_team(Organization.Kind.BRAND)
    campaign = campaign_for(brand.org)
    assert client_for(brand.users[Role.OWNER], brand.org).get("/api/v1/escrow/balances").status_code == 403
    seen = client_for(rival.users[Role.OWNER], rival.org).get(f"/api/v1/campaigns/{campaign.pk}/escrow")
    assert seen.status_code == 404
