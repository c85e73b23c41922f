"""The contract API end to end: offer, counter with diff, sign, fund (Idempotency-Key), submit, approve."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from accord.accounts.models import Role
from accord.contracts import services
from accord.contracts.models import Milestone
from accord.ledger.models import Hold, Transaction
from accord.ledger.verify import verify
from tests.conftest import client_for
from tests.contracts.helpers import Deal, make_deal, signed_contract, terms

pytestmark = pytest.mark.django_db


def _post(client: Any, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.post(path, data=json.dumps(body or {}), content_type="application/json", **extra)


@pytest.fixture
def deal() -> Deal:
    return make_deal()


def test_negotiate_sign_fund_submit_approve_over_http(deal: Deal) -> None:
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    creator = client_for(deal.creator_users[Role.OWNER], deal.creator)

    offer = _post(
        brand,
        "/api/v1/contracts/offers",
        {"campaign_id": deal.campaign.pk, "creator_org_id": deal.creator.pk, "terms": terms()},
    )
    assert offer.status_code == 201, offer.content
    cid = offer.json()["id"]
    assert [c["id"] for c in creator.get("/api/v1/contracts/inbox").json()["items"]] == [cid]

    changed = terms()
    changed["max_change_rounds"] = 3
    countered = _post(creator, f"/api/v1/contracts/{cid}/counter", {"terms": changed})
    assert countered.status_code == 201
    assert countered.json()["diff"] == [{"field": "max_change_rounds", "change": "changed", "before": 2, "after": 3}]
    versions = brand.get(f"/api/v1/contracts/{cid}/versions").json()
    assert [v["number"] for v in versions] == [1, 2]

    sha = countered.json()["terms_sha256"]
    assert _post(brand, f"/api/v1/contracts/{cid}/sign", {"typed_name": "B", "version": 2}).status_code == 422
    signed = _post(
        brand, f"/api/v1/contracts/{cid}/sign", {"typed_name": "Bea Brand", "version": 2, "terms_sha256": sha}
    )
    assert signed.status_code == 201 and signed.json()["contract_status"] == "countered"
    signed = _post(creator, f"/api/v1/contracts/{cid}/sign", {"typed_name": "Cas Creator", "version": 2})
    assert signed.json()["contract_status"] == "signed"
    assert brand.get(f"/api/v1/contracts/{cid}").json()["signed_sha256"] == sha
    pdf = brand.get(f"/api/v1/contracts/{cid}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    milestones = brand.get(f"/api/v1/contracts/{cid}/milestones").json()
    mid = milestones[0]["id"]
    missing = _post(brand, f"/api/v1/milestones/{mid}/fund")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "idempotency_key_required"
    funded = _post(brand, f"/api/v1/milestones/{mid}/fund", **{"Idempotency-Key": "fund-1"})
    assert funded.status_code == 200 and funded.json()["status"] == "funded"
    replay = _post(brand, f"/api/v1/milestones/{mid}/fund", **{"Idempotency-Key": "fund-1"})
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert Hold.objects.count() == 1
    again = _post(brand, f"/api/v1/milestones/{mid}/fund", **{"Idempotency-Key": "fund-2"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"

    sub = _post(
        creator,
        f"/api/v1/milestones/{mid}/submissions",
        {"post_url": "https://instagram.com/p/1", "caption": "Nieuwe jas"},
    )
    assert sub.status_code == 201 and sub.json()["disclosure_ok"] is False
    blocked = _post(brand, f"/api/v1/milestones/{mid}/approve", {}, **{"Idempotency-Key": "ok-1"})
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "disclosure_missing"
    changes = _post(brand, f"/api/v1/milestones/{mid}/request-changes", {"comment": "Add #advertentie"})
    assert changes.json()["status"] == "changes_requested"
    _post(creator, f"/api/v1/milestones/{mid}/submissions", {"post_url": "https://instagram.com/p/1", "caption": "#ad"})
    before = Transaction.objects.count()
    approved = _post(brand, f"/api/v1/milestones/{mid}/approve", {}, **{"Idempotency-Key": "ok-2"})
    assert approved.status_code == 200 and approved.json()["status"] == "released"
    assert _post(brand, f"/api/v1/milestones/{mid}/approve", {}, **{"Idempotency-Key": "ok-2"}).status_code == 200
    assert Transaction.objects.count() == before + 1
    detail = creator.get(f"/api/v1/milestones/{mid}").json()
    assert [s["decision"] for s in detail["submissions"]] == ["changes_requested", "approved"]
    assert Milestone.objects.get(pk=mid).released_amount == 50_000
    assert verify() == []


def test_values_check_preview_and_block(deal: Deal) -> None:
    deal.creator.creator_profile.no_go_categories = ["crypto"]
    deal.creator.creator_profile.save()
    deal.campaign.description = "Trade Bitcoin with our app"
    deal.campaign.save()
    brand = client_for(deal.brand_users[Role.VIEWER], deal.brand)
    preview = brand.get(
        "/api/v1/contracts/values-check", {"campaign_id": deal.campaign.pk, "creator_org_id": deal.creator.pk}
    ).json()
    assert preview == {"ok": False, "conflicts": [{"category": "crypto", "reason": "the brief mentions 'bitcoin'"}]}
    owner = client_for(deal.brand_users[Role.OWNER], deal.brand)
    refused = _post(
        owner,
        "/api/v1/contracts/offers",
        {"campaign_id": deal.campaign.pk, "creator_org_id": deal.creator.pk, "terms": terms()},
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "values_conflict"
    assert "crypto" in refused.json()["error"]["message"]


def test_invalid_terms_name_the_field(deal: Deal) -> None:
    owner = client_for(deal.brand_users[Role.OWNER], deal.brand)
    bad = terms(commission_lock_days=5)
    response = _post(
        owner,
        "/api/v1/contracts/offers",
        {"campaign_id": deal.campaign.pk, "creator_org_id": deal.creator.pk, "terms": bad},
    )
    assert response.status_code == 422
    assert "commission_lock_days" in response.json()["error"]["fields"]


def test_draft_upload_and_download_over_http(deal: Deal) -> None:
    contract = signed_contract(deal)
    milestone = contract.milestones.get(key="concept")
    services.fund_milestone(deal.brand_as(), milestone.pk, key="f")
    creator = client_for(deal.creator_users[Role.MEMBER], deal.creator)
    bad = encode_multipart(
        BOUNDARY, {"caption": "x", "draft_file": SimpleUploadedFile("a.exe", b"MZ", "application/x-msdownload")}
    )
    refused = creator.generic(
        "POST", f"/api/v1/milestones/{milestone.pk}/submissions/upload", data=bad, content_type=MULTIPART_CONTENT
    )
    assert refused.status_code == 422 and refused.json()["error"]["fields"] == {"draft_file": "type_not_allowed"}
    good = encode_multipart(
        BOUNDARY,
        {"caption": "Concept #ad", "draft_file": SimpleUploadedFile("concept.pdf", b"%PDF-1.4 x", "application/pdf")},
    )
    sent = creator.generic(
        "POST", f"/api/v1/milestones/{milestone.pk}/submissions/upload", data=good, content_type=MULTIPART_CONTENT
    )
    assert sent.status_code == 201 and sent.json()["has_draft_file"] and sent.json()["disclosure_ok"]
    brand = client_for(deal.brand_users[Role.VIEWER], deal.brand)
    download = brand.get(f"/api/v1/submissions/{sent.json()['id']}/draft")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 x"
    assert (
        client_for(make_deal(deposit=0).brand_users[Role.OWNER])
        .get(f"/api/v1/submissions/{sent.json()['id']}/draft")
        .status_code
        == 404
    )


def test_creators_check_only_campaigns_they_may_see(deal: Deal) -> None:
    creator = client_for(deal.creator_users[Role.VIEWER], deal.creator)
    url = "/api/v1/contracts/values-check"
    assert creator.get(url, {"campaign_id": deal.campaign.pk}).json() == {"ok": True, "conflicts": []}
    deal.campaign.open_for_applications = False
    deal.campaign.save()
    assert creator.get(url, {"campaign_id": deal.campaign.pk}).status_code == 404  # invite-only, no offer yet
    services.send_offer(deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms())
    assert creator.get(url, {"campaign_id": deal.campaign.pk}).status_code == 200
