"""Dispute evidence through the API and the pages: statements and files (multipart upload, type/size/content checks,
stored under MEDIA_ROOT, downloaded only by the parties and operators), and the evidence attached automatically."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accord.accounts.models import Role
from accord.core import clock
from accord.disputes import services
from accord.disputes.models import Evidence
from tests.conftest import client_for
from tests.contracts.helpers import make_deal
from tests.disputes.test_disputes import _funded, _open, _operator

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% the agreed brief\n"


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def _upload(client: Client, dispute_id: int, name: str, content: bytes, content_type: str, **form: str) -> Any:
    f = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(f"/api/v1/disputes/{dispute_id}/evidence/files", {"file": f, **form})


def test_file_upload_is_checked_stored_privately_and_downloaded_by_parties_only() -> None:
    deal = make_deal()
    d = _open(deal, _funded(deal))
    brand = client_for(deal.brand_users[Role.MEMBER], deal.brand)
    creator = client_for(deal.creator_users[Role.VIEWER], deal.creator)
    console = client_for(_operator("files@accord.test").user, None)
    stranger = client_for(make_deal().brand_users[Role.OWNER])

    r = _upload(brand, d.pk, "brief.pdf", PDF, "application/pdf", title="The brief", text="What we agreed")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["kind"], body["side"], body["title"], body["text"]) == ("file", "brand", "The brief", "What we agreed")
    url = body["file_url"]
    assert url == f"/api/v1/disputes/{d.pk}/evidence/{body['id']}/file" and settings.MEDIA_URL not in url
    ev = Evidence.objects.get(pk=body["id"])
    stored = Path(settings.MEDIA_ROOT) / ev.file.name
    assert stored.read_bytes() == PDF and ev.file.name.startswith(f"disputes/{d.pk}/")

    for client in (brand, creator, console):
        got = client.get(url)
        assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
        assert "attachment" in got["Content-Disposition"]
    assert stranger.get(url).status_code == 404
    assert client_for(deal.creator_users[Role.VIEWER], deal.creator).get(f"/disputes/{d.pk}/").status_code == 200
    page_link = f"/disputes/{d.pk}/evidence/{ev.pk}/file/"
    assert page_link in creator.get(f"/disputes/{d.pk}/").content.decode()
    assert creator.get(page_link).status_code == 200 and stranger.get(page_link).status_code == 404

    # refused: a type not on the list, bytes that are not what the type claims, an empty file, too large
    bad_type = _upload(brand, d.pk, "x.exe", b"MZ\x90\x00", "application/octet-stream")
    assert bad_type.status_code == 422 and bad_type.json()["error"]["fields"]["file"] == "application/octet-stream"
    lying = _upload(brand, d.pk, "fake.png", b"<html>not a png</html>", "image/png")
    assert lying.status_code == 422 and lying.json()["error"]["fields"]["file"] == "content_mismatch"
    empty = _upload(brand, d.pk, "empty.txt", b"", "text/plain")
    assert empty.status_code == 422
    # the viewer may read but not add; a stranger cannot add
    assert _upload(creator, d.pk, "a.txt", b"hello", "text/plain").status_code == 403
    assert _upload(stranger, d.pk, "a.txt", b"hello", "text/plain").status_code == 404
    assert Evidence.objects.filter(dispute=d, kind="file").count() == 1


def test_file_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    deal = make_deal()
    d = _open(deal, _funded(deal))
    monkeypatch.setattr(services, "FILE_MAX_BYTES", 16)
    brand = client_for(deal.brand_users[Role.MEMBER], deal.brand)
    r = _upload(brand, d.pk, "long.txt", b"x" * 17, "text/plain")
    assert r.status_code == 422 and r.json()["error"]["fields"]["file"] == "too_large"
    assert _upload(brand, d.pk, "ok.txt", b"x" * 16, "text/plain").status_code == 201


def test_statement_evidence_through_the_api_and_none_after_resolution() -> None:
    deal = make_deal()
    d = _open(deal, _funded(deal))
    creator = client_for(deal.creator_users[Role.MEMBER], deal.creator)
    r = creator.post(
        f"/api/v1/disputes/{d.pk}/evidence",
        {"title": "Timeline", "text": "Posted on time."},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["kind"] == "statement" and r.json()["file_url"] is None
    services.withdraw(deal.brand_as(), d.pk)
    late = _upload(creator, d.pk, "a.txt", b"late", "text/plain")
    assert late.status_code == 409


def test_automatic_evidence_of_a_milestone_dispute() -> None:
    deal = make_deal()
    m = _funded(deal)
    d = _open(deal, m)
    kinds = {e.kind: e for e in d.evidence.all()}
    assert {"statement", "terms", "thread", "submissions", "ledger", "tracking"} <= set(kinds)
    assert kinds["tracking"].data == {"posts": [], "events": []}  # no post measured yet: said so, not left out
    terms = kinds["terms"].data
    assert terms["version"] == 1 and len(terms["terms_sha256"]) == 64 and terms["terms"]["currency"] == "EUR"
    subs = kinds["submissions"].data["submissions"]
    assert [(s["milestone_id"], s["round"], s["post_url"]) for s in subs] == [(m.pk, 1, "https://example.test/p/1")]
    assert kinds["thread"].data["subject"] == f"contract:{m.contract_id}"
    assert any(msg["event_type"] == "milestone.submitted" for msg in kinds["thread"].data["messages"])
    assert kinds["ledger"].data["holds"][0]["amount"] == 100_000


def test_a_deliverable_dispute_carries_the_posts_latest_measurements() -> None:
    from datetime import timedelta

    from accord.tracking.models import PostMetricSnapshot, TrackingLink

    deal = make_deal()
    m = _funded(deal)
    link = TrackingLink.objects.create(
        code="disp1", destination="https://example.test", campaign=deal.campaign, creator=deal.creator
    )
    for hours, views in ((2, 400), (1, 900)):  # two snapshots of one post: the latest is the evidence
        PostMetricSnapshot.objects.create(
            campaign=deal.campaign,
            creator=deal.creator,
            link=link,
            platform="instagram",
            post_id="p1",
            captured_at=clock.now() - timedelta(hours=hours),
            views=views,
            impressions=views * 2,
        )
    d = _open(deal, m)
    [tracking] = d.evidence.filter(kind="tracking")
    [post] = tracking.data["posts"]
    assert (post["post_id"], post["views"], post["impressions"], post["excluded"]) == ("p1", 900, 1800, False)
