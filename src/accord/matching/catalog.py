"""The in-memory matrix catalog that scoring and search run over: one row per creator, no Django.

Everything a query needs is a precomputed, contiguous numpy array: follower/view/engagement/price matrices per
platform, one float32 matrix per audience dimension (rows are the follower-weighted blend of the creator's channels),
a unit-length topic vector per creator, bitmasks for categories, content languages and refused brand categories,
and the campaign-independent scores (engagement quality, authenticity with its risk signals).

Prices are integer minor units of ``Catalog.currency`` (int64); -1 means "no price in this currency" (no FX
conversion happens here: money is never converted with floats).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from accord.creators import taxonomy
from accord.matching.text import TextEmbedder

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

PLATFORM_INDEX = {p: i for i, p in enumerate(taxonomy.PLATFORMS)}
CATEGORY_INDEX = {c: i for i, c in enumerate(taxonomy.CATEGORIES)}
LANGUAGE_INDEX = {lang: i for i, lang in enumerate(taxonomy.LANGUAGES)}
COUNTRY_INDEX = {c: i for i, c in enumerate(taxonomy.COUNTRIES)}
# Brand categories as bits (the values of accord.campaigns.models.BrandCategory, listed here to stay Django-free).
BRAND_CATEGORIES: tuple[str, ...] = (
    "alcohol",
    "gambling",
    "tobacco",
    "fast_fashion",
    "crypto",
    "fossil_fuels",
    "weapons",
    "adult",
    "pharma",
    "fast_food",
    "politics",
    "animal_testing",
)
BRAND_CATEGORY_INDEX = {c: i for i, c in enumerate(BRAND_CATEGORIES)}

# Engagement rate (basis points) expected at 10,000 followers, and how it falls with size: expected =
# base * (followers / 10,000) ** -ENGAGEMENT_DECAY. Typical public benchmarks per platform.
ENGAGEMENT_BASE_BP = np.array([350.0, 600.0, 300.0, 400.0], dtype=np.float32)
ENGAGEMENT_DECAY = 0.2
# Average views per post as a share of followers, typical per platform.
VIEW_RATE = np.array([0.25, 0.6, 0.15, 0.04], dtype=np.float32)

TOPIC_HEAD = 16
SIGNALS: tuple[str, ...] = ("low_engagement", "low_views", "follower_spike", "unknown_locations", "language_mismatch")
# Noisy-or weights: how much a fully raised signal alone says "fake followers".
SIGNAL_WEIGHTS = np.array([0.6, 0.4, 0.5, 0.5, 0.35], dtype=np.float32)


def bitmask(values: Sequence[str], index: dict[str, int]) -> int:
    mask = 0
    for v in values:
        if v in index:
            mask |= 1 << index[v]
    return mask


def expected_engagement_bp(platform_idx: npt.NDArray[Any], followers: npt.NDArray[Any]) -> F32:
    f = np.maximum(np.asarray(followers, dtype=np.float32), 1.0)
    out: F32 = ENGAGEMENT_BASE_BP[platform_idx] * (f / 10_000.0) ** np.float32(-ENGAGEMENT_DECAY)
    return out


def quality_and_signals(
    followers: I64,
    avg_views: I64,
    engagement_bp: npt.NDArray[np.int32],
    growth_bp: npt.NDArray[np.int32],
    unknown_location_share: F32,
    language_mismatch: F32,
) -> tuple[F32, F32, F32]:
    """Engagement quality [N], authenticity [N] and the raised risk signals [N, len(SIGNALS)], all in 0..1.

    Inputs are per creator × platform (0 followers = no channel); ratios are follower-weighted over channels.
    Engagement quality compares the engagement rate with what is typical for the platform at that size
    (0.5 = typical, 1 = 2.7× typical or more). Authenticity is 1 minus a noisy-or of the fake-follower signals:
    engagement or views far below typical for the size, a follower spike in 30 days, much of the audience in
    unknown locations, an audience that does not speak the creator's languages.
    """
    n, p = followers.shape
    plat = np.broadcast_to(np.arange(p), (n, p))
    fol = followers.astype(np.float32)
    total = fol.sum(axis=1)
    safe_total = np.where(total > 0, total, 1.0).astype(np.float32)
    weight = fol / safe_total[:, None]
    er_ratio = engagement_bp.astype(np.float32) / expected_engagement_bp(plat, followers)
    log_er = (weight * np.log2(np.maximum(er_ratio, 1e-3))).sum(axis=1)
    quality = np.clip(0.5 + 0.35 * log_er, 0.0, 1.0).astype(np.float32)
    view_ratio = (avg_views.astype(np.float32) / np.maximum(fol, 1.0)) / VIEW_RATE[None, :]
    er_w = np.exp2(log_er)
    views_w = (weight * view_ratio).sum(axis=1)
    growth = (weight * growth_bp.astype(np.float32)).sum(axis=1) / 10_000.0
    signals = np.empty((n, len(SIGNALS)), dtype=np.float32)
    signals[:, 0] = np.clip((0.5 - er_w) / 0.4, 0.0, 1.0)
    signals[:, 1] = np.clip((0.5 - views_w) / 0.4, 0.0, 1.0)
    signals[:, 2] = np.clip((growth - 0.15) / 0.35, 0.0, 1.0)
    signals[:, 3] = np.clip((unknown_location_share - 0.1) / 0.3, 0.0, 1.0)
    signals[:, 4] = np.clip((language_mismatch - 0.4) / 0.4, 0.0, 1.0)
    none = total == 0
    signals[none] = 0.0
    quality[none] = 0.0
    authenticity = np.prod(1.0 - signals * SIGNAL_WEIGHTS[None, :], axis=1).astype(np.float32)
    return quality, authenticity, signals


@dataclass
class Catalog:
    ids: I64
    currency: str
    followers: I64  # [N, P]
    avg_views: I64  # [N, P]
    engagement_bp: npt.NDArray[np.int32]  # [N, P]
    price: I64  # [N, P] cheapest deliverable on the platform, minor units of ``currency``; -1 = none
    # dimension -> [len(taxonomy.DIMENSIONS[dimension]), N]: stored key-major, so the in-target share of a few keys
    # reads only those keys' contiguous rows
    audience: dict[str, F32]
    topic: F32  # [N, d], unit rows
    categories: npt.NDArray[np.uint32]  # bits of taxonomy.CATEGORIES
    languages: npt.NDArray[np.uint32]  # bits of taxonomy.LANGUAGES (what the creator publishes in)
    country: npt.NDArray[np.int16]  # index into taxonomy.COUNTRIES, -1 unknown
    no_go: npt.NDArray[np.uint32]  # bits of BRAND_CATEGORIES
    available: npt.NDArray[np.bool_]
    engagement_quality: F32
    authenticity: F32
    signals: F32  # [N, len(SIGNALS)]
    reliability: F32 | None = None  # NaN = unknown; None = no reputation data at all
    embedder: TextEmbedder | None = None
    platform_bits: npt.NDArray[np.uint8] = field(init=False)
    price_t: I64 = field(init=False)  # [P, N], "no price" as the int64 maximum
    # For a cheap upper bound on topic similarity: the first TOPIC_HEAD dimensions (contiguous) and the norm of the
    # rest, so q·x <= q_head·x_head + |q_rest|·|x_rest| (Cauchy-Schwarz).
    topic_head: F32 = field(init=False)
    topic_rest_norm: F32 = field(init=False)
    total_followers: I64 = field(init=False)
    _position: dict[int, int] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        has = self.followers > 0
        self.platform_bits = (has.astype(np.uint8) << np.arange(has.shape[1], dtype=np.uint8)).sum(
            axis=1, dtype=np.uint8
        )
        self.total_followers = self.followers.sum(axis=1)
        self.price_t = np.ascontiguousarray(np.where(self.price >= 0, self.price, np.iinfo(np.int64).max).T)
        head = min(TOPIC_HEAD, self.topic.shape[1])
        self.topic_head = np.ascontiguousarray(self.topic[:, :head].T)  # [head, N]
        self.topic_rest_norm = np.linalg.norm(self.topic[:, head:], axis=1).astype(np.float32)
        for d, matrix in self.audience.items():
            if matrix.shape != (len(taxonomy.DIMENSIONS[d]), len(self.ids)):
                raise ValueError(f"audience {d} must be [keys, creators]")
        self._position = None

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def row_of(self, creator_id: int) -> int | None:
        if self._position is None:
            self._position = {int(i): r for r, i in enumerate(self.ids.tolist())}
        return self._position.get(creator_id)

    def rows_of(self, creator_ids: Sequence[int]) -> list[int]:
        return [r for r in (self.row_of(i) for i in creator_ids) if r is not None]


@dataclass
class ChannelRecord:
    platform: str
    followers: int
    avg_views: int = 0
    engagement_rate_bp: int = 0
    follower_growth_30d_bp: int = 0
    audience: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class CreatorRecord:
    """One creator as plain data, the bridge from the database (or any other source) to the matrices."""

    id: int
    bio: str = ""
    categories: Sequence[str] = ()
    languages: Sequence[str] = ()
    country: str = ""
    no_go: Sequence[str] = ()
    available: bool = True
    channels: Sequence[ChannelRecord] = ()
    # platform -> cheapest price in minor units, only for rate card items in the catalog's currency
    prices: dict[str, int] = field(default_factory=dict)
    reliability: float | None = None


def _audience_row(channels: Sequence[ChannelRecord], dimension: str) -> npt.NDArray[np.float32]:
    keys = taxonomy.index(dimension)
    row = np.zeros(len(keys), dtype=np.float64)
    weight = 0.0
    for ch in channels:
        dist = ch.audience.get(dimension) or {}
        if not dist:
            continue
        w = float(max(ch.followers, 1))
        weight += w
        for key, share in dist.items():
            j = keys.get(key)
            if j is not None:
                row[j] += w * float(share)
    if weight > 0:
        row /= weight
    return row.astype(np.float32)


def language_mismatch(languages: F32, creator_language_bits: npt.NDArray[np.uint32]) -> F32:
    """Share of the audience speaking none of the creator's languages (English counts as understood)."""
    bits = np.arange(len(taxonomy.LANGUAGES), dtype=np.uint32)
    spoken = ((creator_language_bits[:, None] >> bits[None, :]) & 1).astype(bool)
    spoken[:, LANGUAGE_INDEX["en"]] = True
    has_any = languages.sum(axis=1) > 0
    out = 1.0 - (languages * spoken).sum(axis=1)
    return np.where(has_any, out, 0.0).astype(np.float32)


def build(
    records: Sequence[CreatorRecord], *, currency: str, embedder: TextEmbedder | None = None, fit: bool = True
) -> Catalog:
    """Matrices from plain records (the database path; the generator has a direct array path)."""
    n, p = len(records), len(taxonomy.PLATFORMS)
    followers = np.zeros((n, p), dtype=np.int64)
    views = np.zeros((n, p), dtype=np.int64)
    er = np.zeros((n, p), dtype=np.int32)
    growth = np.zeros((n, p), dtype=np.int32)
    price = np.full((n, p), -1, dtype=np.int64)
    audience = {d: np.zeros((n, len(keys)), dtype=np.float32) for d, keys in taxonomy.DIMENSIONS.items()}
    for r, rec in enumerate(records):
        for ch in rec.channels:
            j = PLATFORM_INDEX.get(ch.platform)
            if j is None:
                continue
            followers[r, j] += ch.followers
            views[r, j] = max(views[r, j], ch.avg_views)
            er[r, j] = max(er[r, j], ch.engagement_rate_bp)
            growth[r, j] = max(growth[r, j], ch.follower_growth_30d_bp)
        for dimension in audience:
            audience[dimension][r] = _audience_row(rec.channels, dimension)
        for platform, amount in rec.prices.items():
            j = PLATFORM_INDEX.get(platform)
            if j is not None and followers[r, j] > 0:
                price[r, j] = amount
    lang_bits = np.array([bitmask(rec.languages, LANGUAGE_INDEX) for rec in records], dtype=np.uint32)
    quality, authenticity, signals = quality_and_signals(
        followers,
        views,
        er,
        growth,
        audience["countries"][:, COUNTRY_INDEX["ZZ"]].copy(),
        language_mismatch(audience["languages"], lang_bits),
    )
    texts = [rec.bio or " ".join(rec.categories) for rec in records]
    if embedder is not None and n:
        if fit:
            embedder.fit(texts)
        topic = embedder.embed(texts)
    else:
        topic = np.zeros((n, 1), dtype=np.float32)
    reliability = None
    if any(rec.reliability is not None for rec in records):
        reliability = np.array(
            [np.nan if rec.reliability is None else rec.reliability for rec in records], dtype=np.float32
        )
    return Catalog(
        ids=np.array([rec.id for rec in records], dtype=np.int64),
        currency=currency,
        followers=followers,
        avg_views=views,
        engagement_bp=er,
        price=price,
        audience={d: np.ascontiguousarray(m.T) for d, m in audience.items()},
        topic=topic,
        categories=np.array([bitmask(rec.categories, CATEGORY_INDEX) for rec in records], dtype=np.uint32),
        languages=lang_bits,
        country=np.array([COUNTRY_INDEX.get(rec.country, -1) for rec in records], dtype=np.int16),
        no_go=np.array([bitmask(rec.no_go, BRAND_CATEGORY_INDEX) for rec in records], dtype=np.uint32),
        available=np.array([rec.available for rec in records], dtype=bool),
        engagement_quality=quality,
        authenticity=authenticity,
        signals=signals,
        reliability=reliability,
        embedder=embedder,
    )
