"""A reproducible, realistic creator catalog (numpy, seeded): the demo data and the benchmark's million creators.

What makes it realistic enough to test matching against:
- followers are heavy-tailed (log-normal body: most creators have thousands, a few have millions);
- engagement falls with size (rate ∝ followers^-0.2, per-platform baselines, log-normal noise);
- audiences are regional (the home market dominates, then its region, then English-speaking markets for creators
  who post in English); ages and genders follow the content category and the platform;
- interests are correlated with the creator's categories and with related categories (outdoor ↔ travel ↔ sports…);
- about ``FAKE_SHARE`` of profiles bought followers, with the telltale patterns: engagement and views far below
  what their size predicts, a follower spike in the last 30 days, an audience in unknown locations speaking other
  languages. ``GeneratedCatalog.fake`` keeps the ground truth.

``generate`` builds arrays only; ``to_catalog`` turns them into the matching matrices without the ORM (the
benchmark's fast path); ``seed_demo_creators`` writes them to the database with bulk inserts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from accord.creators import taxonomy as tx

DEFAULT_SEED = 2026
DEMO_PASSWORD = "accord-demo-2026"
FAKE_SHARE = 0.06
P = len(tx.PLATFORMS)
C = len(tx.CATEGORIES)
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

_COUNTRY_WEIGHT = {
    "NL": 14, "BE": 6, "DE": 14, "FR": 10, "ES": 8, "IT": 8, "PT": 3, "AT": 3, "CH": 3, "PL": 5, "SE": 3,
    "DK": 2, "NO": 2, "FI": 2, "IE": 2, "GB": 8, "US": 5, "CA": 1, "BR": 1, "ZZ": 0,
}  # fmt: skip
_CATEGORY_WEIGHT = {
    "outdoor": 4, "travel": 7, "sports": 5, "fitness": 7, "beauty": 8, "fashion": 9, "wellness": 5, "food": 8,
    "lifestyle": 10, "parenting": 5, "home": 4, "gaming": 7, "tech": 5, "finance": 3, "music": 4, "comedy": 5,
    "education": 3, "pets": 3, "automotive": 2, "sustainability": 3,
}  # fmt: skip
_RELATED = {
    "outdoor": ("travel", "sports", "fitness", "sustainability"),
    "travel": ("outdoor", "food", "lifestyle"),
    "sports": ("fitness", "outdoor"),
    "fitness": ("wellness", "sports", "food"),
    "beauty": ("fashion", "wellness", "lifestyle"),
    "fashion": ("beauty", "lifestyle", "sustainability"),
    "wellness": ("fitness", "beauty", "food"),
    "food": ("lifestyle", "travel", "wellness"),
    "lifestyle": ("fashion", "home", "food", "parenting"),
    "parenting": ("home", "lifestyle", "education"),
    "home": ("lifestyle", "sustainability", "parenting"),
    "gaming": ("tech", "comedy", "music"),
    "tech": ("gaming", "education", "finance"),
    "finance": ("tech", "education"),
    "music": ("comedy", "lifestyle"),
    "comedy": ("gaming", "music"),
    "education": ("tech", "finance", "parenting"),
    "pets": ("lifestyle", "home"),
    "automotive": ("tech", "travel"),
    "sustainability": ("outdoor", "home", "fashion"),
}
# Audience age profile per category (13-17 … 55+), before the platform shift.
_AGE = {
    "gaming": (3, 8, 6, 2, 0.7, 0.3), "comedy": (2.5, 8, 6, 2.5, 1, 0.5), "music": (2, 8, 6, 3, 1.2, 0.6),
    "beauty": (1.5, 8, 7, 3, 1.2, 0.5), "fashion": (1.2, 8, 7, 3, 1.2, 0.5), "finance": (0.2, 3, 8, 6, 3, 1.5),
    "parenting": (0.1, 2, 9, 7, 2, 0.5), "home": (0.2, 2, 7, 7, 4, 2), "automotive": (0.5, 4, 7, 6, 3, 1.5),
    "education": (2, 7, 6, 4, 2, 1), "tech": (1, 6, 8, 5, 2, 0.8), "food": (0.4, 4, 7, 6, 4, 2.5),
    "travel": (0.3, 5, 8, 6, 3, 1.5), "outdoor": (0.3, 4, 7, 6, 4, 2.5),
}  # fmt: skip
_AGE_DEFAULT = (0.8, 6, 7, 5, 2.5, 1.2)
_AGE_PLATFORM = np.array(
    [
        [1.0, 1.1, 1.1, 0.9, 0.7, 0.5],  # instagram
        [2.5, 1.6, 1.0, 0.6, 0.4, 0.3],  # tiktok
        [1.3, 1.1, 1.0, 1.0, 0.9, 0.8],  # youtube
        [1.8, 1.6, 1.0, 0.6, 0.3, 0.15],  # twitch
    ]
)
_FEMALE = {
    "beauty": 0.85, "fashion": 0.75, "parenting": 0.8, "wellness": 0.72, "lifestyle": 0.65, "food": 0.58,
    "home": 0.62, "gaming": 0.25, "automotive": 0.15, "tech": 0.3, "finance": 0.38, "sports": 0.35,
}  # fmt: skip
_PLATFORM_MIX = np.array([0.45, 0.30, 0.20, 0.05])
_PLATFORM_MIX_GAMING = np.array([0.10, 0.20, 0.35, 0.35])
_VIEW_RATE = np.array([0.25, 0.6, 0.15, 0.04])
_ER_BASE = np.array([350.0, 600.0, 300.0, 400.0])
_POSTS = np.array([3.0, 5.0, 1.0, 3.0])
# Euro per deliverable at 1,000 followers (grows with followers ** 0.9).
_PRICE_PER_K = {"post": 10.0, "story": 4.0, "reel": 12.0, "video": 9.0, "short": 6.0, "stream": 12.0}
_YOUTUBE_VIDEO_PER_K = 25.0
_FX = {"EUR": 1.0, "GBP": 0.85, "USD": 1.08, "CAD": 1.5, "BRL": 5.5, "CHF": 0.95, "PLN": 4.3, "SEK": 11.2,
       "DKK": 7.45, "NOK": 11.6}  # fmt: skip
_NO_GO_BASE = {
    "alcohol": 0.15, "gambling": 0.35, "tobacco": 0.4, "fast_fashion": 0.12, "crypto": 0.25, "fossil_fuels": 0.15,
    "weapons": 0.45, "adult": 0.5, "pharma": 0.1, "fast_food": 0.12, "politics": 0.3, "animal_testing": 0.2,
}  # fmt: skip
_NO_GO_BOOST = {
    "wellness": {"fast_food": 0.3, "tobacco": 0.3, "alcohol": 0.2},
    "fitness": {"fast_food": 0.3, "tobacco": 0.3, "alcohol": 0.15},
    "sustainability": {"fast_fashion": 0.6, "fossil_fuels": 0.6, "animal_testing": 0.3},
    "parenting": {"alcohol": 0.3, "gambling": 0.4, "adult": 0.4},
    "beauty": {"animal_testing": 0.45},
    "pets": {"animal_testing": 0.6},
    "education": {"gambling": 0.3, "adult": 0.3},
}
_CITIES = {
    "NL": ("Amsterdam", "Rotterdam", "Utrecht", "The Hague", "Eindhoven", "Groningen"),
    "BE": ("Brussels", "Antwerp", "Ghent", "Liège", "Bruges"),
    "DE": ("Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt", "Leipzig"),
    "FR": ("Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille"),
    "ES": ("Madrid", "Barcelona", "Valencia", "Seville", "Bilbao"),
    "IT": ("Milan", "Rome", "Turin", "Naples", "Bologna", "Florence"),
    "PT": ("Lisbon", "Porto", "Braga"),
    "AT": ("Vienna", "Graz", "Salzburg"),
    "CH": ("Zurich", "Geneva", "Basel", "Lausanne"),
    "PL": ("Warsaw", "Kraków", "Wrocław", "Gdańsk"),
    "SE": ("Stockholm", "Gothenburg", "Malmö"),
    "DK": ("Copenhagen", "Aarhus", "Odense"),
    "NO": ("Oslo", "Bergen", "Trondheim"),
    "FI": ("Helsinki", "Tampere", "Turku"),
    "IE": ("Dublin", "Cork", "Galway"),
    "GB": ("London", "Manchester", "Birmingham", "Glasgow", "Bristol", "Leeds"),
    "US": ("New York", "Los Angeles", "Chicago", "Austin", "Miami", "Seattle"),
    "CA": ("Toronto", "Montreal", "Vancouver"),
    "BR": ("São Paulo", "Rio de Janeiro", "Belo Horizonte"),
    "ZZ": ("Unknown",),
}
_FIRST = (
    "lotte", "sem", "emma", "daan", "mila", "lucas", "julia", "noah", "sara", "finn", "lea", "jonas", "chloe",
    "hugo", "ines", "mateo", "giulia", "leo", "alba", "marco", "anna", "jakub", "elsa", "oskar", "freja", "mads",
    "ingrid", "aino", "aoife", "oliver", "amelia", "mason", "ava", "liam", "beatriz", "tiago", "nina", "felix",
    "maja", "theo",
)  # fmt: skip
_ADJ = ("honest", "everyday", "playful", "in-depth", "practical", "cinematic", "no-nonsense", "cosy", "bold", "calm")


@dataclass
class GeneratedCatalog:
    """Arrays for ``n`` creators; rows are creators, platform columns follow ``taxonomy.PLATFORMS``."""

    seed: int
    n: int
    handles: list[str]
    names: list[str]
    bios: list[str]
    country: npt.NDArray[np.int16]
    city: list[str]
    categories: npt.NDArray[np.int16]  # [n, 3] category indices, -1 = none (primary first)
    languages: list[tuple[str, ...]]
    no_go: npt.NDArray[np.bool_]  # [n, len(BRAND_CATEGORIES)]
    availability: npt.NDArray[np.int8]  # 0 open, 1 limited, 2 unavailable
    available_in_days: npt.NDArray[np.int16]
    followers: I64  # [n, P]
    avg_views: I64
    engagement_bp: npt.NDArray[np.int32]
    growth_bp: npt.NDArray[np.int32]
    posts_per_week_x100: npt.NDArray[np.int32]
    audience: dict[str, F32]
    prices: I64  # [n, P, len(DELIVERABLES)] minor units in ``currency`` per row; -1 = not offered
    currency: list[str]
    fake: npt.NDArray[np.bool_]


def _dirichlet_rows(rng: np.random.Generator, alpha: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One Dirichlet draw per row with its own concentration (the gamma construction), vectorized."""
    g = rng.gamma(np.maximum(alpha, 1e-3))
    out: npt.NDArray[np.float64] = g / g.sum(axis=1, keepdims=True)
    return out


def _pick_rows(rng: np.random.Generator, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """One categorical draw per row from row-specific weights."""
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    u = rng.random((weights.shape[0], 1))
    out: npt.NDArray[np.int64] = np.minimum((u > cum).sum(axis=1), weights.shape[1] - 1)
    return out


def _slug(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def _brand_categories() -> tuple[str, ...]:
    from accord.matching.catalog import BRAND_CATEGORIES

    return BRAND_CATEGORIES


def generate(count: int, *, seed: int = DEFAULT_SEED) -> GeneratedCatalog:
    """``count`` creators, the same for the same ``(count, seed)``."""
    rng = np.random.default_rng(seed)
    n = count
    countries = tx.COUNTRIES
    cidx = {c: i for i, c in enumerate(countries)}
    catidx = {c: i for i, c in enumerate(tx.CATEGORIES)}
    # Home market and content categories (secondary/tertiary drawn from related categories).
    w = np.array([_COUNTRY_WEIGHT[c] for c in countries], dtype=np.float64)
    home = rng.choice(len(countries), size=n, p=w / w.sum()).astype(np.int16)
    cw = np.array([_CATEGORY_WEIGHT[c] for c in tx.CATEGORIES], dtype=np.float64)
    primary = rng.choice(C, size=n, p=cw / cw.sum())
    related = np.full((C, C), 0.15)
    for cat, rel in _RELATED.items():
        for r in rel:
            related[catidx[cat], catidx[r]] = 4.0
    np.fill_diagonal(related, 0.0)
    second = _pick_rows(rng, related[primary])
    third_w = related[primary] + related[second]
    third_w[np.arange(n), primary] = 0.0
    third_w[np.arange(n), second] = 0.0
    third = _pick_rows(rng, third_w)
    cats = np.full((n, 3), -1, dtype=np.int16)
    cats[:, 0] = primary
    has2 = rng.random(n) < 0.7
    has3 = has2 & (rng.random(n) < 0.35)
    cats[has2, 1] = second[has2]
    cats[has3, 2] = third[has3]
    # Platforms: a primary channel, maybe more.
    gaming = np.isin(primary, [catidx["gaming"]])
    mix = np.where(gaming[:, None], _PLATFORM_MIX_GAMING[None, :], _PLATFORM_MIX[None, :])
    main = _pick_rows(rng, mix)
    on = np.zeros((n, P), dtype=bool)
    on[np.arange(n), main] = True
    extra = rng.random((n, P)) < np.array([0.35, 0.3, 0.25, 0.05])[None, :]
    on |= extra & (rng.random(n) < 0.6)[:, None]
    # Heavy-tailed followers; secondary channels smaller.
    real_main = np.clip(np.exp(rng.normal(np.log(12_000), 1.5, n)), 1_000, 80_000_000)
    scale = np.exp(rng.normal(np.log(0.3), 0.8, (n, P)))
    scale[np.arange(n), main] = 1.0
    real = np.where(on, np.maximum(real_main[:, None] * scale, 100.0), 0.0)
    # Engagement falls with size; views per platform.
    er_real = _ER_BASE[None, :] * (np.maximum(real, 1.0) / 10_000) ** -0.2 * np.exp(rng.normal(0, 0.35, (n, P)))
    views_real = real * _VIEW_RATE[None, :] * np.exp(rng.normal(0, 0.4, (n, P)))
    growth = rng.normal(0.015, 0.02, (n, P))
    viral = rng.random(n) < 0.03
    growth[viral] += rng.uniform(0.1, 0.4, (int(viral.sum()), P))
    # Fake followers: bought on top of the real ones.
    fake = rng.random(n) < FAKE_SHARE
    bought_factor = np.where(fake, np.exp(rng.uniform(np.log(0.3), np.log(9.0), n)), 0.0)
    followers = np.rint(real * (1.0 + bought_factor[:, None])).astype(np.int64)
    bought_share = bought_factor / (1.0 + bought_factor)
    er = np.clip(er_real * (1.0 - bought_share[:, None]), 3, 4000)
    views = np.rint(views_real * (1.0 - 0.9 * bought_share[:, None]))
    recent = fake & (rng.random(n) < 0.6)  # bought in the last 30 days: a visible spike
    growth = np.where(recent[:, None], growth + bought_factor[:, None] * rng.uniform(0.5, 1.0, (n, 1)), growth)
    followers[~on] = 0
    er[~on] = 0
    views[~on] = 0
    growth[~on] = 0
    # Regional audiences.
    alpha = np.full((n, len(countries)), 0.04)
    alpha[:, cidx["ZZ"]] = 0.25
    region_of = np.array([tx.COUNTRY_REGION.get(c, "") for c in countries])
    home_region = region_of[home]
    alpha += np.where(region_of[None, :] == home_region[:, None], 1.2, 0.0)
    # Content languages: the home market's language, often English too.
    english = rng.random(n) < 0.35
    alpha += np.where(english[:, None] & (region_of[None, :] == "anglo"), 0.8, 0.0)
    alpha[np.arange(n), home] += 14.0
    country_share = _dirichlet_rows(rng, alpha)
    lang_of = [tx.COUNTRY_LANGUAGES[c] for c in countries]
    pick = rng.integers(0, 3, n)
    languages: list[tuple[str, ...]] = []
    home_list = home.tolist()
    for i in range(n):
        options = lang_of[home_list[i]]
        first = options[pick[i] % len(options)]
        languages.append((first, "en") if english[i] and first != "en" else (first,))
    # Ages and genders from the category and the main platform.
    age_profile = np.array([_AGE.get(c, _AGE_DEFAULT) for c in tx.CATEGORIES])
    age_alpha = age_profile[primary] * _AGE_PLATFORM[main]
    age_alpha = age_alpha / age_alpha.sum(axis=1, keepdims=True) * 25.0
    ages = _dirichlet_rows(rng, age_alpha)
    female_mean = np.array([_FEMALE.get(c, 0.5) for c in tx.CATEGORIES])[primary]
    female = rng.beta(female_mean * 14, (1 - female_mean) * 14)
    other = rng.uniform(0.005, 0.03, n)
    genders = np.column_stack([female * (1 - other), (1 - female) * (1 - other), other])
    # Interests follow the creator's categories and their relatives.
    int_alpha = np.full((n, C), 0.25)
    for slot, weight in ((0, 9.0), (1, 4.0), (2, 2.0)):
        valid = cats[:, slot] >= 0
        int_alpha[np.flatnonzero(valid), cats[valid, slot]] += weight
    int_alpha += (related[primary] > 1.0) * 1.2
    interests = _dirichlet_rows(rng, int_alpha)
    # Bought followers: unknown locations, other languages, flat ages and interests.
    bs = bought_share[:, None]
    fake_countries = np.zeros((n, len(countries)))
    fake_countries[:, cidx["ZZ"]] = 0.7
    fake_countries += 0.3 * _dirichlet_rows(rng, np.full((n, len(countries)), 0.5))
    country_share = (1 - bs) * country_share + bs * fake_countries
    ages = (1 - bs) * ages + bs * np.array([0.05, 0.3, 0.3, 0.2, 0.1, 0.05])[None, :]
    genders = (1 - bs) * genders + bs * np.array([0.5, 0.5, 0.0])[None, :]
    interests = (1 - bs) * interests + bs / C
    lang_matrix = np.zeros((len(countries), len(tx.LANGUAGES)))
    lidx = {lang: i for i, lang in enumerate(tx.LANGUAGES)}
    for ci, c in enumerate(countries):
        spoken = tx.COUNTRY_LANGUAGES[c]
        if c == "ZZ":
            lang_matrix[ci, lidx["other"]], lang_matrix[ci, lidx["en"]] = 0.75, 0.25
            continue
        native = 1.0 if spoken == ("en",) else 0.85
        for lang in spoken:
            lang_matrix[ci, lidx[lang]] += native / len(spoken)
        lang_matrix[ci, lidx["en"]] += 1.0 - native
    lang_share = country_share @ lang_matrix
    audience = {
        "countries": country_share.astype(np.float32),
        "age_bands": ages.astype(np.float32),
        "genders": genders.astype(np.float32),
        "languages": lang_share.astype(np.float32),
        "interests": interests.astype(np.float32),
    }
    # Rate cards (priced on the claimed followers, so fakes are overpriced), in the home currency.
    currency = [tx.COUNTRY_CURRENCY.get(countries[h], "EUR") for h in home_list]
    fx = np.array([_FX[c] for c in currency])
    quality = np.clip(er / np.maximum(_ER_BASE[None, :] * (np.maximum(followers, 1) / 10_000) ** -0.2, 1e-6), 0.3, 3)
    prices = np.full((n, P, len(tx.DELIVERABLES)), -1, dtype=np.int64)
    noise = np.exp(rng.normal(0, 0.3, (n, P)))
    for j, platform in enumerate(tx.PLATFORMS):
        for d in tx.PLATFORM_DELIVERABLES[platform]:
            per_k = _YOUTUBE_VIDEO_PER_K if (platform, d) == ("youtube", "video") else _PRICE_PER_K[d]
            major = per_k * (np.maximum(followers[:, j], 1) / 1000) ** 0.9 * noise[:, j] * quality[:, j] ** 0.3
            major = np.maximum(np.rint(major * fx / 5) * 5, 25)
            prices[:, j, tx.DELIVERABLES.index(d)] = np.where(on[:, j], (major * 100).astype(np.int64), -1)
    # Values, availability, posting frequency.
    brand = _brand_categories()
    prob = np.tile(np.array([_NO_GO_BASE[b] for b in brand]), (n, 1))
    for cat, boosts in _NO_GO_BOOST.items():
        has = (cats == catidx[cat]).any(axis=1)
        for b, extra_p in boosts.items():
            prob[has, brand.index(b)] += extra_p
    no_go = rng.random((n, len(brand))) < np.minimum(prob, 0.95)
    availability = rng.choice(3, size=n, p=[0.82, 0.12, 0.06]).astype(np.int8)
    available_in = np.where(availability == 2, rng.integers(14, 120, n), 0).astype(np.int16)
    posts = np.where(on, np.rint(_POSTS[None, :] * np.exp(rng.normal(0, 0.5, (n, P))) * 100), 0).astype(np.int32)
    # Names, handles, cities, descriptions.
    first = rng.integers(0, len(_FIRST), n)
    words = rng.integers(0, 8, (n, 6))
    adj = rng.integers(0, len(_ADJ), n)
    city_pick = rng.integers(0, 6, n)
    tag = "" if seed == DEFAULT_SEED else f"{seed}-"
    handles, names, bios, cities = [], [], [], []
    cat_names = tx.CATEGORIES
    for i in range(n):
        c0, c1, c2 = (int(x) for x in cats[i])
        topic0 = tx.TOPIC_WORDS[cat_names[c0]]
        wi = words[i]
        handle = f"{_FIRST[first[i]]}.{_slug(topic0[wi[0]])}.{tag}{i + 1}"
        city_list = _CITIES[countries[home_list[i]]]
        city = city_list[city_pick[i] % len(city_list)]
        text = (
            f"{_ADJ[adj[i]]} {cat_names[c0]} creator on {tx.PLATFORMS[main[i]]}: {topic0[wi[0]]}, {topic0[wi[1]]} "
            f"and {topic0[wi[2]]}"
        )
        if c1 >= 0:
            topic1 = tx.TOPIC_WORDS[cat_names[c1]]
            text += f", also {cat_names[c1]} ({topic1[wi[3]]}, {topic1[wi[4]]})"
        if c2 >= 0:
            text += f" and {cat_names[c2]} ({tx.TOPIC_WORDS[cat_names[c2]][wi[5]]})"
        handles.append(handle)
        names.append(f"{_FIRST[first[i]].capitalize()} {topic0[wi[0]].title()}")
        bios.append(f"{text}. Based in {city}.")
        cities.append(city)
    return GeneratedCatalog(
        seed=seed,
        n=n,
        handles=handles,
        names=names,
        bios=bios,
        country=home,
        city=cities,
        categories=cats,
        languages=languages,
        no_go=no_go,
        availability=availability,
        available_in_days=available_in,
        followers=followers,
        avg_views=views.astype(np.int64),
        engagement_bp=np.rint(er).astype(np.int32),
        growth_bp=np.rint(growth * 10_000).astype(np.int32),
        posts_per_week_x100=posts,
        audience=audience,
        prices=prices,
        currency=currency,
        fake=fake,
    )


def plant_matches(
    gen: GeneratedCatalog,
    *,
    rows: Sequence[int],
    countries: Sequence[str],
    age_bands: Sequence[str],
    categories: Sequence[str],
    platform: str = "instagram",
    followers: int = 60_000,
    seed: int = 0,
) -> None:
    """Overwrite ``rows`` with creators who plainly fit a campaign (the quality check's ground truth)."""
    rng = np.random.default_rng(seed)
    j = tx.PLATFORMS.index(platform)
    ci = [tx.COUNTRIES.index(c) for c in countries]
    ai = [tx.AGE_BANDS.index(a) for a in age_bands]
    ki = [tx.CATEGORIES.index(c) for c in categories]
    for r in rows:
        gen.fake[r] = False
        gen.followers[r] = 0
        gen.followers[r, j] = int(followers * rng.uniform(0.7, 1.5))
        f = gen.followers[r, j]
        gen.engagement_bp[r] = 0
        gen.engagement_bp[r, j] = round(_ER_BASE[j] * (f / 10_000) ** -0.2 * rng.uniform(1.2, 1.6))
        gen.avg_views[r] = 0
        gen.avg_views[r, j] = round(f * _VIEW_RATE[j] * rng.uniform(1.0, 1.3))
        gen.growth_bp[r] = 0
        gen.growth_bp[r, j] = 150
        country = np.full(len(tx.COUNTRIES), 0.02 / (len(tx.COUNTRIES) - len(ci)))
        country[ci] = 0.98 / len(ci)
        gen.audience["countries"][r] = country
        ages = np.full(len(tx.AGE_BANDS), 0.05 / (len(tx.AGE_BANDS) - len(ai)))
        ages[ai] = 0.95 / len(ai)
        gen.audience["age_bands"][r] = ages
        interests = np.full(C, 0.1 / (C - len(ki)))
        interests[ki] = 0.9 / len(ki)
        gen.audience["interests"][r] = interests
        lang = np.zeros(len(tx.LANGUAGES))
        home = countries[0]
        for spoken in tx.COUNTRY_LANGUAGES[home]:
            lang[tx.LANGUAGES.index(spoken)] += 0.8 / len(tx.COUNTRY_LANGUAGES[home])
        lang[tx.LANGUAGES.index("en")] += 0.2
        gen.audience["languages"][r] = lang
        gen.country[r] = tx.COUNTRIES.index(home)
        gen.categories[r] = [ki[0], ki[1] if len(ki) > 1 else -1, -1]
        gen.languages[r] = (tx.COUNTRY_LANGUAGES[home][0], "en")
        gen.no_go[r] = False
        gen.availability[r] = 0
        words = [w for c in categories for w in tx.TOPIC_WORDS[c][:4]]
        gen.bios[r] = f"{' and '.join(categories)} creator on {platform}: {', '.join(words)}. Based in {home}."
        gen.prices[r] = -1
        gen.prices[r, j, tx.DELIVERABLES.index(tx.PLATFORM_DELIVERABLES[platform][0])] = 30_000
        gen.currency[r] = "EUR"


def to_catalog(gen: GeneratedCatalog, *, currency: str = "EUR", embedder: Any = None, ids: I64 | None = None) -> Any:
    """The matching matrices straight from the arrays (no ORM): the benchmark's fast path."""
    from accord.matching import catalog as cat

    in_currency = np.array([c == currency for c in gen.currency])
    priced = np.where(gen.prices >= 0, gen.prices, np.iinfo(np.int64).max).min(axis=2)
    price = np.where((priced != np.iinfo(np.int64).max) & in_currency[:, None], priced, -1)
    lidx = cat.LANGUAGE_INDEX
    lang_bits = np.array([sum(1 << lidx[x] for x in langs) for langs in gen.languages], dtype=np.uint32)
    cat_bits = np.zeros(gen.n, dtype=np.uint32)
    for slot in range(3):
        valid = gen.categories[:, slot] >= 0
        cat_bits[valid] |= (np.uint32(1) << gen.categories[valid, slot].astype(np.uint32)).astype(np.uint32)
    no_go_bits = (gen.no_go.astype(np.uint32) << np.arange(gen.no_go.shape[1], dtype=np.uint32)).sum(
        axis=1, dtype=np.uint32
    )
    quality, authenticity, signals = cat.quality_and_signals(
        gen.followers,
        gen.avg_views,
        gen.engagement_bp,
        gen.growth_bp,
        gen.audience["countries"][:, tx.COUNTRIES.index("ZZ")].copy(),
        cat.language_mismatch(gen.audience["languages"], lang_bits),
    )
    if embedder is not None:
        embedder.fit(gen.bios)
        topic = embedder.embed(gen.bios)
    else:
        topic = np.zeros((gen.n, 1), dtype=np.float32)
    return cat.Catalog(
        ids=np.arange(1, gen.n + 1, dtype=np.int64) if ids is None else ids,
        currency=currency,
        followers=gen.followers,
        avg_views=gen.avg_views,
        engagement_bp=gen.engagement_bp,
        price=price.astype(np.int64),
        audience={k: np.ascontiguousarray(v.T) for k, v in gen.audience.items()},
        topic=topic,
        categories=cat_bits,
        languages=lang_bits,
        country=gen.country.astype(np.int16),
        no_go=no_go_bits,
        available=gen.availability != 2,
        engagement_quality=quality,
        authenticity=authenticity,
        signals=signals,
        embedder=embedder,
    )


def _audience_dict(gen: GeneratedCatalog, i: int, rng: np.random.Generator) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for dimension, keys in tx.DIMENSIONS.items():
        row = gen.audience[dimension][i]
        out[dimension] = {k: round(float(v), 4) for k, v in zip(keys, row.tolist(), strict=True) if v >= 0.0005}
    home = tx.COUNTRIES[int(gen.country[i])]
    home_share = float(gen.audience["countries"][i][int(gen.country[i])])
    cities = _CITIES[home]
    split = rng.dirichlet(np.ones(len(cities)) * 1.5) * home_share * 0.7
    out["cities"] = {c: round(float(s), 4) for c, s in zip(cities, split.tolist(), strict=True) if s >= 0.001}
    return out


def seed_demo_creators(count: int, *, seed: int, progress: Callable[[int], Any] | None = None) -> int:
    """Create ``count`` creator organizations with an owner, a profile, channels, audiences and a rate card.

    Owners log in as ``<handle>@creator.localhost`` with the demo password (hashed once, reused). Creators whose
    e-mail already exists are skipped, so running it twice adds nothing. Returns how many were created.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accord.accounts.models import Membership, Organization, Role, User
    from accord.core import clock
    from accord.creators.models import Availability, Channel, CreatorProfile, RateCardItem

    gen = generate(count, seed=seed)
    password = make_password(DEMO_PASSWORD)
    now = clock.now()
    today = clock.today()
    rng = np.random.default_rng(seed + 1)
    brand = _brand_categories()
    availability_values = (Availability.OPEN, Availability.LIMITED, Availability.UNAVAILABLE)
    created = 0
    batch = 500
    for start in range(0, count, batch):
        rows = range(start, min(start + batch, count))
        emails = {i: f"{gen.handles[i]}@creator.localhost".lower() for i in rows}
        taken = set(User.objects.filter(email__in=list(emails.values())).values_list("email", flat=True))
        todo = [i for i in rows if emails[i] not in taken]
        with transaction.atomic():
            users = User.objects.bulk_create(
                [User(email=emails[i], name=gen.names[i], password=password, date_joined=now) for i in todo]
            )
            orgs = Organization.objects.bulk_create(
                [
                    Organization(
                        name=gen.names[i],
                        slug=f"creator-{gen.handles[i]}"[:80].lower(),
                        kind=Organization.Kind.CREATOR,
                        country=tx.COUNTRIES[int(gen.country[i])],
                        default_currency=gen.currency[i],
                        created_at=now,
                    )
                    for i in todo
                ]
            )
            Membership.objects.bulk_create(
                [
                    Membership(user=u, organization=o, role=Role.OWNER, created_at=now)
                    for u, o in zip(users, orgs, strict=True)
                ]
            )
            profiles = CreatorProfile.objects.bulk_create(
                [
                    CreatorProfile(
                        organization=o,
                        display_name=gen.names[i],
                        bio=gen.bios[i],
                        categories=[tx.CATEGORIES[int(c)] for c in gen.categories[i] if c >= 0],
                        languages=list(gen.languages[i]),
                        country=tx.COUNTRIES[int(gen.country[i])],
                        city=gen.city[i],
                        no_go_categories=[
                            b for b, refused in zip(brand, gen.no_go[i].tolist(), strict=True) if refused
                        ],
                        availability=availability_values[int(gen.availability[i])],
                        available_from=(today + timedelta(days=int(gen.available_in_days[i])))
                        if gen.availability[i] == 2
                        else None,
                        created_at=now,
                        updated_at=now,
                    )
                    for i, o in zip(todo, orgs, strict=True)
                ]
            )
            channels: list[Channel] = []
            rates: list[RateCardItem] = []
            for i, o, prof in zip(todo, orgs, profiles, strict=True):
                audience = _audience_dict(gen, i, rng)
                for j, platform in enumerate(tx.PLATFORMS):
                    if gen.followers[i, j] <= 0:
                        continue
                    channels.append(
                        Channel(
                            profile=prof,
                            organization=o,
                            platform=platform,
                            handle=gen.handles[i],
                            followers=int(gen.followers[i, j]),
                            avg_views=int(gen.avg_views[i, j]),
                            engagement_rate_bp=int(gen.engagement_bp[i, j]),
                            posts_per_week=Decimal(int(gen.posts_per_week_x100[i, j])) / 100,
                            follower_growth_30d_bp=int(gen.growth_bp[i, j]),
                            audience=audience,
                            audience_source=Channel.AudienceSource.GENERATED,
                            audience_refreshed_at=now - timedelta(days=int(rng.integers(0, 60))),
                            created_at=now,
                        )
                    )
                    for d, deliverable in enumerate(tx.DELIVERABLES):
                        amount = int(gen.prices[i, j, d])
                        if amount >= 0:
                            rates.append(
                                RateCardItem(
                                    profile=prof,
                                    organization=o,
                                    platform=platform,
                                    deliverable=deliverable,
                                    price=amount,
                                    currency=gen.currency[i],
                                )
                            )
            Channel.objects.bulk_create(channels)
            RateCardItem.objects.bulk_create(rates)
        created += len(todo)
        if progress is not None:
            progress(min(start + batch, count))
    return created
