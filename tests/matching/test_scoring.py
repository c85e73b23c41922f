"""Score parts on hand-built creators: every number here can be checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from accord.matching import catalog as cat
from accord.matching import scoring
from accord.matching.scoring import Query, Weights
from accord.matching.search import AudienceConstraint, Filters, match, search
from accord.matching.text import TfidfSvdEmbedder

AGES_YOUNG = {"18-24": 0.5, "25-34": 0.5}


def creator(i: int, **kw: object) -> cat.CreatorRecord:
    followers = int(kw.pop("followers", 10_000))  # type: ignore[call-overload]
    audience = kw.pop("audience", {"countries": {"NL": 1.0}, "age_bands": AGES_YOUNG})
    er = kw.pop("er", 350)
    views = kw.pop("views", followers // 4)
    growth = kw.pop("growth", 100)
    platform = kw.pop("platform", "instagram")
    ch = cat.ChannelRecord(platform, followers, views, er, growth, audience)  # type: ignore[arg-type]
    return cat.CreatorRecord(id=i, channels=[ch], languages=["nl"], **kw)  # type: ignore[arg-type]


def build(records: list[cat.CreatorRecord], embedder: object = None) -> cat.Catalog:
    return cat.build(records, currency="EUR", embedder=embedder)  # type: ignore[arg-type]


def parts(c: cat.Catalog, q: Query) -> dict[str, np.ndarray]:
    return scoring.score(c, q).parts


def test_audience_all_inside_the_target_scores_one() -> None:
    c = build(
        [
            creator(1),
            creator(2, audience={"countries": {"NL": 0.5, "DE": 0.5}, "age_bands": AGES_YOUNG}),
            creator(3, audience={"countries": {"FR": 1.0}, "age_bands": {"45-54": 1.0}}),
            creator(4, audience={"countries": {"NL": 0.5, "DE": 0.5}, "age_bands": {"18-24": 0.5, "55+": 0.5}}),
        ]
    )
    fit = parts(c, Query(target={"countries": ["NL"], "age_bands": ["18-24", "25-34"]}))["audience_fit"]
    assert fit.tolist() == pytest.approx([1.0, 0.5, 0.0, 0.25])
    # an empty target dimension means "any"; an unknown key is ignored
    assert parts(c, Query(target={"countries": [], "age_bands": ["nonsense"]}))["audience_fit"].tolist() == [1.0] * 4


def test_topical_fit_is_cosine_similarity_of_brief_and_description() -> None:
    bios = [
        "hiking camping trails mountains backpacking gear",
        "makeup skincare serums glow cosmetics routine",
        "gaming esports streams consoles speedruns",
        "recipes baking cooking restaurants coffee",
    ]
    c = build([creator(i + 1, bio=b) for i, b in enumerate(bios)], TfidfSvdEmbedder(dim=3, seed=1))
    topical = parts(c, Query(brief="hiking camping trails mountains backpacking gear"))["topical_fit"]
    assert topical[0] == pytest.approx(1.0, abs=1e-5)
    assert topical[0] > topical[1:].max()
    assert (topical >= 0).all()
    assert "topical_fit" not in parts(c, Query(brief=""))


def test_engagement_quality_is_one_half_at_the_typical_rate_and_rises_above_it() -> None:
    typical = round(float(cat.expected_engagement_bp(np.array([0]), np.array([10_000]))[0]))
    c = build([creator(1, er=typical), creator(2, er=2 * typical), creator(3, er=typical // 4)])
    quality = parts(c, Query())["engagement_quality"]
    assert quality[0] == pytest.approx(0.5, abs=0.01)
    assert quality[1] == pytest.approx(0.85, abs=0.01)
    assert quality[2] == pytest.approx(0.0, abs=0.01)


def test_authenticity_flags_fake_follower_patterns_and_explains_them() -> None:
    clean = creator(1)
    fake = creator(
        2,
        followers=200_000,
        er=20,
        views=2_000,
        growth=9_000,
        audience={
            "countries": {"ZZ": 0.7, "NL": 0.3},
            "age_bands": AGES_YOUNG,
            "languages": {"other": 0.7, "nl": 0.3},
        },
    )
    c = build([clean, fake])
    auth = parts(c, Query())["authenticity"]
    assert auth[0] == pytest.approx(1.0)
    assert auth[1] < 0.2
    why = scoring.explain(c, Query(), [1])[0]["components"]["authenticity"]
    assert set(why["detail"]["risk_signals"]) == set(cat.SIGNALS)
    assert "fake-follower risk" in why["why"]


def test_price_fit_against_the_budget() -> None:
    records = [creator(i + 1, prices={"instagram": p}) for i, p in enumerate([10_000, 100_000, 60_000])]
    records.append(creator(4))  # no price in EUR
    c = build(records)
    fit = parts(c, Query(budget=100_000, price_share=0.2))["price_fit"]
    # <= 20 % of the budget fits fully, the whole budget not at all, halfway between is 0.5, unknown is neutral
    assert fit.tolist() == pytest.approx([1.0, 0.0, 0.5, 0.5])
    assert "price_fit" not in parts(c, Query(budget=None))


def test_total_is_the_weighted_mean_of_the_parts_present() -> None:
    c = build([creator(1, prices={"instagram": 5_000}), creator(2, er=50)])
    q = Query(target={"countries": ["NL"]}, budget=100_000)
    s = scoring.score(c, q)
    w = Weights()
    names = ["audience_fit", "engagement_quality", "authenticity", "price_fit"]
    expected = sum(w.of(n) * s.parts[n] for n in names) / sum(w.of(n) for n in names)
    assert s.total == pytest.approx(expected, abs=1e-6)
    assert "reliability" not in s.parts  # no reputation data: no reliability part, and no weight for it


def test_reliability_counts_only_where_known() -> None:
    c = build([creator(1, reliability=1.0), creator(2, reliability=None)])
    s = scoring.score(c, Query())
    assert s.parts["reliability"][0] == 1.0
    assert np.isnan(s.parts["reliability"][1])
    w = Weights()
    base = (w.audience_fit * 1.0 + w.engagement_quality * s.parts["engagement_quality"][1] + w.authenticity) / (
        w.audience_fit + w.engagement_quality + w.authenticity
    )
    assert s.total[1] == pytest.approx(base, abs=1e-6)


def test_values_conflicts_are_a_hard_filter_not_a_score() -> None:
    c = build([creator(1, no_go=["alcohol"]), creator(2, no_go=["gambling"]), creator(3)])
    beer = Query(brand_categories=["alcohol"])
    assert sorted(c.ids[match(c, beer, 10).rows].tolist()) == [2, 3]
    assert sorted(c.ids[match(c, Query(brand_categories=["crypto"]), 10).rows].tolist()) == [1, 2, 3]
    assert scoring.values_conflicts(["alcohol", "adult"], ["alcohol", "fast_food"]) == ["alcohol"]


def test_unavailable_creators_and_other_platforms_are_filtered() -> None:
    c = build([creator(1, available=False), creator(2, platform="tiktok"), creator(3)])
    assert c.ids[match(c, Query(platforms=["instagram"]), 10).rows].tolist() == [3]
    assert sorted(c.ids[match(c, Query(available_only=False), 10).rows].tolist()) == [1, 2, 3]


def test_explanations_carry_the_scored_values() -> None:
    c = build([creator(1, prices={"instagram": 10_000}), creator(2)])
    q = Query(target={"countries": ["NL"]}, budget=200_000)
    s = scoring.score(c, q)
    for item in scoring.explain(c, q, [0, 1]):
        r = item["row"]
        assert item["score"] == pytest.approx(float(s.total[r]), abs=1e-4)
        for name, part in item["components"].items():
            if name in s.parts:
                assert part["value"] == pytest.approx(float(s.parts[name][r]), abs=1e-4)
        assert item["components"]["reliability"]["value"] is None


def test_search_filters() -> None:
    records = [
        creator(1, followers=5_000, audience={"countries": {"NL": 0.45, "BE": 0.55}, "age_bands": {"18-24": 1.0}}),
        creator(2, followers=50_000, audience={"countries": {"NL": 0.3, "DE": 0.7}, "age_bands": {"35-44": 1.0}}),
        creator(3, followers=500_000, er=100, prices={"instagram": 900_000}, categories=["food"], country="DE"),
        creator(4, followers=20_000, platform="youtube", prices={"youtube": 50_000}, categories=["gaming"]),
    ]
    c = build(records)

    def ids(f: Filters, sort: str = "followers") -> list[int]:
        return c.ids[search(c, f, sort=sort, limit=10).rows].tolist()

    assert ids(Filters()) == [3, 2, 4, 1]
    assert ids(Filters(audience=[AudienceConstraint.parse("countries:NL>=40%")])) == [3, 4, 1]
    assert ids(Filters(audience=[AudienceConstraint.parse("age_bands:18-24,25-34>=0.5")])) == [3, 4, 1]
    assert ids(Filters(followers_min=10_000, followers_max=100_000)) == [2, 4]
    assert ids(Filters(platforms=["youtube"])) == [4]
    assert ids(Filters(engagement_max_bp=200)) == [3]
    assert ids(Filters(price_max=100_000)) == [4]
    assert ids(Filters(categories=["food", "gaming"])) == [3, 4]
    assert ids(Filters(countries=["DE"])) == [3]
    assert ids(Filters(price_min=0), sort="price") == [4, 3]
    with pytest.raises(Exception, match="cannot read"):
        AudienceConstraint.parse("NL 40")


def test_cursor_pages_cover_the_ranking_without_overlap() -> None:
    rng = np.random.default_rng(5)
    records = [
        creator(
            i + 1,
            followers=int(rng.integers(1_000, 100_000)),
            er=int(rng.integers(50, 900)),
            audience={"countries": {"NL": 0.5, "BE": 0.5} if i % 3 else {"DE": 1.0}, "age_bands": AGES_YOUNG},
        )
        for i in range(57)
    ]
    c = build(records)
    q = Query(target={"countries": ["NL"]})
    for sort in ("score", "followers", "engagement"):
        full = search(c, query=q, sort=sort, limit=100).rows
        seen: list[int] = []
        cursor = None
        while True:
            page = search(c, query=q, sort=sort, limit=7, cursor=cursor)
            seen.extend(page.rows)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == full, sort
        assert len(set(seen)) == len(seen) == 57


@pytest.mark.parametrize("seed", range(5))
def test_top_k_is_exact_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 500, 120_000).astype(np.float32)  # many ties
    got = scoring.top_k(values, 50)
    want = np.lexsort((np.arange(values.shape[0]), -values))[:50]
    assert got.tolist() == want.tolist()
