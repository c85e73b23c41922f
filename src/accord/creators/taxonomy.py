"""The fixed vocabularies of the creator catalog: platforms, deliverables, audience dimensions and their keys.

Plain data, no Django: the generator, the import validation and the matching matrices all index into these tuples, so
a column ``j`` of an audience matrix always means ``DIMENSIONS[dim][j]``.
"""

from __future__ import annotations

PLATFORMS: tuple[str, ...] = ("instagram", "tiktok", "youtube", "twitch")
DELIVERABLES: tuple[str, ...] = ("post", "story", "reel", "video", "short", "stream")
# Which deliverables each platform offers (a rate card only prices these pairs).
PLATFORM_DELIVERABLES: dict[str, tuple[str, ...]] = {
    "instagram": ("post", "story", "reel"),
    "tiktok": ("video",),
    "youtube": ("video", "short"),
    "twitch": ("stream",),
}

CATEGORIES: tuple[str, ...] = (
    "outdoor",
    "travel",
    "sports",
    "fitness",
    "beauty",
    "fashion",
    "wellness",
    "food",
    "lifestyle",
    "parenting",
    "home",
    "gaming",
    "tech",
    "finance",
    "music",
    "comedy",
    "education",
    "pets",
    "automotive",
    "sustainability",
)

AGE_BANDS: tuple[str, ...] = ("13-17", "18-24", "25-34", "35-44", "45-54", "55+")
GENDERS: tuple[str, ...] = ("female", "male", "other")
# "ZZ" collects audience whose location is unknown or outside the listed markets.
COUNTRIES: tuple[str, ...] = (
    "NL",
    "BE",
    "DE",
    "FR",
    "ES",
    "IT",
    "PT",
    "AT",
    "CH",
    "PL",
    "SE",
    "DK",
    "NO",
    "FI",
    "IE",
    "GB",
    "US",
    "CA",
    "BR",
    "ZZ",
)
LANGUAGES: tuple[str, ...] = ("en", "nl", "de", "fr", "es", "it", "pt", "pl", "sv", "da", "no", "fi", "other")
INTERESTS: tuple[str, ...] = CATEGORIES

# The audience dimensions that matching understands (cities are stored and shown, not matched).
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "countries": COUNTRIES,
    "age_bands": AGE_BANDS,
    "genders": GENDERS,
    "languages": LANGUAGES,
    "interests": INTERESTS,
}
AUDIENCE_KEYS: tuple[str, ...] = (*DIMENSIONS, "cities")

# Main language(s) spoken per market, used by the generator and the authenticity check.
COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "NL": ("nl",),
    "BE": ("nl", "fr"),
    "DE": ("de",),
    "FR": ("fr",),
    "ES": ("es",),
    "IT": ("it",),
    "PT": ("pt",),
    "AT": ("de",),
    "CH": ("de", "fr", "it"),
    "PL": ("pl",),
    "SE": ("sv",),
    "DK": ("da",),
    "NO": ("no",),
    "FI": ("fi",),
    "IE": ("en",),
    "GB": ("en",),
    "US": ("en",),
    "CA": ("en", "fr"),
    "BR": ("pt",),
    "ZZ": ("other",),
}
COUNTRY_CURRENCY: dict[str, str] = {"GB": "GBP", "US": "USD", "CA": "CAD", "BR": "BRL", "CH": "CHF", "PL": "PLN",
                                    "SE": "SEK", "DK": "DKK", "NO": "NOK"}  # fmt: skip
REGIONS: dict[str, tuple[str, ...]] = {
    "benelux": ("NL", "BE"),
    "dach": ("DE", "AT", "CH"),
    "south": ("FR", "ES", "IT", "PT"),
    "nordics": ("SE", "DK", "NO", "FI"),
    "anglo": ("GB", "IE", "US", "CA"),
    "east": ("PL",),
    "latam": ("BR",),
}
COUNTRY_REGION: dict[str, str] = {c: r for r, cs in REGIONS.items() for c in cs}
# Social media users per market, millions (rounded public estimates); used by the unique-reach model.
SOCIAL_USERS_M: dict[str, float] = {
    "NL": 15.0, "BE": 9.5, "DE": 70.0, "FR": 52.0, "ES": 40.0, "IT": 43.0, "PT": 8.5, "AT": 7.5, "CH": 7.5,
    "PL": 28.0, "SE": 9.0, "DK": 5.2, "NO": 4.8, "FI": 4.7, "IE": 4.0, "GB": 57.0, "US": 245.0, "CA": 33.0,
    "BR": 145.0, "ZZ": 3000.0,
}  # fmt: skip

# Topic vocabulary per content category: the generator writes descriptions from it, and it anchors the text model.
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "outdoor": ("hiking", "camping", "trails", "mountains", "backpacking", "climbing", "wilderness", "gear"),
    "travel": ("travel", "city trips", "road trips", "hotels", "destinations", "backpacking", "flights", "islands"),
    "sports": ("football", "cycling", "running", "tennis", "match analysis", "athletes", "training", "marathon"),
    "fitness": ("workouts", "gym", "strength training", "yoga", "HIIT", "running", "mobility", "protein"),
    "beauty": ("skincare", "makeup", "serums", "haircare", "glow", "cosmetics", "nails", "routine"),
    "fashion": ("outfits", "streetwear", "styling", "vintage", "sneakers", "lookbook", "wardrobe", "designer"),
    "wellness": ("mindfulness", "sleep", "meditation", "self-care", "skincare", "mental health", "yoga", "balance"),
    "food": ("recipes", "cooking", "baking", "restaurants", "vegan", "street food", "coffee", "meal prep"),
    "lifestyle": ("daily vlogs", "home", "city life", "routines", "coffee", "friends", "weekend", "inspiration"),
    "parenting": ("parenting", "toddlers", "family", "pregnancy", "kids activities", "school", "mom life", "dad"),
    "home": ("interior", "diy", "renovation", "plants", "decor", "furniture", "gardening", "organizing"),
    "gaming": ("gaming", "esports", "let's play", "streams", "consoles", "pc builds", "speedruns", "indie games"),
    "tech": ("gadgets", "smartphones", "reviews", "pc builds", "ai", "coding", "unboxing", "smart home"),
    "finance": ("investing", "budgeting", "saving", "personal finance", "stocks", "pensions", "side hustle", "money"),
    "music": ("covers", "guitar", "producing", "concerts", "playlists", "singing", "beats", "festival"),
    "comedy": ("sketches", "pranks", "stand-up", "memes", "parody", "funny", "skits", "reactions"),
    "education": ("science", "history", "explainers", "languages", "study tips", "math", "learning", "books"),
    "pets": ("dogs", "cats", "puppies", "pet care", "training", "adoption", "animals", "vet tips"),
    "automotive": ("cars", "motorsport", "ev", "road trips", "car reviews", "tuning", "motorbikes", "detailing"),
    "sustainability": ("zero waste", "sustainable", "second hand", "climate", "upcycling", "vegan", "eco", "repair"),
}


def index(dimension: str) -> dict[str, int]:
    return {key: i for i, key in enumerate(DIMENSIONS[dimension])}
