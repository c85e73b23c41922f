"""Authorization matrix for the creators API: creators manage their own data; brands and operators read profiles."""

from __future__ import annotations

from typing import Any

from accord.creators.models import Channel, CreatorProfile
from tests.authz import Expect, World, by_role

CSV = "dimension,key,share\ncountries,NL,0.7\ncountries,BE,0.3\n"


def _own(**kw: Any) -> Expect:
    return by_role(side="creator", operator=403, **kw)


def _channel_body(world: World, principal: str) -> dict[str, Any]:
    return {"platform": "tiktok", "handle": f"new-{principal}", "followers": 1000}


MATRIX: dict[str, Expect] = {
    "GET /api/v1/creators/me": _own(minimum="viewer"),
    "PUT /api/v1/creators/me": _own(minimum="member", body={"display_name": "Renamed", "categories": ["food"]}),
    "GET /api/v1/creators/me/channels": _own(minimum="viewer"),
    "POST /api/v1/creators/me/channels": _own(minimum="member", ok=201, body=_channel_body),
    "PATCH /api/v1/creators/me/channels/{channel_id}": _own(
        minimum="member", scoped=True, body={"followers": 5000}
    ).with_ids(channel_id="creators_channel_id"),
    "DELETE /api/v1/creators/me/channels/{channel_id}": _own(minimum="member", ok=204, scoped=True).with_ids(
        channel_id="creators_channel_id"
    ),
    "PUT /api/v1/creators/me/channels/{channel_id}/audience": _own(
        minimum="member", scoped=True, body={"countries": {"NL": 0.6, "DE": 0.4}}
    ).with_ids(channel_id="creators_channel_id"),
    "POST /api/v1/creators/me/channels/{channel_id}/audience/csv": _own(
        minimum="member", scoped=True, body={"csv": CSV}
    ).with_ids(channel_id="creators_channel_id"),
    "GET /api/v1/creators/me/rates": _own(minimum="viewer"),
    "PUT /api/v1/creators/me/rates": _own(
        minimum="member", body=[{"platform": "instagram", "deliverable": "post", "price": 25_000, "currency": "EUR"}]
    ),
    # Brands browse the marketplace; a creator organization may not (it has no use for other creators' rate cards).
    "GET /api/v1/creators/{creator_id}": by_role("viewer").with_ids(creator_id="creators_profile_id"),
}


def build(world: World) -> None:
    profile = CreatorProfile.objects.create(organization=world.creator, display_name="Home Creator", country="NL")
    CreatorProfile.objects.create(organization=world.rival_creator, display_name="Rival Creator", country="BE")
    channel = Channel.objects.create(
        profile=profile, organization=world.creator, platform="instagram", handle="home.creator", followers=20_000
    )
    world.ids["creators_profile_id"] = profile.pk
    world.ids["creators_channel_id"] = channel.pk
