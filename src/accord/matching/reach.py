"""Unique reach of a shortlist: how much creators' audiences overlap, and how many distinct people the set reaches.

Model (stated so a brand can judge it): people are grouped in cells of market × interest. A market's pool for an
interest is its social media users times the interest's share of attention times ``ACTIVE_SHARE`` (the part of the
market that follows creators at all). A creator's followers in a cell are their followers × the country share × the
interest share of their audience, drawn at random from that cell's pool. Then, per cell, the chance that a person
follows creator i is ``p_i = min(1, F_i·a_ic·b_ik / pool_ck)``, two creators overlap by ``Σ pool·p_i·p_j`` people, and
the set reaches ``Σ pool·(1 − Π_i (1 − p_i))`` distinct people. Creators in the same niche and market overlap most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from accord.creators import taxonomy

ACTIVE_SHARE = 0.3
F64 = npt.NDArray[np.float64]


def _pools() -> F64:
    users = np.array([taxonomy.SOCIAL_USERS_M[c] * 1e6 for c in taxonomy.COUNTRIES])
    interest_share = np.full(len(taxonomy.INTERESTS), 1.0 / len(taxonomy.INTERESTS))
    pools: F64 = users[:, None] * interest_share[None, :] * ACTIVE_SHARE
    return pools


@dataclass
class ReachEstimate:
    followers: list[int]
    total_followers: int
    unique_reach: int
    duplicated: int
    overlap: list[list[int]]  # people two creators share
    overlap_share: list[list[float]]  # of the smaller audience
    marginal: list[int]  # people only this creator adds to the rest of the set


def _uncovered(p: F64) -> F64:
    """Per cell, the share of the pool no creator reaches: Π_i (1 − p_i)."""
    out: F64 = np.prod(1.0 - p, axis=0)
    return out


def estimate(followers: Sequence[int], countries: F64, interests: F64) -> ReachEstimate:
    """``countries`` [m, len(COUNTRIES)] and ``interests`` [m, len(INTERESTS)] are the creators' audience shares."""
    fol = np.asarray(followers, dtype=np.float64)
    m = fol.shape[0]
    pools = _pools()
    a = np.asarray(countries, dtype=np.float64)
    b = np.asarray(interests, dtype=np.float64)
    # creators without an interest profile spread evenly
    empty = b.sum(axis=1) <= 0
    b[empty] = 1.0 / b.shape[1]
    a_empty = a.sum(axis=1) <= 0
    a[a_empty, taxonomy.COUNTRIES.index("ZZ")] = 1.0
    counts = fol[:, None, None] * a[:, :, None] * b[:, None, :]  # [m, C, I] followers per cell
    p = np.minimum(counts / pools[None, :, :], 1.0)
    uncovered = _uncovered(p)
    unique = float((pools * (1.0 - uncovered)).sum())
    overlap = np.einsum("ick,jck,ck->ij", p, p, pools) if m else np.zeros((0, 0))
    np.fill_diagonal(overlap, fol)
    smaller = np.minimum(fol[:, None], fol[None, :])
    overlap = np.minimum(overlap, smaller)
    share = np.divide(overlap, smaller, out=np.zeros_like(overlap), where=smaller > 0)
    marginal = []
    for i in range(m):
        others = np.delete(p, i, axis=0)
        without = float((pools * (1.0 - _uncovered(others))).sum()) if m > 1 else 0.0
        marginal.append(round(unique - without))
    unique_int = min(round(unique), int(fol.sum()))
    return ReachEstimate(
        followers=[int(f) for f in fol],
        total_followers=int(fol.sum()),
        unique_reach=unique_int,
        duplicated=int(fol.sum()) - unique_int,
        overlap=[[round(x) for x in row] for row in overlap.tolist()],
        overlap_share=[[round(x, 4) for x in row] for row in share.tolist()],
        marginal=marginal,
    )
