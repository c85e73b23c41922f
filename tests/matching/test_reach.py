from __future__ import annotations

import numpy as np

from accord.creators import taxonomy
from accord.matching import reach


def _dist(keys: tuple[str, ...], shares: dict[str, float]) -> np.ndarray:
    row = np.zeros(len(keys))
    for k, v in shares.items():
        row[keys.index(k)] = v
    return row


def test_same_niche_creators_overlap_and_reach_less_than_their_sum() -> None:
    nl_outdoor = _dist(taxonomy.COUNTRIES, {"NL": 1.0}), _dist(taxonomy.INTERESTS, {"outdoor": 1.0})
    de_gaming = _dist(taxonomy.COUNTRIES, {"DE": 1.0}), _dist(taxonomy.INTERESTS, {"gaming": 1.0})
    countries = np.vstack([nl_outdoor[0], nl_outdoor[0], de_gaming[0]])
    interests = np.vstack([nl_outdoor[1], nl_outdoor[1], de_gaming[1]])
    est = reach.estimate([100_000, 100_000, 100_000], countries, interests)
    assert est.total_followers == 300_000
    assert est.overlap[0][1] > 10_000  # same market and niche: a sizeable shared audience
    assert est.overlap[0][2] == 0 and est.overlap[1][2] == 0  # disjoint cells never overlap
    assert est.unique_reach < 300_000
    assert est.duplicated == 300_000 - est.unique_reach
    assert est.marginal[2] == 100_000  # the only creator in its cell adds everyone
    assert est.marginal[0] < 100_000
    assert 0 < est.overlap_share[0][1] < 1 and est.overlap_share[0][0] == 1.0


def test_adding_a_creator_never_lowers_reach() -> None:
    rng = np.random.default_rng(1)
    m = 6
    countries = rng.dirichlet(np.ones(len(taxonomy.COUNTRIES)), m)
    interests = rng.dirichlet(np.ones(len(taxonomy.INTERESTS)), m)
    followers = rng.integers(10_000, 2_000_000, m).tolist()
    previous = 0
    for k in range(1, m + 1):
        est = reach.estimate(followers[:k], countries[:k], interests[:k])
        assert previous <= est.unique_reach <= sum(followers[:k])
        previous = est.unique_reach
