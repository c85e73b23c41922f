"""Quality on the generated catalog: creators planted as plain good matches must rank in the top 10."""

from __future__ import annotations

import numpy as np

from accord.creators.generator import generate, plant_matches, to_catalog
from accord.matching import scoring
from accord.matching.scoring import Query
from accord.matching.search import match
from accord.matching.text import TfidfSvdEmbedder


def ndcg_at(ranked: list[int], relevant: set[int], k: int = 10) -> float:
    gains = [1.0 / np.log2(i + 2) for i, r in enumerate(ranked[:k]) if r in relevant]
    ideal = sum(1.0 / np.log2(i + 2) for i in range(min(k, len(relevant))))
    return float(sum(gains) / ideal)


def test_planted_matches_rank_in_the_top_10_and_fakes_do_not() -> None:
    gen = generate(30_000, seed=99)
    rng = np.random.default_rng(1)
    rows = rng.choice(gen.n, 14, replace=False).tolist()
    planted, decoys = rows[:10], rows[10:]
    target = {"countries": ["NL", "BE"], "age_bands": ["18-24", "25-34"], "interests": ["outdoor", "travel"]}
    spec = {"countries": ["NL", "BE"], "age_bands": ["18-24", "25-34"], "categories": ["outdoor", "travel"]}
    plant_matches(gen, rows=planted, seed=1, **spec)  # type: ignore[arg-type]
    # decoys: the same perfect audience and topic, but with bought followers (engagement and views collapse)
    plant_matches(gen, rows=decoys, seed=2, **spec)  # type: ignore[arg-type]
    for r in decoys:
        gen.engagement_bp[r] //= 12
        gen.avg_views[r] //= 12
        gen.growth_bp[r] = np.where(gen.followers[r] > 0, 8_000, 0)
    catalog = to_catalog(gen, embedder=TfidfSvdEmbedder(seed=1))
    query = Query(
        target=target,
        platforms=["instagram", "tiktok"],
        brief="Outdoor and travel gear: hiking, camping and backpacking trips in the mountains",
        budget=3_000_000,
    )
    page = match(catalog, query, 50)
    ndcg = ndcg_at(page.rows, set(planted))
    print(f"NDCG@10 = {ndcg:.3f}")
    assert ndcg >= 0.9
    assert not set(decoys) & set(page.rows[:10])
    # exact: the fast path returns the same top 50 as the float64 brute force
    reference = scoring.reference_scores(catalog, query)
    exact = np.lexsort((np.arange(len(catalog)), -reference))[:50]
    assert len(set(exact.tolist()) & set(page.rows)) >= 49
