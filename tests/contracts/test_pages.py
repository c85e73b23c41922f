"""The main collaboration steps through the web pages, as the brand and as the creator."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.accounts.models import Role
from accord.contracts.models import Contract, Milestone, Timesheet
from accord.core import clock
from tests.conftest import client_for
from tests.contracts.helpers import hourly_terms, make_deal, signed_contract, terms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned() -> None:
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def test_campaign_pages_create_and_open() -> None:
    deal = make_deal(deposit=0)
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    page = brand.get("/campaigns/")
    assert page.status_code == 200 and "Spring launch" in page.content.decode()
    created = brand.post(
        "/campaigns/",
        {
            "name": "Pages campaign",
            "currency": "EUR",
            "budget": "1500.50",
            "brand_categories": ["crypto"],
            "countries": ["NL"],
        },
    )
    assert created.status_code == 302
    detail = brand.get(created["Location"])
    assert "€1,500.50" in detail.content.decode()
    campaign_id = int(created["Location"].rstrip("/").split("/")[-1])
    assert brand.post(f"/campaigns/{campaign_id}/open/").status_code == 302
    assert "Open" in brand.get(f"/campaigns/{campaign_id}/").content.decode()
    creator = client_for(deal.creator_users[Role.VIEWER], deal.creator)
    assert "Spring launch" in creator.get("/campaigns/").content.decode()  # open for applications
    assert creator.get(f"/campaigns/{campaign_id}/").status_code == 404


def test_offer_inbox_diff_sign_fund_submit_approve_pages() -> None:
    deal = make_deal()
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    creator = client_for(deal.creator_users[Role.OWNER], deal.creator)
    sent = brand.post(
        f"/contracts/propose/{deal.campaign.pk}/",
        {"terms": json.dumps(terms()), "creator_org_id": deal.creator.pk, "message": "Join us"},
    )
    assert sent.status_code == 302, sent.content.decode()[:3000]
    contract = Contract.objects.get()
    changed = terms(review_window_days=10)
    assert creator.post(f"/contracts/{contract.pk}/counter/", {"terms": json.dumps(changed)}).status_code == 302
    inbox = brand.get("/contracts/").content.decode()
    assert "review_window_days" in inbox and "<del>14</del>" in inbox and "<ins>10</ins>" in inbox
    brand.post(f"/contracts/{contract.pk}/sign/", {"typed_name": "Bea Brand", "version": 2})
    creator.post(f"/contracts/{contract.pk}/sign/", {"typed_name": "Cas Creator", "version": 2})
    contract.refresh_from_db()
    assert contract.status == "signed"
    assert brand.get(f"/contracts/{contract.pk}/pdf/")["Content-Type"] == "application/pdf"

    concept = contract.milestones.get(key="concept")
    brand.post(f"/contracts/milestones/{concept.pk}/fund/", {"idempotency_key": "web-fund"})
    page = creator.get(f"/contracts/milestones/{concept.pk}/").content.decode()
    assert "Funded: the money is held in escrow." in page
    upload = SimpleUploadedFile("cut.mp4", b"\x00\x00\x00\x18ftypmp42", content_type="video/mp4")
    submitted = creator.post(
        f"/contracts/milestones/{concept.pk}/", {"post_url": "", "caption": "Rainy dunes", "draft_file": upload}
    )
    assert submitted.status_code == 302
    seen_by_brand = brand.get(f"/contracts/milestones/{concept.pk}/").content.decode()
    assert "No ad disclosure found" in seen_by_brand and "#advertentie" in seen_by_brand and "cut" in seen_by_brand
    draft = brand.get(f"/contracts/submissions/{concept.submissions.get().pk}/draft/")
    assert b"".join(draft.streaming_content).startswith(b"\x00\x00\x00\x18ftyp")
    refused = brand.post(
        f"/contracts/milestones/{concept.pk}/approve/", {"idempotency_key": "web-ok", "confirm": "yes"}, follow=True
    )
    assert "request changes instead" in refused.content.decode()
    brand.post(f"/contracts/milestones/{concept.pk}/request-changes/", {"comment": "Add the tag"})
    creator.post(f"/contracts/milestones/{concept.pk}/", {"post_url": "https://instagram.com/p/x", "caption": "#ad"})
    brand.post(f"/contracts/milestones/{concept.pk}/approve/", {"idempotency_key": "web-ok", "confirm": "yes"})
    assert Milestone.objects.get(pk=concept.pk).status == "released"
    other = make_deal(deposit=0)
    assert client_for(other.brand_users[Role.OWNER], other.brand).get(f"/contracts/{contract.pk}/").status_code == 404


def test_timesheet_pages() -> None:
    deal = make_deal()
    contract = signed_contract(deal, hourly_terms())
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    creator = client_for(deal.creator_users[Role.OWNER], deal.creator)
    brand.post(f"/contracts/milestones/{contract.milestones.get().pk}/fund/", {"idempotency_key": "budget"})
    logged = creator.post(
        f"/contracts/{contract.pk}/time/", {"work_date": "2026-03-02", "minutes": 90, "note": "Shoot"}
    )
    assert logged.status_code == 302
    sheet = Timesheet.objects.get()
    creator.post(f"/contracts/timesheets/{sheet.pk}/submit/", {"contract_id": contract.pk})
    approve = {"contract_id": contract.pk, "idempotency_key": "t"}
    brand.post(f"/contracts/timesheets/{sheet.pk}/approve/", {**approve, "confirm": "yes"})
    sheet.refresh_from_db()
    assert (sheet.status, sheet.amount) == ("approved", 9_000)
    assert "€90.00" in brand.get(f"/contracts/{contract.pk}/time/").content.decode()
