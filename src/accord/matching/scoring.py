"""The match score of every creator for one campaign: vectorized over the catalog, each part explained.

Parts (each 0..1):
- ``audience_fit``: the share of the creator's audience inside the campaign's target. Per dimension the in-target
  mass is the sum of the distribution over the targeted keys (one matrix-vector product); dimensions are taken as
  independent, so the share inside the whole target is their product. An empty target dimension means "any".
- ``topical_fit``: cosine similarity between the brief and the creator's content description (``TextEmbedder``),
  negative similarities count as 0.
- ``engagement_quality`` and ``authenticity``: campaign-independent, precomputed in the catalog (see catalog.py).
- ``price_fit``: 1 when the creator's cheapest deliverable on the campaign's platforms costs at most
  ``price_share`` of the budget, falling linearly to 0 at the whole budget; 0.5 when the price is unknown.
- ``reliability``: from reputation when the catalog has it; absent otherwise (its weight is then not counted).
The total is the weighted mean of the parts that are present. Values conflicts are not a score: a creator who refuses
one of the campaign's brand categories is filtered out before scoring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext

from accord.creators import taxonomy
from accord.matching.catalog import (
    BRAND_CATEGORY_INDEX,
    LANGUAGE_INDEX,
    PLATFORM_INDEX,
    SIGNALS,
    Catalog,
    bitmask,
    expected_engagement_bp,
)

F32 = npt.NDArray[np.float32]
Rows = npt.NDArray[np.int64] | None

STATS: dict[str, int] = {}  # the last query's pruning, for the benchmark
COMPONENTS: tuple[str, ...] = (
    "audience_fit",
    "topical_fit",
    "engagement_quality",
    "authenticity",
    "price_fit",
    "reliability",
)


@dataclass(frozen=True)
class Weights:
    audience_fit: float = 0.35
    topical_fit: float = 0.25
    engagement_quality: float = 0.15
    authenticity: float = 0.15
    price_fit: float = 0.10
    reliability: float = 0.10

    def of(self, name: str) -> float:
        return float(getattr(self, name))


@dataclass(frozen=True)
class Query:
    """A campaign as matching sees it. Money (``budget``) is integer minor units of ``currency``."""

    target: Mapping[str, Sequence[str]] = field(default_factory=dict)
    platforms: Sequence[str] = ()
    brief: str = ""
    budget: int | None = None
    currency: str = "EUR"
    price_share: float = 0.2
    brand_categories: Sequence[str] = ()
    available_only: bool = True
    weights: Weights = field(default_factory=Weights)

    def target_keys(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for dimension, keys in taxonomy.DIMENSIONS.items():
            wanted = [k for k in dict.fromkeys(self.target.get(dimension) or []) if k in keys]
            if wanted:
                out[dimension] = wanted
        return out


@dataclass
class Scored:
    """Scores for the rows scored (``rows`` is None when that is every row of the catalog)."""

    rows: Rows
    total: F32
    parts: dict[str, F32]
    dimension_mass: dict[str, F32]


def platform_mask_bits(platforms: Sequence[str]) -> int:
    return bitmask(platforms, PLATFORM_INDEX)


def hard_filter(catalog: Catalog, query: Query) -> npt.NDArray[np.bool_]:
    """Rows that may be matched at all: on a wanted platform, no values conflict, available when asked."""
    keep = np.ones(len(catalog), dtype=bool)
    bits = platform_mask_bits(query.platforms)
    if bits:
        keep &= (catalog.platform_bits & np.uint8(bits)) != 0
    else:
        keep &= catalog.platform_bits != 0
    brand_bits = bitmask(query.brand_categories, BRAND_CATEGORY_INDEX)
    if brand_bits:
        keep &= (catalog.no_go & np.uint32(brand_bits)) == 0
    if query.available_only:
        keep &= catalog.available
    return keep


def values_conflicts(no_go: Sequence[str], brand_categories: Sequence[str]) -> list[str]:
    """The brand categories a creator refuses (non-empty = may not be matched or invited)."""
    refused = set(no_go)
    return [c for c in brand_categories if c in refused]


def _take(matrix: npt.NDArray[Any], rows: Rows) -> npt.NDArray[Any]:
    return matrix if rows is None else matrix[rows]


def target_vector(dimension: str, keys: Sequence[str]) -> F32:
    index = taxonomy.index(dimension)
    vec = np.zeros(len(index), dtype=np.float32)
    for k in keys:
        vec[index[k]] = 1.0
    return vec


def key_mass(catalog: Catalog, dimension: str, keys: Sequence[str], rows: Rows = None) -> F32:
    """Share of each creator's audience on ``keys`` of ``dimension``: a sum of a few contiguous key rows."""
    index = taxonomy.index(dimension)
    matrix = catalog.audience[dimension]
    picked = sorted({index[k] for k in keys})
    n = matrix.shape[1] if rows is None else rows.shape[0]
    out = np.zeros(n, dtype=np.float32)
    for j in picked:
        out += matrix[j] if rows is None else matrix[j, rows]
    return out


def audience_mass(catalog: Catalog, query: Query, rows: Rows = None) -> dict[str, F32]:
    return {d: key_mass(catalog, d, keys, rows) for d, keys in query.target_keys().items()}


def creator_price(catalog: Catalog, query: Query, rows: Rows = None) -> npt.NDArray[np.int64]:
    """Cheapest deliverable price on the campaign's platforms (minor units), -1 when none is known."""
    bits = platform_mask_bits(query.platforms)
    cols = [j for j in range(catalog.price_t.shape[0]) if not bits or (bits >> j) & 1]
    big = np.iinfo(np.int64).max
    if not cols:
        n = len(catalog) if rows is None else rows.shape[0]
        return np.full(n, -1, dtype=np.int64)
    cheapest = _take(catalog.price_t[cols[0]], rows).copy()
    for j in cols[1:]:
        np.minimum(cheapest, _take(catalog.price_t[j], rows), out=cheapest)
    cheapest[cheapest == big] = -1
    return cheapest


def price_fit(price: npt.NDArray[np.int64], budget: int, share: float) -> F32:
    comfortable = max(budget * share, 1.0)
    span = max(budget - comfortable, 1.0)
    p = price.astype(np.float32)
    fit = np.clip(np.float32(1.0) - (p - np.float32(comfortable)) / np.float32(span), 0.0, 1.0)
    return np.where(price < 0, np.float32(0.5), fit).astype(np.float32)


def _brief(catalog: Catalog, query: Query, brief_vector: F32 | None) -> F32 | None:
    if brief_vector is None and query.brief.strip() and catalog.embedder is not None:
        brief_vector = catalog.embedder.embed([query.brief])[0]
    if brief_vector is not None and brief_vector.shape[0] == catalog.topic.shape[1] and brief_vector.any():
        return brief_vector
    return None


def _cheap_parts(
    catalog: Catalog, query: Query, rows: Rows, *, with_price: bool = True
) -> tuple[dict[str, F32], dict[str, F32]]:
    """The parts that cost little per row: audience fit, price fit and the precomputed ones."""
    parts: dict[str, F32] = {}
    mass = audience_mass(catalog, query, rows)
    n = len(catalog) if rows is None else int(rows.shape[0])
    fit = np.ones(n, dtype=np.float32)
    for m in mass.values():
        fit *= m
    parts["audience_fit"] = fit
    parts["engagement_quality"] = _take(catalog.engagement_quality, rows)
    parts["authenticity"] = _take(catalog.authenticity, rows)
    if with_price and query.budget is not None and query.budget > 0:
        parts["price_fit"] = price_fit(creator_price(catalog, query, rows), query.budget, query.price_share)
    return parts, mass


def _combine(catalog: Catalog, query: Query, parts: dict[str, F32], rows: Rows) -> F32:
    w = query.weights
    n = next(iter(parts.values())).shape[0]
    total = np.zeros(n, dtype=np.float32)
    weight_sum = np.float32(0.0)
    for name in COMPONENTS:
        values = parts.get(name)
        if values is None or name == "reliability":
            continue
        total += np.float32(w.of(name)) * values
        weight_sum += np.float32(w.of(name))
    if catalog.reliability is not None and w.reliability > 0:
        rel = _take(catalog.reliability, rows)
        known = ~np.isnan(rel)
        parts["reliability"] = rel
        total += np.where(known, np.float32(w.reliability) * rel, np.float32(0.0))
        total /= weight_sum + np.where(known, np.float32(w.reliability), np.float32(0.0))
    elif weight_sum > 0:
        total /= weight_sum
    return total


def score(catalog: Catalog, query: Query, rows: Rows = None, brief_vector: F32 | None = None) -> Scored:
    """Every part and the weighted total for ``rows`` (default: all rows). float32, no per-row Python."""
    parts, mass = _cheap_parts(catalog, query, rows)
    vec = _brief(catalog, query, brief_vector)
    if vec is not None:
        parts["topical_fit"] = _topical(catalog, vec, rows)
    total = _combine(catalog, query, parts, rows)
    return Scored(rows=rows, total=total, parts=parts, dimension_mass=mass)


def _topical(catalog: Catalog, vec: F32, rows: Rows) -> F32:
    return np.maximum(_take(catalog.topic, rows) @ vec, np.float32(0.0))


def _topical_bound(catalog: Catalog, vec: F32) -> F32:
    head = catalog.topic_head.shape[0]
    rest = np.float32(np.linalg.norm(vec[head:]))
    bound = rest * catalog.topic_rest_norm
    for j in range(head):
        bound += vec[j] * catalog.topic_head[j]
    return np.clip(bound + np.float32(1e-5), 0.0, 1.0).astype(np.float32)


def best(
    catalog: Catalog,
    query: Query,
    k: int,
    alive: npt.NDArray[np.bool_],
    brief_vector: F32 | None = None,
    after: tuple[float, int] | None = None,
    probe: int = 2_000,
) -> tuple[npt.NDArray[np.int64], F32]:
    """The ``k`` best rows among ``alive`` by total score (ties by id), exactly, computing the costly part
    (topic similarity, a d-dimensional dot product per row) only where it can matter.

    The cheap parts plus a Cauchy-Schwarz bound on the topic similarity give every row an upper bound. The exact
    scores of the ``probe`` rows with the best bounds give a k-th best score ``s``; only rows whose bound reaches
    ``s`` can be in the answer, so only they are scored exactly. ``after`` = (score, id) keeps rows after a cursor.
    """
    cheap, _ = _cheap_parts(catalog, query, None, with_price=False)
    vec = _brief(catalog, query, brief_vector)
    bounded = dict(cheap)
    if vec is not None:
        bounded["topical_fit"] = _topical_bound(catalog, vec)
    priced = query.budget is not None and query.budget > 0
    if priced:
        bounded["price_fit"] = np.ones(len(catalog), dtype=np.float32)  # at most 1; computed for survivors only
    bound = _combine(catalog, query, bounded, None)
    bound = np.where(alive, bound, np.float32(-np.inf))
    costly = vec is not None or priced

    full: list[F32] = []

    def exact(rows: npt.NDArray[np.int64]) -> F32:
        if not costly:
            return bound[rows]
        if rows.shape[0] > len(catalog) // 3:  # scoring everything beats gathering most rows
            if not full:
                full.append(score(catalog, query, None, vec).total)
            return full[0][rows]
        return score(catalog, query, rows, vec).total

    def keep_after(rows: npt.NDArray[np.int64], totals: F32) -> npt.NDArray[np.bool_]:
        if after is None:
            return np.ones(rows.shape[0], dtype=bool)
        last_score, last_id = np.float32(after[0]), after[1]
        ids = catalog.ids[rows]
        return (totals < last_score) | ((totals == last_score) & (ids > last_id))

    if not costly:
        survivors = np.flatnonzero(bound > -np.inf)
    else:
        probe_rows = top_k(bound, max(probe, 4 * k))
        probe_rows = probe_rows[np.isfinite(bound[probe_rows])]
        probe_totals = exact(probe_rows)
        ok = keep_after(probe_rows, probe_totals)
        if int(ok.sum()) >= k:
            kth = np.partition(probe_totals[ok], int(ok.sum()) - k)[int(ok.sum()) - k]
            survivors = np.flatnonzero(bound >= kth - np.float32(1e-5))
        else:
            survivors = np.flatnonzero(bound > -np.inf)
    totals = exact(survivors)
    STATS["survivors"] = int(survivors.shape[0])
    ok = keep_after(survivors, totals)
    survivors, totals = survivors[ok], totals[ok]
    picked = top_k(totals, k)
    return survivors[picked], totals[picked]


def top_k(values: npt.NDArray[np.floating[Any]], k: int) -> npt.NDArray[np.int64]:
    """Indices of the ``k`` largest values (ties: lower index first), exact, without sorting everything.

    A strided sample gives a threshold that at least ~``k`` values clear; only those are partitioned. Falls back to
    a full argpartition when the sample guessed too high.
    """
    n = values.shape[0]
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, n)
    candidates: npt.NDArray[np.int64] | None = None
    if n > 50_000:
        stride = max(1, n // 20_000)
        sample = values[::stride]
        m = max(1, min(sample.shape[0], (4 * k) // stride + 2))
        threshold = np.partition(sample, sample.shape[0] - m)[sample.shape[0] - m]
        idx = np.flatnonzero(values >= threshold)
        if idx.shape[0] >= k:
            candidates = idx
    if candidates is None:
        candidates = np.arange(n, dtype=np.int64)
    sub = values[candidates]
    if sub.shape[0] > k:
        part = np.argpartition(-sub, k - 1)[:k]
        # include every value tied with the k-th so that ties break by index deterministically
        kth = sub[part].min()
        part = np.flatnonzero(sub >= kth)
        candidates, sub = candidates[part], sub[part]
    order = np.lexsort((candidates, -sub))[:k]
    result: npt.NDArray[np.int64] = candidates[order].astype(np.int64)
    return result


def reference_scores(catalog: Catalog, query: Query) -> npt.NDArray[np.float64]:
    """The plain, exact brute force in float64 (the benchmark's ceiling and the tests' oracle); -inf = filtered."""
    n = len(catalog)
    keep = hard_filter(catalog, query)
    parts: dict[str, npt.NDArray[np.float64]] = {}
    fit = np.ones(n)
    for dimension, keys in query.target_keys().items():
        fit *= target_vector(dimension, keys).astype(np.float64) @ catalog.audience[dimension].astype(np.float64)
    parts["audience_fit"] = fit
    if query.brief.strip() and catalog.embedder is not None:
        vec = catalog.embedder.embed([query.brief])[0].astype(np.float64)
        if vec.any():
            parts["topical_fit"] = np.maximum(catalog.topic.astype(np.float64) @ vec, 0.0)
    parts["engagement_quality"] = catalog.engagement_quality.astype(np.float64)
    parts["authenticity"] = catalog.authenticity.astype(np.float64)
    if query.budget:
        parts["price_fit"] = price_fit(creator_price(catalog, query), query.budget, query.price_share).astype(
            np.float64
        )
    w = query.weights
    total = sum((w.of(k) * v for k, v in parts.items()), np.zeros(n)) / sum(w.of(k) for k in parts)
    return np.where(keep, total, -np.inf)


def explain(
    catalog: Catalog, query: Query, rows: Sequence[int], brief_vector: F32 | None = None
) -> list[dict[str, Any]]:
    """Each part with its value and the facts behind it, for the given catalog rows (the shown page only)."""
    idx = np.asarray(rows, dtype=np.int64)
    scored = score(catalog, query, idx, brief_vector)
    price = creator_price(catalog, query, idx)
    target = query.target_keys()
    target_text = "; ".join(d + ": " + ", ".join(keys) for d, keys in target.items())
    out: list[dict[str, Any]] = []
    for i, r in enumerate(idx.tolist()):
        parts: dict[str, dict[str, Any]] = {}
        parts["audience_fit"] = {
            "value": round(float(scored.parts["audience_fit"][i]), 4),
            "weight": query.weights.audience_fit,
            "detail": {d: round(float(m[i]), 4) for d, m in scored.dimension_mass.items()},
            "why": gettext("share of the audience inside the target (%(target)s)") % {"target": target_text}
            if target
            else gettext("share of the audience inside the target (any audience)"),
        }
        if "topical_fit" in scored.parts:
            parts["topical_fit"] = {
                "value": round(float(scored.parts["topical_fit"][i]), 4),
                "weight": query.weights.topical_fit,
                "detail": {"embedder": getattr(catalog.embedder, "name", "")},
                "why": gettext("cosine similarity of the brief and the creator's content description"),
            }
        fol = catalog.followers[r]
        main = int(np.argmax(fol))
        er = int(catalog.engagement_bp[r, main])
        expected = float(expected_engagement_bp(np.array([main]), np.array([fol[main]]))[0])
        parts["engagement_quality"] = {
            "value": round(float(scored.parts["engagement_quality"][i]), 4),
            "weight": query.weights.engagement_quality,
            "detail": {
                "platform": taxonomy.PLATFORMS[main],
                "engagement_rate_bp": er,
                "typical_bp_at_this_size": round(expected),
            },
            "why": gettext("engagement rate against what is typical for the platform at this follower count"),
        }
        raised = {SIGNALS[j]: round(float(v), 3) for j, v in enumerate(catalog.signals[r]) if v > 0}
        parts["authenticity"] = {
            "value": round(float(scored.parts["authenticity"][i]), 4),
            "weight": query.weights.authenticity,
            "detail": {"risk_signals": raised},
            "why": gettext("no fake-follower signals")
            if not raised
            else gettext("fake-follower risk: %(signals)s")
            % {"signals": ", ".join(k.replace("_", " ") for k in raised)},
        }
        if "price_fit" in scored.parts:
            parts["price_fit"] = {
                "value": round(float(scored.parts["price_fit"][i]), 4),
                "weight": query.weights.price_fit,
                "detail": {
                    "price": int(price[i]) if price[i] >= 0 else None,
                    "currency": catalog.currency,
                    "budget": query.budget,
                },
                "why": gettext("price unknown in this currency")
                if price[i] < 0
                else gettext("cheapest deliverable is %(percent)s%% of the budget")
                % {"percent": int(price[i]) * 100 // max(query.budget or 1, 1)},
            }
        rel = scored.parts.get("reliability")
        parts["reliability"] = {
            "value": None if rel is None or np.isnan(rel[i]) else round(float(rel[i]), 4),
            "weight": query.weights.reliability,
            "detail": {},
            "why": gettext("from reputation (on-time delivery)")
            if rel is not None
            else gettext("no reputation data yet"),
        }
        out.append({"row": r, "score": round(float(scored.total[i]), 4), "components": parts})
    return out


def language_bits(languages: Sequence[str]) -> int:
    return bitmask(languages, LANGUAGE_INDEX)
