"""A creator maintains their profile, channels, audience and rate card; brands read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.accounts.models import Organization
from accord.core import clock
from accord.creators.models import Channel
from tests.conftest import client_for, make_team

pytestmark = pytest.mark.django_db
API = "/api/v1/creators"


def test_creator_profile_channels_audience_and_rates() -> None:
    creator = make_team(Organization.Kind.CREATOR)
    client = client_for(creator.users["member"], creator.org)
    assert client.get(f"{API}/me").status_code == 404
    profile = client.put(
        f"{API}/me",
        {"display_name": "Lotte Trails", "categories": ["outdoor", "travel"], "no_go_categories": ["gambling"]},
        "application/json",
    )
    assert profile.status_code == 200, profile.content
    assert client.put(f"{API}/me", {"categories": ["knitting"]}, "application/json").status_code == 422
    ch = client.post(
        f"{API}/me/channels", {"platform": "instagram", "handle": "@lotte", "followers": 42_000}, "application/json"
    )
    assert ch.status_code == 201 and ch.json()["handle"] == "lotte"
    channel_id = ch.json()["id"]
    again = client.post(f"{API}/me/channels", {"platform": "instagram", "handle": "lotte"}, "application/json")
    assert again.status_code == 409
    clock.set_now(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    csv = "dimension,key,share\ncountries,NL,60%\ncountries,BE,40%\nage_bands,18-24,1\n"
    imported = client.post(f"{API}/me/channels/{channel_id}/audience/csv", {"csv": csv}, "application/json")
    assert imported.status_code == 200, imported.content
    assert imported.json()["audience"]["countries"] == {"NL": 0.6, "BE": 0.4}
    assert Channel.objects.get(pk=channel_id).audience_refreshed_at == clock.now()
    bad = client.post(
        f"{API}/me/channels/{channel_id}/audience/csv",
        {"csv": "dimension,key,share\ncountries,NL,0.2\n"},
        "application/json",
    )
    assert bad.status_code == 422 and "countries" in bad.json()["error"]["fields"]
    rates = [{"platform": "instagram", "deliverable": "reel", "price": 45_000, "currency": "EUR"}]
    assert client.put(f"{API}/me/rates", rates, "application/json").status_code == 200
    wrong = [{"platform": "tiktok", "deliverable": "stream", "price": 1, "currency": "EUR"}]
    assert client.put(f"{API}/me/rates", wrong, "application/json").status_code == 422
    brand = make_team()
    public = client_for(brand.users["viewer"], brand.org).get(f"{API}/{profile.json()['id']}").json()
    assert public["channels"][0]["followers"] == 42_000
    assert public["rates"] == [{"id": public["rates"][0]["id"], **rates[0]}]
    assert public["no_go_categories"] == ["gambling"]
