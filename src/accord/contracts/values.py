"""The values check: a creator's no-go categories against a campaign's brand categories and its brief. Pure.

A conflict names what clashes (``"alcohol: the campaign is in the brand category alcohol"`` or ``"gambling: the
brief mentions 'casino'"``), so the message shown when sending is blocked tells both sides exactly why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext

# Words in a brief that put it in a sensitive category even when the brand did not tick that category.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "alcohol": (
        "alcohol",
        "beer",
        "wine",
        "whisky",
        "whiskey",
        "vodka",
        "gin",
        "liquor",
        "spirits",
        "cocktail",
        "brewery",
        "bier",
        "wijn",
    ),
    "gambling": ("gambling", "casino", "betting", "sportsbook", "poker", "slots", "lottery", "gokken"),
    "tobacco": ("tobacco", "cigarette", "cigar", "vape", "vaping", "e-cigarette", "nicotine", "tabak"),
    "fast_fashion": ("fast fashion", "haul"),
    "crypto": ("crypto", "cryptocurrency", "bitcoin", "ethereum", "nft", "token sale", "forex", "trading app"),
    "fossil_fuels": ("oil and gas", "petrol", "fossil", "coal"),
    "weapons": ("weapon", "firearm", "gun", "ammunition", "rifle"),
    "adult": ("adult content", "onlyfans", "xxx"),
    "pharma": ("pharmaceutical", "prescription", "medication", "supplement pill"),
    "fast_food": ("fast food", "burger chain", "fried chicken"),
    "politics": ("election", "political party", "vote for", "campaign rally"),
    "animal_testing": ("animal testing", "tested on animals"),
}


@dataclass(frozen=True)
class Conflict:
    category: str
    reason: str

    def __str__(self) -> str:
        return f"{self.category}: {self.reason}"


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, flags=re.IGNORECASE) is not None


def conflicts(no_go: list[str], brand_categories: list[str], brief: str) -> list[Conflict]:
    """Every clash between the creator's refusals and the campaign; empty when the collaboration may proceed."""
    found: list[Conflict] = []
    refused = sorted({c.strip().lower() for c in no_go if c and c.strip()})
    declared = {c.strip().lower() for c in brand_categories if c}
    for category in refused:
        if category in declared:
            found.append(
                Conflict(
                    category, gettext("the campaign is in the brand category %(category)s") % {"category": category}
                )
            )
            continue
        words = KEYWORDS.get(category, (category.replace("_", " "),))
        hit = next((w for w in words if _mentions(brief, w)), None)
        if hit is not None:
            found.append(Conflict(category, gettext("the brief mentions %(word)r") % {"word": hit}))
    return found


def message(found: list[Conflict], creator: str) -> str:
    reasons = "; ".join(str(c) for c in found)
    return gettext("values conflict: %(creator)s does not work with %(reasons)s") % {
        "creator": creator,
        "reasons": reasons,
    }
