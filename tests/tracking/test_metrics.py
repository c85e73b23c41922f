"""Post metrics: snapshots via API and CSV, increments into rollups, implausible jumps flagged; platform adapters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from accord.core import clock
from accord.tracking.models import FraudFlag, PostMetricSnapshot
from accord.tracking.sources import InstagramGraph, SourceError, TikTok, YouTubeData, source_for
from tests.conftest import client_for
from tests.tracking.helpers import Setup, make_setup, rollup

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
RECORDED = Path(__file__).parent / "recorded"


@pytest.fixture
def s(db: None) -> Setup:
    clock.set_now(T0)
    return make_setup()


def snap(s: Setup, at: datetime, views: int, likes: int = 0, who: str = "creator", **extra: Any) -> Any:
    c = client_for(s.creator.users["owner"], s.creator.org) if who == "creator" else s.brand_client()
    body = {"campaign_id": s.campaign.pk, "platform": "instagram", "post_id": "1791", "captured_at": at.isoformat()}
    body |= {"views": views, "likes": likes, **extra}
    if who == "brand":
        body["creator_id"] = s.creator.org.pk
    return c.post("/api/v1/tracking/metrics/snapshots", data=json.dumps(body), content_type="application/json")


def test_snapshots_add_increments_to_rollups(s: Setup) -> None:
    assert snap(s, T0, 1000, likes=50, comments=5).status_code == 201
    assert snap(s, T0 + timedelta(hours=6), 4000, likes=120, comments=9, who="brand").status_code == 201
    assert snap(s, T0 + timedelta(hours=6), 4000, likes=120, comments=9).status_code == 200  # replay: unchanged
    assert snap(s, T0 + timedelta(hours=6), 4100, likes=120, comments=9).status_code == 409
    assert snap(s, T0 + timedelta(hours=1), 2000).status_code == 409  # out of order
    day = rollup("collaboration", "collab-1")
    assert (day["views"], day["engagements"]) == (4000, 129)
    hours = rollup("campaign", s.campaign.pk, "hour")
    assert hours["views"] == 4000


def test_metric_jump_is_flagged_and_excluded(s: Setup) -> None:
    snap(s, T0, 1000)
    assert snap(s, T0 + timedelta(hours=1), 900_000).status_code == 201
    jumped = PostMetricSnapshot.objects.get(views=900_000)
    assert jumped.excluded
    flag = FraudFlag.objects.get(target_type="snapshot", target_id=jumped.pk)
    assert flag.rule == "metric_jump"
    assert "grew" in flag.reason
    assert rollup("campaign", s.campaign.pk)["views"] == 1000
    # A decrease of a cumulative counter is flagged too.
    snap(s, T0 + timedelta(hours=2), 500)
    assert FraudFlag.objects.filter(rule="metric_jump").count() == 2


def test_steady_growth_is_not_flagged(s: Setup) -> None:
    for i, views in enumerate((1000, 20_000, 60_000, 150_000)):
        snap(s, T0 + timedelta(days=i), views)
    assert not FraudFlag.objects.exists()
    assert rollup("campaign", s.campaign.pk)["views"] == 150_000


def test_csv_import_reports_bad_lines(s: Setup) -> None:
    csv_text = (
        "campaign_id,creator_id,platform,post_id,captured_at,views,impressions,reach,likes,comments,shares,saves\n"
        f"{s.campaign.pk},{s.creator.org.pk},youtube,vid1,2026-05-05T10:00:00+00:00,5000,0,0,100,10,1,0\n"
        f"{s.campaign.pk},{s.creator.org.pk},youtube,vid1,2026-05-04T10:00:00+00:00,1000,0,0,20,2,0,0\n"
        f"{s.campaign.pk},{s.creator.org.pk},youtube,vid1,not-a-date,1,0,0,0,0,0,0\n"
        f"999999,{s.creator.org.pk},youtube,vid2,2026-05-04T10:00:00+00:00,1,0,0,0,0,0,0\n"
    )
    response = s.brand_client().post("/api/v1/tracking/metrics/snapshots/csv", data=csv_text, content_type="text/csv")
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["imported"], out["unchanged"]) == (2, 0)
    assert sorted((e["index"], e["code"]) for e in out["errors"]) == [(4, "invalid_row"), (5, "not_found")]
    assert rollup("campaign", s.campaign.pk)["views"] == 5000
    assert PostMetricSnapshot.objects.filter(source="csv").count() == 2


def test_unreadable_csv_is_a_422(s: Setup) -> None:
    c = s.brand_client()
    for body in ('a\rb\x00,"x', "views,likes\n1,2\n"):
        response = c.post("/api/v1/tracking/metrics/snapshots/csv", data=body, content_type="text/csv")
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_csv"


def test_snapshots_of_a_post_without_collaboration_are_refused(s: Setup) -> None:
    from accord.accounts.models import Organization
    from tests.conftest import make_team

    stranger = make_team(Organization.Kind.CREATOR)
    c = client_for(stranger.users["owner"], stranger.org)
    body = {"campaign_id": s.campaign.pk, "platform": "tiktok", "post_id": "1", "views": 1}
    response = c.post("/api/v1/tracking/metrics/snapshots", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 404


# --- platform adapters on recorded responses (no network) -----------------------------------------------------------


class Replay:
    def __init__(self, name: str) -> None:
        self.body = json.loads((RECORDED / name).read_text())
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((url, params))
        return self.body


def test_instagram_graph_insights() -> None:
    fetch = Replay("instagram_insights.json")
    reading = InstagramGraph(fetch, "token").fetch("17918195224117851")
    assert (reading.views, reading.reach, reading.likes, reading.comments, reading.shares, reading.saves) == (
        48210,
        30102,
        2210,
        87,
        140,
        301,
    )
    url, params = fetch.calls[0]
    assert url.endswith("/17918195224117851/insights")
    assert "saved" in params["metric"]
    with pytest.raises(SourceError, match="OAuth"):
        InstagramGraph(Replay("instagram_error.json"), "bad").fetch("1")


def test_youtube_data_statistics() -> None:
    fetch = Replay("youtube_videos.json")
    reading = source_for("youtube", fetch, "key").fetch("dQw4w9WgXcQ")
    assert (reading.views, reading.likes, reading.comments) == (1544209, 18022, 1204)
    assert fetch.calls[0][1]["part"] == "statistics"
    with pytest.raises(SourceError):
        YouTubeData(Replay("youtube_empty.json"), "key").fetch("gone")


def test_pull_snapshot_records_a_platform_reading(s: Setup) -> None:
    from accord.tracking import services

    source = YouTubeData(Replay("youtube_videos.json"), "key")
    snap, created = services.pull_snapshot(
        s.creator_principal(), source, campaign_id=s.campaign.pk, post_id="dQw4w9WgXcQ"
    )
    assert created
    assert (snap.platform, snap.source, snap.views, snap.likes, snap.comments) == (
        "youtube",
        "youtube",
        1544209,
        18022,
        1204,
    )
    assert rollup("collaboration", "collab-1")["views"] == 1544209


def test_tiktok_video_query() -> None:
    reading = TikTok(Replay("tiktok_video_query.json"), "token").fetch("7080217258529818920")
    assert (reading.views, reading.likes, reading.comments, reading.shares) == (903112, 120331, 2211, 9120)
    with pytest.raises(SourceError, match="access token"):
        TikTok(Replay("tiktok_error.json"), "token").fetch("7080217258529818920")
    with pytest.raises(SourceError):
        source_for("myspace", Replay("tiktok_error.json"), "x")
