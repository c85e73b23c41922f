"""Post metrics from the platforms: a ``MetricsSource`` interface and adapters (pure parsing, injectable HTTP).

Each adapter builds the documented request and parses the documented response into a ``Reading``. The HTTP call is
a function given to the adapter (``fetch(url, params) -> dict``), so tests replay recorded responses without network
and production passes a real client.

- Instagram Graph API: ``GET /{ig-media-id}/insights?metric=…`` → ``{"data": [{"name", "period", "values":
  [{"value"}]} …]}`` (lifetime metrics of a media object; ``views`` replaced ``impressions`` for newer media).
- YouTube Data API v3: ``GET /youtube/v3/videos?part=statistics&id=…`` → ``{"items": [{"id", "statistics":
  {"viewCount", "likeCount", "commentCount", "favoriteCount"}}]}`` (counts are strings).
- TikTok Display API v2: ``POST /v2/video/query/?fields=…`` with ``{"filters": {"video_ids": [...]}}`` →
  ``{"data": {"videos": [{"id", "view_count", "like_count", "comment_count", "share_count"}]}, "error": {"code":
  "ok"}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Fetch = Callable[[str, dict[str, Any]], Mapping[str, Any]]


class SourceError(RuntimeError):
    """The platform answered with an error or a shape we cannot read."""


@dataclass(frozen=True)
class Reading:
    platform: str
    post_id: str
    views: int = 0
    impressions: int = 0
    reach: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    saves: int = 0


class MetricsSource(Protocol):
    platform: str

    def fetch(self, post_id: str) -> Reading: ...


def _int(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


class InstagramGraph:
    platform = "instagram"
    METRICS = "views,impressions,reach,likes,comments,shares,saved"

    def __init__(self, fetch: Fetch, access_token: str, version: str = "v21.0") -> None:
        self._fetch, self._token, self._version = fetch, access_token, version

    def fetch(self, post_id: str) -> Reading:
        url = f"https://graph.facebook.com/{self._version}/{post_id}/insights"
        body = self._fetch(url, {"metric": self.METRICS, "access_token": self._token})
        if "error" in body:
            raise SourceError(str(body["error"].get("message", "instagram error")))
        values: dict[str, int] = {}
        for item in body.get("data") or []:
            entries = item.get("values") or []
            if "total_value" in item:
                values[item["name"]] = _int((item["total_value"] or {}).get("value"))
            elif entries:
                values[item["name"]] = _int(entries[-1].get("value"))
        if not values:
            raise SourceError("instagram returned no metrics")
        return Reading(
            platform=self.platform,
            post_id=post_id,
            views=values.get("views", values.get("plays", 0)),
            impressions=values.get("impressions", 0),
            reach=values.get("reach", 0),
            likes=values.get("likes", 0),
            comments=values.get("comments", 0),
            shares=values.get("shares", 0),
            saves=values.get("saved", 0),
        )


class YouTubeData:
    platform = "youtube"

    def __init__(self, fetch: Fetch, api_key: str) -> None:
        self._fetch, self._key = fetch, api_key

    def fetch(self, post_id: str) -> Reading:
        body = self._fetch(
            "https://www.googleapis.com/youtube/v3/videos", {"part": "statistics", "id": post_id, "key": self._key}
        )
        if "error" in body:
            raise SourceError(str(body["error"].get("message", "youtube error")))
        items = [i for i in body.get("items") or [] if i.get("id") == post_id]
        if not items:
            raise SourceError(f"youtube has no video {post_id}")
        stats = items[0].get("statistics") or {}
        return Reading(
            platform=self.platform,
            post_id=post_id,
            views=_int(stats.get("viewCount")),
            likes=_int(stats.get("likeCount")),
            comments=_int(stats.get("commentCount")),
        )


class TikTok:
    platform = "tiktok"
    FIELDS = "id,view_count,like_count,comment_count,share_count"

    def __init__(self, fetch: Fetch, access_token: str) -> None:
        self._fetch, self._token = fetch, access_token

    def fetch(self, post_id: str) -> Reading:
        body = self._fetch(
            f"https://open.tiktokapis.com/v2/video/query/?fields={self.FIELDS}",
            {"filters": {"video_ids": [post_id]}, "access_token": self._token},
        )
        error = body.get("error") or {}
        if error.get("code") not in (None, "ok"):
            raise SourceError(str(error.get("message") or error.get("code")))
        videos = [v for v in (body.get("data") or {}).get("videos") or [] if str(v.get("id")) == post_id]
        if not videos:
            raise SourceError(f"tiktok has no video {post_id}")
        v = videos[0]
        return Reading(
            platform=self.platform,
            post_id=post_id,
            views=_int(v.get("view_count")),
            likes=_int(v.get("like_count")),
            comments=_int(v.get("comment_count")),
            shares=_int(v.get("share_count")),
        )


def source_for(platform: str, fetch: Fetch, credential: str) -> MetricsSource:
    adapters: dict[str, Callable[[Fetch, str], MetricsSource]] = {
        "instagram": InstagramGraph,
        "youtube": YouTubeData,
        "tiktok": TikTok,
    }
    if platform not in adapters:
        raise SourceError(f"no metrics source for {platform}")
    return adapters[platform](fetch, credential)
