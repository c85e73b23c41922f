"""Search over the catalog: filters as vectorized masks, a sort key, an exact top-k and an opaque cursor.

Filters: platforms, follower and engagement ranges, the creator's country, content language and category, a price
range (minor units of the catalog currency), and audience constraints such as "at least 40 % in NL" or "at least
50 % aged 18-34" (``AudienceConstraint``). Sorting by match score needs a campaign ``Query``; other keys do not.
Pages continue from a cursor that names the last row's sort value and id, so pages never overlap or skip.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext

from accord.core.errors import ValidationFailed
from accord.creators import taxonomy
from accord.matching import scoring
from accord.matching.catalog import CATEGORY_INDEX, COUNTRY_INDEX, LANGUAGE_INDEX, Catalog, bitmask
from accord.matching.scoring import Query

F32 = npt.NDArray[np.float32]
SORTS: dict[str, bool] = {  # key -> descending
    "score": True,
    "followers": True,
    "engagement": True,
    "audience_fit": True,
    "price": False,
}
_CONSTRAINT = re.compile(r"^\s*(?P<dim>[a-z_]+)\s*:\s*(?P<keys>[^<>=]+?)\s*>=\s*(?P<share>[0-9.]+)\s*(?P<pct>%?)\s*$")


@dataclass(frozen=True)
class AudienceConstraint:
    """At least ``min_share`` (0..1) of the audience falls in ``keys`` of ``dimension``."""

    dimension: str
    keys: tuple[str, ...]
    min_share: float

    def __post_init__(self) -> None:
        known = taxonomy.DIMENSIONS.get(self.dimension)
        if known is None:
            raise ValidationFailed(
                gettext("unknown audience dimension %(dimension)r") % {"dimension": self.dimension},
                fields={"audience": "dimension"},
            )
        bad = [k for k in self.keys if k not in known]
        if bad or not self.keys:
            raise ValidationFailed(
                gettext("unknown %(dimension)s keys: %(bad)s") % {"dimension": self.dimension, "bad": bad},
                fields={"audience": "keys"},
            )
        if not 0.0 <= self.min_share <= 1.0:
            raise ValidationFailed(gettext("min_share must lie between 0 and 1"), fields={"audience": "min_share"})

    @classmethod
    def parse(cls, text: str) -> AudienceConstraint:
        """``countries:NL>=40%``, ``age_bands:18-24,25-34>=0.5``."""
        m = _CONSTRAINT.match(text)
        if m is None:
            raise ValidationFailed(
                gettext("cannot read audience constraint %(text)r; write e.g. countries:NL>=40%%") % {"text": text},
                fields={"audience": text},
            )
        share = float(m["share"]) / (100 if m["pct"] else 1)
        keys = tuple(k.strip().upper() if m["dim"] == "countries" else k.strip() for k in m["keys"].split(","))
        return cls(m["dim"], keys, share)


@dataclass(frozen=True)
class Filters:
    platforms: Sequence[str] = ()
    followers_min: int | None = None
    followers_max: int | None = None
    engagement_min_bp: int | None = None
    engagement_max_bp: int | None = None
    countries: Sequence[str] = ()
    languages: Sequence[str] = ()
    categories: Sequence[str] = ()
    price_min: int | None = None
    price_max: int | None = None
    audience: Sequence[AudienceConstraint] = ()
    available_only: bool = False
    creator_ids: Sequence[int] | None = None


@dataclass
class Page:
    rows: list[int]
    values: list[float]
    scores: list[float] | None
    next_cursor: str | None
    matched: int = 0  # rows that passed the filters
    extra: dict[str, object] = field(default_factory=dict)


def _platform_columns(catalog: Catalog, platforms: Sequence[str]) -> npt.NDArray[np.bool_]:
    bits = scoring.platform_mask_bits(platforms)
    p = catalog.followers.shape[1]
    return np.array([bool((bits >> j) & 1) if bits else True for j in range(p)], dtype=bool)


def followers_on(catalog: Catalog, platforms: Sequence[str]) -> npt.NDArray[np.int64]:
    cols = _platform_columns(catalog, platforms)
    if cols.all():
        return catalog.total_followers
    out: npt.NDArray[np.int64] = catalog.followers[:, cols].sum(axis=1)
    return out


def engagement_on(catalog: Catalog, platforms: Sequence[str]) -> F32:
    """Follower-weighted engagement rate (basis points) over the given platforms."""
    cols = _platform_columns(catalog, platforms)
    fol = catalog.followers[:, cols].astype(np.float32)
    total = fol.sum(axis=1)
    er = (fol * catalog.engagement_bp[:, cols]).sum(axis=1) / np.maximum(total, 1.0)
    return er.astype(np.float32)


def filter_mask(catalog: Catalog, filters: Filters, query: Query | None = None) -> npt.NDArray[np.bool_]:
    platforms = filters.platforms or (query.platforms if query else ())
    keep = np.ones(len(catalog), dtype=bool)
    if query is not None:
        keep &= scoring.hard_filter(catalog, query)
    bits = scoring.platform_mask_bits(filters.platforms)
    if bits:
        keep &= (catalog.platform_bits & np.uint8(bits)) != 0
    if filters.followers_min is not None or filters.followers_max is not None:
        fol = followers_on(catalog, platforms)
        if filters.followers_min is not None:
            keep &= fol >= filters.followers_min
        if filters.followers_max is not None:
            keep &= fol <= filters.followers_max
    if filters.engagement_min_bp is not None or filters.engagement_max_bp is not None:
        er = engagement_on(catalog, platforms)
        if filters.engagement_min_bp is not None:
            keep &= er >= filters.engagement_min_bp
        if filters.engagement_max_bp is not None:
            keep &= er <= filters.engagement_max_bp
    if filters.countries:
        wanted = [COUNTRY_INDEX[c] for c in filters.countries if c in COUNTRY_INDEX]
        keep &= np.isin(catalog.country, np.array(wanted, dtype=np.int16))
    if filters.languages:
        keep &= (catalog.languages & np.uint32(bitmask(filters.languages, LANGUAGE_INDEX))) != 0
    if filters.categories:
        keep &= (catalog.categories & np.uint32(bitmask(filters.categories, CATEGORY_INDEX))) != 0
    if filters.price_min is not None or filters.price_max is not None:
        probe = Query(platforms=platforms, currency=catalog.currency)
        price = scoring.creator_price(catalog, probe)
        keep &= price >= 0
        if filters.price_min is not None:
            keep &= price >= filters.price_min
        if filters.price_max is not None:
            keep &= price <= filters.price_max
    for c in filters.audience:
        share = scoring.key_mass(catalog, c.dimension, c.keys)
        keep &= share >= np.float32(c.min_share) - np.float32(1e-6)
    if filters.available_only:
        keep &= catalog.available
    if filters.creator_ids is not None:
        keep &= np.isin(catalog.ids, np.asarray(filters.creator_ids, dtype=np.int64))
    return keep


def encode_cursor(sort: str, value: float, creator_id: int) -> str:
    raw = json.dumps({"s": sort, "v": value, "i": creator_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[float, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if data["s"] != sort:
            raise ValueError("cursor of another sort")
        return float(data["v"]), int(data["i"])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(gettext("invalid cursor"), code="invalid_cursor", fields={"cursor": "invalid"}) from None


def search(
    catalog: Catalog,
    filters: Filters | None = None,
    *,
    query: Query | None = None,
    sort: str = "score",
    limit: int = 50,
    cursor: str | None = None,
    brief_vector: F32 | None = None,
) -> Page:
    """One page of rows in sort order (ties by creator id). Exact: every row is considered."""
    filters = filters or Filters()
    if sort not in SORTS:
        raise ValidationFailed(gettext("unknown sort %(sort)r") % {"sort": sort}, fields={"sort": "invalid"})
    if sort in ("score", "audience_fit") and query is None:
        raise ValidationFailed(gettext("sorting by match needs a campaign"), fields={"sort": "needs_campaign"})
    mask = filter_mask(catalog, filters, query)
    matched = int(np.count_nonzero(mask))
    if sort == "score":
        assert query is not None
        after = decode_cursor(cursor, sort) if cursor else None
        rows, totals = scoring.best(catalog, query, limit + 1, mask, brief_vector, after=after)
        more = rows.shape[0] > limit
        rows, totals = rows[:limit], totals[:limit]
        values = [float(v) for v in totals]
        next_cursor = encode_cursor(sort, values[-1], int(catalog.ids[rows[-1]])) if more and values else None
        return Page(rows=rows.tolist(), values=values, scores=values, next_cursor=next_cursor, matched=matched)
    platforms = filters.platforms or (query.platforms if query else ())
    value: npt.NDArray[np.floating[Any]]
    if sort == "audience_fit":
        assert query is not None
        value = scoring.score(catalog, query).parts["audience_fit"]
    elif sort == "followers":
        value = followers_on(catalog, platforms).astype(np.float64)
    elif sort == "engagement":
        value = engagement_on(catalog, platforms)
    else:
        price = scoring.creator_price(catalog, Query(platforms=platforms)).astype(np.float64)
        value = np.where(price >= 0, price, np.inf)
    descending = SORTS[sort]
    key: npt.NDArray[np.float64] = np.asarray(value, dtype=np.float64) * (1.0 if descending else -1.0)
    alive = mask & np.isfinite(key)
    if cursor:
        last_value, last_id = decode_cursor(cursor, sort)
        last_key = last_value if descending else -last_value
        alive &= (key < last_key) | ((key == last_key) & (catalog.ids > last_id))
    key = np.where(alive, key, -np.inf)
    picked = scoring.top_k(key, limit + 1)
    picked = picked[alive[picked]]
    more = picked.shape[0] > limit
    picked = picked[:limit]
    values = [float(v) for v in value[picked]]
    next_cursor = encode_cursor(sort, values[-1], int(catalog.ids[picked[-1]])) if more and values else None
    scores = None
    if query is not None and picked.shape[0]:
        scores = [float(x) for x in scoring.score(catalog, query, picked, brief_vector).total]
    return Page(rows=picked.tolist(), values=values, scores=scores, next_cursor=next_cursor, matched=matched)


def match(catalog: Catalog, query: Query, k: int = 50, brief_vector: F32 | None = None) -> Page:
    """The top ``k`` creators for a campaign by match score (hard filters applied)."""
    return search(catalog, None, query=query, sort="score", limit=k, brief_vector=brief_vector)
