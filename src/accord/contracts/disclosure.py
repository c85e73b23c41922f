"""Ad-disclosure check on submitted captions. Pure; the per-country lists can be overridden in settings.

Markers are matched case-insensitively as whole tokens: ``#ad`` matches "#ad" and "#AD," but not "#adventure";
phrases ("paid partnership") match with any whitespace between their words. A country's list adds to the markers
that are accepted everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

UNIVERSAL: tuple[str, ...] = ("#ad", "#sponsored", "paid partnership", "#paidpartnership", "#advertisement")
BY_COUNTRY: dict[str, tuple[str, ...]] = {
    "NL": ("#advertentie", "#adv", "#reclame", "betaalde samenwerking", "#gesponsord"),
    "BE": ("#advertentie", "#reclame", "#publicité", "#pub", "#sponsorisé", "betaalde samenwerking"),
    "DE": ("#werbung", "#anzeige", "bezahlte partnerschaft"),
    "AT": ("#werbung", "#anzeige", "bezahlte partnerschaft"),
    "CH": ("#werbung", "#anzeige", "#publicité"),
    "FR": ("#publicité", "#pub", "#sponsorisé", "partenariat rémunéré"),
    "ES": ("#publicidad", "#patrocinado", "colaboración pagada"),
    "IT": ("#pubblicità", "#adv", "#sponsorizzato", "partnership retribuita"),
    "PT": ("#publicidade", "#patrocinado", "parceria paga"),
    "PL": ("#reklama", "#współpraca", "płatna współpraca"),
    "SE": ("#reklam", "#annons", "betalt partnerskap"),
    "DK": ("#reklame", "#annonce", "betalt partnerskab"),
    "NO": ("#reklame", "#annonse", "betalt partnerskap"),
    "FI": ("#mainos", "#kaupallinenyhteistyö", "kaupallinen yhteistyö"),
    "GB": ("#advert", "#advertisement feature"),
    "IE": ("#advert",),
    "US": ("#partner", "#brandpartner"),
}


@dataclass(frozen=True)
class DisclosureResult:
    ok: bool
    found: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    country: str | None = None

    @property
    def message(self) -> str:
        if self.ok:
            return f"ad disclosure present: {', '.join(self.found)}"
        where = f" for {self.country}" if self.country else ""
        return f"no ad disclosure found{where}; add one of: {', '.join(self.accepted)}"


def markers(country: str | None, overrides: dict[str, list[str]] | None = None) -> list[str]:
    table: dict[str, tuple[str, ...] | list[str]] = {**BY_COUNTRY, **(overrides or {})}
    universal = list((overrides or {}).get("*", UNIVERSAL))
    local = list(table.get((country or "").upper(), ()))
    return list(dict.fromkeys(local + universal))


def _pattern(marker: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in marker.split()]
    return re.compile(r"(?<![\w#])" + r"\s+".join(words) + r"(?![\w])", flags=re.IGNORECASE)


def check(caption: str, country: str | None = None, overrides: dict[str, list[str]] | None = None) -> DisclosureResult:
    accepted = markers(country, overrides)
    found = [m for m in accepted if _pattern(m).search(caption or "")]
    return DisclosureResult(bool(found), found, accepted, (country or "").upper() or None)
