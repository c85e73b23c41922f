"""The generated catalog: reproducible, and realistic in the ways matching relies on."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth.hashers import check_password

from accord.accounts.models import Membership, Organization, User
from accord.creators import taxonomy
from accord.creators.generator import DEMO_PASSWORD, generate, seed_demo_creators, to_catalog
from accord.creators.models import Channel, CreatorProfile, RateCardItem


def test_same_seed_same_catalog_other_seed_other_catalog() -> None:
    a, b, c = generate(3_000, seed=11), generate(3_000, seed=11), generate(3_000, seed=12)
    assert a.handles == b.handles and a.bios == b.bios
    for name in ("followers", "engagement_bp", "prices", "no_go", "fake"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for dim in taxonomy.DIMENSIONS:
        assert np.array_equal(a.audience[dim], b.audience[dim])
    assert not np.array_equal(a.followers, c.followers)
    assert len(set(a.handles)) == len(a.handles)


@pytest.fixture(scope="module")
def big() -> object:
    return generate(20_000, seed=2026)


def test_followers_are_heavy_tailed(big: object) -> None:
    total = big.followers.sum(axis=1)  # type: ignore[attr-defined]
    p50, p99 = np.percentile(total, [50, 99])
    assert total.min() >= 1_000
    assert p99 / p50 > 20
    assert total.max() > 1_000_000


def test_engagement_falls_with_size(big: object) -> None:
    main = big.followers[:, 0] > 0  # type: ignore[attr-defined]
    real = main & ~big.fake  # type: ignore[attr-defined]
    f = np.log(big.followers[real, 0])  # type: ignore[attr-defined]
    er = np.log(big.engagement_bp[real, 0])  # type: ignore[attr-defined]
    assert np.corrcoef(f, er)[0, 1] < -0.3


def test_audiences_are_regional_and_distributions(big: object) -> None:
    for dim, matrix in big.audience.items():  # type: ignore[attr-defined]
        assert np.allclose(matrix.sum(axis=1), 1.0, atol=1e-4), dim
    home_share = big.audience["countries"][np.arange(big.n), big.country]  # type: ignore[attr-defined]
    assert np.median(home_share[~big.fake]) > 0.5  # type: ignore[attr-defined]


def test_interests_follow_categories(big: object) -> None:
    primary = big.categories[:, 0]  # type: ignore[attr-defined]
    share = big.audience["interests"][np.arange(big.n), primary]  # type: ignore[attr-defined]
    assert np.median(share) > 3 / len(taxonomy.INTERESTS)


def test_fake_follower_profiles_carry_telltale_patterns(big: object) -> None:
    fake = big.fake  # type: ignore[attr-defined]
    assert 0.03 < fake.mean() < 0.1
    catalog = to_catalog(big)  # type: ignore[arg-type]
    assert catalog.authenticity[fake].mean() < 0.6 < catalog.authenticity[~fake].mean()
    flagged = catalog.authenticity < 0.5
    precision = fake[flagged].mean()
    recall = flagged[fake].mean()
    assert precision > 0.9 and recall > 0.5


@pytest.mark.django_db
def test_seed_demo_creators_writes_profiles_and_is_idempotent() -> None:
    calls: list[int] = []
    assert seed_demo_creators(40, seed=5, progress=calls.append) == 40
    assert calls[-1] == 40
    assert CreatorProfile.objects.count() == 40
    assert Organization.objects.filter(kind="creator").count() == 40
    assert Membership.objects.filter(organization__kind="creator", role="owner").count() == 40
    assert Channel.objects.exclude(audience_refreshed_at=None).count() == Channel.objects.count() >= 40
    assert RateCardItem.objects.filter(price__lt=0).count() == 0
    user = User.objects.filter(email__endswith="@creator.localhost").first()
    assert user is not None and check_password(DEMO_PASSWORD, user.password)
    hashes = set(User.objects.filter(email__endswith="@creator.localhost").values_list("password", flat=True))
    assert len(hashes) == 1  # hashed once, reused
    assert seed_demo_creators(40, seed=5) == 0
    assert CreatorProfile.objects.count() == 40
