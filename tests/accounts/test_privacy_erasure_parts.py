"""What each app erases: a creator's messages (the other side's stay), tracking links, the public profile; and an
export's file expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.accounts import privacy_erasure, privacy_export
from accord.accounts.models import DataExport, Role
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.core.errors import Conflict
from accord.creators.models import CreatorProfile
from accord.messaging import services as messaging
from accord.messaging.models import Attachment, Message
from accord.tracking import services as tracking
from accord.tracking.models import TrackingLink
from tests.conftest import client_for
from tests.contracts.helpers import make_deal

pytestmark = pytest.mark.django_db


def test_erasure_blanks_the_creators_words_and_switches_its_links_off() -> None:
    deal = make_deal(deposit=0)
    thread = messaging.ensure_thread(f"campaign:{deal.campaign.pk}", [deal.brand.pk, deal.creator.pk], "Spring")
    brand_says = messaging.post_message(deal.brand_as(), thread, "Hi, interested?")
    file = SimpleUploadedFile("rates.txt", b"my rates", content_type="text/plain")
    creator_says = messaging.post_message(deal.creator_as(), thread, "Yes, my rates are attached.", [file])
    link = tracking.create_link(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_id=deal.creator.pk, destination="https://shop.test/"
    )
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    profile_url = f"/api/v1/creators/{CreatorProfile.objects.get(organization=deal.creator).pk}"
    assert brand.get(profile_url).status_code == 200

    privacy_erasure.erase(deal.creator_as(), deal.creator.name)

    assert Message.objects.get(pk=creator_says.pk).body == ""
    assert not Attachment.objects.filter(message=creator_says).exists()
    assert Message.objects.get(pk=brand_says.pk).body == "Hi, interested?"
    assert not TrackingLink.objects.get(pk=link.pk).active
    assert brand.get(profile_url).status_code == 404


def test_an_export_expires_and_its_file_goes() -> None:
    deal = make_deal(deposit=0)
    export, _ = privacy_export.request_export(deal.brand_as())
    assert export.path
    clock.set_now(clock.now() + timedelta(days=8))
    with pytest.raises(Conflict) as refused:
        privacy_export.content(deal.brand_as(), export.pk)
    assert refused.value.code == "export_expired"
    gone = DataExport.objects.get(pk=export.pk)
    assert gone.state == DataExport.State.EXPIRED and gone.path == ""


def test_an_erased_brands_campaigns_close() -> None:
    deal = make_deal(deposit=0)
    privacy_erasure.erase(deal.brand_as(), deal.brand.name)
    deal.campaign.refresh_from_db()
    assert deal.campaign.status == Campaign.Status.CANCELLED and not deal.campaign.open_for_applications


def test_an_erased_creator_gets_no_new_offers() -> None:
    from accord.contracts import services as contracts
    from accord.core.errors import NotFound
    from tests.contracts.helpers import terms

    deal = make_deal(deposit=0)
    privacy_erasure.erase(deal.creator_as(), deal.creator.name)
    with pytest.raises(NotFound):
        contracts.send_offer(
            deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms()
        )
