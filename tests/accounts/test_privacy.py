"""An organization's data export and erasure (DESIGN §6 Privacy), through the real services and the API."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django_tasks_db.models import DBTaskResult

from accord.accounts import privacy_erasure, privacy_export, services
from accord.accounts.auth import Principal
from accord.accounts.models import ApiKey, Organization, Role, User
from accord.contracts import services as contracts
from accord.contracts.models import ContractVersion
from accord.core import audit
from accord.core.errors import Conflict, PermissionDenied, ValidationFailed
from accord.core.models import AuditRecord
from accord.creators.models import CreatorProfile
from accord.ledger.verify import verify as ledger_verify
from tests.conftest import PASSWORD, client_for, run_worker
from tests.contracts.helpers import make_deal, signed_contract

pytestmark = pytest.mark.django_db


def _zip(principal: Principal) -> dict[str, object]:
    export, background = privacy_export.request_export(principal)
    assert not background and export.state == "ready"
    _name, content = privacy_export.content(principal, export.pk)
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {n: archive.read(n).decode() for n in archive.namelist()}


def test_export_holds_the_orgs_data_and_nothing_of_another_brand() -> None:
    mine, theirs = make_deal(), make_deal()
    own = signed_contract(mine)
    other = signed_contract(theirs)
    _key, token = services.create_api_key(mine.brand_as(), name="ci", scope=ApiKey.Scope.WRITE)
    files = _zip(mine.brand_as())
    assert "README.txt" in files
    every_app = {
        f"{app}.json"
        for app in (
            "accounts.audit",
            "campaigns.campaigns",
            "contracts.signatures",
            "creators.profile",
            "disputes.events",
            "escrow.deposits",
            "incentives.bookings",
            "ledger.entries",
            "matching.shortlists",
            "messaging.messages",
            "payouts.methods",
            "reputation.tier",
            "tracking.rollups",
        )
    }
    assert every_app <= files.keys()
    contract_ids = {c["id"] for c in json.loads(str(files["contracts.contracts.json"]))}
    assert contract_ids == {own.pk}
    assert other.pk not in {v["contract_id"] for v in json.loads(str(files["contracts.versions.json"]))}
    members = json.loads(str(files["accounts.members.json"]))
    assert {m["email"] for m in members} == {u.email for u in mine.brand_users.values()}
    keys = json.loads(str(files["accounts.api_keys.json"]))
    assert [k["name"] for k in keys] == ["ci"] and "key_hash" not in keys[0]
    everything = "".join(str(v) for v in files.values())
    assert token not in everything
    assert theirs.brand.name not in everything
    accounts = json.loads(str(files["ledger.accounts.json"]))
    assert accounts and all(a["owner_id"] in (None, mine.brand.pk) for a in accounts)


def test_only_owners_export_and_download() -> None:
    deal = make_deal(deposit=0)
    with pytest.raises(PermissionDenied):
        privacy_export.request_export(deal.brand_as(Role.ADMIN))
    export, _ = privacy_export.request_export(deal.brand_as())
    admin = client_for(deal.brand_users[Role.ADMIN], deal.brand)
    assert admin.get(f"/api/v1/organization/exports/{export.pk}/download").status_code == 403
    owner = client_for(deal.brand_users[Role.OWNER], deal.brand)
    response = owner.get(f"/api/v1/organization/exports/{export.pk}/download")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"


@pytest.mark.django_db(transaction=True)
def test_big_orgs_are_exported_by_the_worker(settings: object) -> None:
    deal = make_deal()
    settings.ACCORD_EXPORT_INLINE_MAX = 0  # type: ignore[attr-defined]
    client = client_for(deal.brand_users[Role.OWNER], deal.brand)
    body = client.post("/api/v1/organization/exports").json()
    assert body["background"] is True and body["state"] == "pending" and body["download_url"] is None
    assert DBTaskResult.objects.filter(status="READY", task_path__endswith="build_export").count() == 1
    run_worker("test-privacy-worker")
    got = client.get(f"/api/v1/organization/exports/{body['id']}").json()
    assert got["state"] == "ready" and got["download_url"].endswith("/download")
    assert client.get(got["download_url"]).content[:2] == b"PK"


def test_erasure_is_refused_while_money_is_in_flight_and_says_why() -> None:
    deal = make_deal()
    signed_contract(deal)
    with pytest.raises(Conflict) as refused:
        privacy_erasure.erase(deal.brand_as(), deal.brand.name)
    codes = {b["code"] for b in refused.value.fields["blockers"]}
    assert {"balance_escrow", "contracts_open"} <= codes
    client = client_for(deal.brand_users[Role.OWNER], deal.brand, **{"Idempotency-Key": "erase-1"})
    response = client.post(
        "/api/v1/organization/erasure", {"confirm": deal.brand.name}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "erasure_blocked"
    deal.brand.refresh_from_db()
    assert deal.brand.deleted_at is None


def test_erasure_needs_the_name_and_an_idempotency_key() -> None:
    deal = make_deal(deposit=0)
    with pytest.raises(ValidationFailed):
        privacy_erasure.erase(deal.creator_as(), "wrong")
    client = client_for(deal.creator_users[Role.OWNER], deal.creator)
    response = client.post(
        "/api/v1/organization/erasure", {"confirm": deal.creator.name}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "idempotency_key_required"


def test_erasure_after_settlement_keeps_the_books_and_the_counterpartys_copy() -> None:
    deal = make_deal(deposit=0)
    contract = signed_contract(deal)
    contracts.terminate(deal.brand_as(), contract.pk, reason="project cancelled")
    creator_owner = deal.creator_users[Role.OWNER]
    email = creator_owner.email
    client = client_for(creator_owner, deal.creator, **{"Idempotency-Key": "erase-1"})
    response = client.post(
        "/api/v1/organization/erasure", {"confirm": deal.creator.name}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    org = Organization.objects.get(pk=deal.creator.pk)
    assert org.deleted_at is not None and org.name != deal.creator.name
    assert not CreatorProfile.objects.filter(organization=org).exists()
    assert not User.objects.filter(email=email).exists()
    creator_owner.refresh_from_db()
    assert not creator_owner.is_active
    assert not client_for(None).login(email=email, password=PASSWORD)
    assert client.get("/api/v1/me").status_code == 401
    assert ApiKey.objects.filter(organization=org, revoked_at__isnull=True).count() == 0
    # The brand still holds the signed version; the books and the audit chain still verify.
    assert ContractVersion.objects.filter(contract=contract, status=ContractVersion.Status.SIGNED).exists()
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    assert brand.get(f"/api/v1/contracts/{contract.pk}").status_code == 200
    assert ledger_verify() == []
    assert [p for p in audit.verify() if not isinstance(p, int)] == []
    # Repeating changes nothing: the API answers 401 (the owner is gone), the service returns the deleted org.
    repeat = client.post(
        "/api/v1/organization/erasure", {"confirm": deal.creator.name}, content_type="application/json"
    )
    assert repeat.status_code == 401
    assert AuditRecord.objects.filter(action="organization.erased", organization_id=org.pk).count() == 1
    erased_at = org.deleted_at
    again = privacy_erasure.erase(Principal(organization=org, role=Role.OWNER, user=creator_owner), "anything")
    assert again.deleted_at == erased_at
