"""GET /t/<code>: 302 with UTM parameters and a click id; durable, privacy-preserving click records; rollups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from accord.core import clock
from accord.tracking.models import Click, FraudFlag
from tests.tracking.helpers import Setup, click, make_setup, rollup

T0 = datetime(2026, 5, 4, 10, 15, tzinfo=UTC)


@pytest.fixture
def s(db: None) -> Setup:
    clock.set_now(T0)
    return make_setup()


def test_redirect_appends_utm_and_click_id_and_records_the_click(s: Setup) -> None:
    response = click(Client(), s.link.code, HTTP_REFERER="https://instagram.com/", HTTP_CF_IPCOUNTRY="NL")
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "shop.example.com", "/spring")
    query = parse_qs(target.query)
    assert query["ref"] == ["x"]
    assert query["utm_source"] == ["accord"]
    assert query["utm_medium"] == ["influencer"]
    assert query["utm_campaign"] == [f"campaign-{s.campaign.pk}"]
    assert query["utm_content"] == [s.link.code]
    stored = Click.objects.get()
    assert query["accord_cid"] == [stored.click_id]
    assert stored.counted
    assert not stored.is_bot
    assert stored.country == "NL"
    assert stored.referrer == "https://instagram.com/"
    assert stored.at == T0
    # The raw IP is never stored: only salted hashes, which differ from a plain SHA-256 of the address.
    import hashlib

    row = Click.objects.filter(pk=stored.pk).values().get()
    assert "203.0.113.7" not in str(row)
    assert stored.ip_hash != hashlib.sha256(b"203.0.113.7").hexdigest()
    assert len(stored.ip_hash) == 64
    assert rollup("campaign", s.campaign.pk) | {} == rollup("collaboration", "collab-1")
    assert rollup("campaign", s.campaign.pk)["clicks"] == 1
    assert rollup("campaign", s.campaign.pk, "hour")["unique_clicks"] == 1
    assert rollup("creator", s.creator.org.pk)["unique_clicks"] == 1


def test_existing_utm_parameters_are_kept(s: Setup) -> None:
    s.link.destination = "https://shop.example.com/?utm_source=newsletter&accord_cid=forged"
    s.link.save()
    query = parse_qs(urlsplit(click(Client(), s.link.code)["Location"]).query)
    assert query["utm_source"] == ["newsletter"]
    assert query["accord_cid"] == [Click.objects.get().click_id]


def test_unknown_or_inactive_code_is_404(s: Setup) -> None:
    assert click(Client(), "nope-nope").status_code == 404
    s.link.active = False
    s.link.save()
    assert click(Client(), s.link.code).status_code == 404
    assert not Click.objects.exists()


def test_one_counted_click_per_visitor_per_hour(s: Setup) -> None:
    c = Client()
    for _ in range(3):
        assert click(c, s.link.code).status_code == 302
    click(c, s.link.code, ua="Mozilla/5.0 (Android)")  # another visitor on the same IP
    click(c, s.link.code, ip="198.51.100.2")
    clock.advance(timedelta(hours=1))
    click(c, s.link.code)  # the next hour counts again
    counted = list(Click.objects.order_by("id").values_list("counted", flat=True))
    assert counted == [True, False, False, True, True, True]
    day = rollup("campaign", s.campaign.pk)
    assert (day["clicks"], day["unique_clicks"], day["bot_clicks"]) == (6, 4, 0)


def test_bots_are_recorded_but_not_counted(s: Setup) -> None:
    c = Client()
    for ua in ("Googlebot/2.1 (+http://www.google.com/bot.html)", "facebookexternalhit/1.1", "curl/8.5.0", ""):
        assert click(c, s.link.code, ua=ua).status_code == 302
    assert Click.objects.filter(is_bot=True, counted=False).count() == 4
    day = rollup("campaign", s.campaign.pk)
    assert (day["clicks"], day["unique_clicks"], day["bot_clicks"]) == (0, 0, 4)


def test_click_burst_is_flagged_and_excluded_not_deleted(s: Setup) -> None:
    c = Client()
    for i in range(25):
        click(c, s.link.code, ua=f"Mozilla/5.0 variant {i}")
    assert Click.objects.count() == 25
    excluded = Click.objects.filter(excluded=True)
    assert excluded.count() == 5
    flag = FraudFlag.objects.filter(rule=FraudFlag.Rule.CLICK_BURST).first()
    assert flag is not None
    assert "clicks from one visitor" in flag.reason
    assert rollup("campaign", s.campaign.pk)["clicks"] == 20


def test_burst_rule_negative_case_spread_over_time(s: Setup) -> None:
    c = Client()
    for _ in range(25):
        click(c, s.link.code)
        clock.advance(timedelta(seconds=30))
    assert not Click.objects.filter(excluded=True).exists()
    assert not FraudFlag.objects.exists()
