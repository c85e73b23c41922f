"""The payouts API end to end: a creator sets up methods and a schedule, an operator runs and settles payouts,
the creator sees history, lateness and statements."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from accord.accounts.models import Organization
from accord.accounts.services import create_operator
from accord.core import clock
from accord.payouts import sepa
from tests.conftest import client_for, make_team
from tests.payouts.helpers import DEBTOR_IBAN, assert_ledger_ok, fund, in_transit, payable

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 11, 23, 9, tzinfo=UTC)


def post(client: Any, path: str, body: Any = None, **headers: str) -> Any:
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.post(path, data=json.dumps(body or {}), content_type="application/json", **extra)


def test_creator_and_operator_journey() -> None:
    clock.set_now(MONDAY)
    team = make_team(Organization.Kind.CREATOR)
    admin = client_for(team.users["admin"], team.org)
    viewer = client_for(team.users["viewer"], team.org)
    op_user = create_operator(email="ops@accord.test", password="operator-password-1")
    op = client_for(op_user, Organization.objects.get(kind="operator"))

    bad = post(admin, "/api/v1/payouts/methods", {"kind": "sepa", "account_holder": "Jo", "iban": "DE00123"})
    assert bad.status_code == 422 and "iban" in bad.json()["error"]["fields"]
    r = post(
        admin, "/api/v1/payouts/methods", {"kind": "sepa", "account_holder": "Jo Doe", "iban": "DE89370400440532013000"}
    )
    assert r.status_code == 201, r.content
    method = r.json()
    assert method["is_default"] and method["iban_masked"] == "DE89 **** **** **** **30 00"
    assert "DE89370400440532013000" not in viewer.get("/api/v1/payouts/methods").content.decode()
    assert (
        post(viewer, "/api/v1/payouts/methods", {"kind": "stripe", "stripe_account_id": "acct_1X"}).status_code == 403
    )

    r = admin.put(
        "/api/v1/payouts/schedule",
        data=json.dumps({"frequency": "weekly", "weekday": 0, "thresholds": {"EUR": 2000}}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["frequency"] == "weekly"
    fund(team.org, 4321)
    expected = viewer.get("/api/v1/payouts/expected").json()
    assert expected["currencies"] == [
        {
            "currency": "EUR",
            "available": 4321,
            "threshold": 2000,
            "slot_date": "2026-11-23",
            "promised_date": "2026-11-25",
            "amount": 4321,
            "reason": "",
        }
    ]

    assert (
        post(
            op, "/api/v1/operator/payouts/debtor-accounts", {"name": "Accord", "iban": DEBTOR_IBAN, "currency": "EUR"}
        ).status_code
        == 201
    )
    no_key = post(op, "/api/v1/operator/payouts/runs", {"currency": "EUR"})
    assert no_key.status_code == 400 and no_key.json()["error"]["code"] == "idempotency_key_required"
    run = post(op, "/api/v1/operator/payouts/runs", {"currency": "EUR"}, **{"Idempotency-Key": "run-1"})
    assert run.status_code == 200, run.content
    assert run.json()["state"] == "done" and run.json()["payout_count"] == 1
    replay = post(op, "/api/v1/operator/payouts/runs", {"currency": "EUR"}, **{"Idempotency-Key": "run-1"})
    assert replay.json() == run.json() and replay["Idempotent-Replayed"] == "true"
    assert payable(team.org) == 0 and in_transit() == 4321

    [file_out] = run.json()["files"]
    xml = op.get(f"/api/v1/operator/payouts/files/{file_out['id']}")
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    sepa.validate(xml.content)
    assert admin.get(f"/api/v1/operator/payouts/files/{file_out['id']}").status_code == 403

    [payout] = viewer.get("/api/v1/payouts").json()["items"]
    assert payout["state"] == "processing" and payout["promised_date"] == "2026-11-25" and not payout["is_late"]
    assert payout["method"] == "Jo Doe · DE89 **** **** **** **30 00"

    clock.set_now(datetime(2026, 11, 26, 9, tzinfo=UTC))  # a day past the promise, still unpaid
    assert viewer.get(f"/api/v1/payouts/{payout['id']}").json()["days_late"] == 1
    late = op.get("/api/v1/operator/payouts", {"late": "true"}).json()["items"]
    assert [p["id"] for p in late] == [payout["id"]]
    paid = post(
        op, f"/api/v1/operator/payouts/{payout['id']}/paid", {"reference": "CAMT-1"}, **{"Idempotency-Key": "p1"}
    )
    assert paid.status_code == 200 and paid.json()["state"] == "paid" and paid.json()["days_late"] == 1
    refused = post(op, f"/api/v1/operator/payouts/{payout['id']}/failed", {"reason": "x"}, **{"Idempotency-Key": "f1"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "illegal_transition"
    assert viewer.get(f"/api/v1/payouts/{payout['id']}").json()["is_late"] is True
    assert in_transit() == 0

    statement = viewer.get(
        "/api/v1/payouts/statements", {"currency": "EUR", "start": "2026-11-01", "end": "2026-11-30"}
    )
    assert statement.status_code == 200 and statement["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(statement.content.decode())))
    lines = [r for r in rows if r["transaction"]]
    assert [(r["kind"], r["amount_minor"]) for r in lines] == [("test_release", "4321"), ("payout", "-4321")]
    assert lines[0]["source"] == "milestone=7"
    assert lines[1]["source"].startswith(f"payout={payout['id']} payout_run=")
    closing = [r for r in rows if r["kind"] == "closing_balance"]
    assert [(r["account"], r["amount_minor"]) for r in closing] == [(f"creator:{team.org.pk}:payable", "0")]
    pdf = viewer.get(
        "/api/v1/payouts/statements", {"currency": "EUR", "start": "2026-11-01", "end": "2026-11-30", "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        viewer.get(
            "/api/v1/payouts/statements", {"currency": "EUR", "start": "2026-12-01", "end": "2026-11-01"}
        ).status_code
        == 422
    )
    assert_ledger_ok()


def test_methods_default_and_removal() -> None:
    team = make_team(Organization.Kind.CREATOR)
    admin = client_for(team.users["admin"], team.org)
    first = post(
        admin, "/api/v1/payouts/methods", {"kind": "stripe", "stripe_account_id": "acct_1AAAAAAAAAAAAA"}
    ).json()
    second = post(
        admin,
        "/api/v1/payouts/methods",
        {"kind": "sepa", "account_holder": "Jo", "iban": "NL91ABNA0417164300", "is_default": True},
    ).json()
    assert second["is_default"] and second["bic"] == "ABNANL2A"
    listed = {m["id"]: m["is_default"] for m in admin.get("/api/v1/payouts/methods").json()["items"]}
    assert listed == {first["id"]: False, second["id"]: True}
    assert admin.delete(f"/api/v1/payouts/methods/{second['id']}").status_code == 204
    assert admin.get(f"/api/v1/payouts/methods/{first['id']}").json()["is_default"] is True
    assert admin.get(f"/api/v1/payouts/methods/{second['id']}").status_code == 404
    brand = make_team()
    assert client_for(brand.users["owner"], brand.org).get("/api/v1/payouts/methods").status_code == 403
