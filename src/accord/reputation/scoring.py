"""Reputation figures and the trust score, as pure functions over plain observations (no Django models).

An observation is one kept-or-broken promise (a commitment met or missed, a first-round approval or not, a dispute
won or lost). Recent behaviour weighs more: an observation's weight halves every ``HALF_LIFE_DAYS``. The trust score
is a weighted success rate shrunk towards a neutral prior (``PRIOR`` with the weight of ``PRIOR_WEIGHT``
observations), so a short history can never read as a perfect score; below ``MIN_POINTS`` observations there is no
score at all, only "not enough history". Explanations are in the active language (Django's gettext; no models).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

HALF_LIFE_DAYS = 180.0
PRIOR = 0.75
PRIOR_WEIGHT = 4.0
MIN_POINTS = 3
DISPUTE_WEIGHT = 2.0  # a lost dispute counts as two broken promises


@dataclass(frozen=True)
class Observation:
    kind: str  # e.g. "on_time_delivery", "first_round_approval", "on_time_funding", "dispute"
    ok: bool
    at: datetime
    weight: float = 1.0


@dataclass(frozen=True)
class Rate:
    name: str
    ok: int
    total: int
    rate: float | None  # plain share, None without data
    weighted_rate: float | None  # recency-weighted share

    @property
    def label(self) -> str:
        if self.total == 0:
            return _("no data yet")
        pct = round(100 * (self.rate or 0.0))
        return _("%(pct)s%% (%(ok)s of %(total)s)") % {"pct": pct, "ok": self.ok, "total": self.total}


def recency_weight(at: datetime, now: datetime, half_life_days: float = HALF_LIFE_DAYS) -> float:
    age_days = max((now - at).total_seconds() / 86_400, 0.0)
    return float(0.5 ** (age_days / half_life_days))


def rate(name: str, observations: Iterable[Observation], now: datetime) -> Rate:
    obs = [o for o in observations if o.kind == name]
    if not obs:
        return Rate(name, 0, 0, None, None)
    ok = sum(1 for o in obs if o.ok)
    weights = [recency_weight(o.at, now) * o.weight for o in obs]
    total_w = sum(weights)
    ok_w = sum(w for o, w in zip(obs, weights, strict=True) if o.ok)
    return Rate(name, ok, len(obs), ok / len(obs), ok_w / total_w if total_w else None)


@dataclass(frozen=True)
class Trust:
    score: int | None  # 0–100, None with fewer than MIN_POINTS observations
    confidence: str  # "none", "low", "medium", "high"
    data_points: int
    rates: dict[str, Rate]
    explanation: list[str] = field(default_factory=list)


def confidence(points: int) -> str:
    if points < MIN_POINTS:
        return "none"
    if points < 10:
        return "low"
    if points < 30:
        return "medium"
    return "high"


LABELS = {
    "on_time_delivery": gettext_lazy("on-time delivery"),
    "first_round_approval": gettext_lazy("approved in the first round"),
    "on_time_funding": gettext_lazy("milestones funded on time"),
    "on_time_review": gettext_lazy("reviews on time"),
    "on_time_payment": gettext_lazy("paid within the review window"),
    "dispute": gettext_lazy("disputes decided in their favour"),
    "dispute_response": gettext_lazy("dispute responses on time"),
}
# A context of their own: Dutch inflects these with the noun they qualify ("lage betrouwbaarheid"), unlike the
# forecast scenarios that share the English words.
CONFIDENCE_LABELS = {
    "none": pgettext_lazy("trust confidence", "no"),
    "low": pgettext_lazy("trust confidence", "low"),
    "medium": pgettext_lazy("trust confidence", "medium"),
    "high": pgettext_lazy("trust confidence", "high"),
}


def trust(observations: Sequence[Observation], now: datetime) -> Trust:
    """The trust score with its explanation: one line per figure, and why the score is what it is."""
    names = sorted({o.kind for o in observations}, key=lambda n: list(LABELS).index(n) if n in LABELS else 99)
    rates = {n: rate(n, observations, now) for n in names}
    points = len(observations)
    level = confidence(points)
    lines = [f"{LABELS.get(n, n)}: {r.label}" for n, r in rates.items()]
    if points < MIN_POINTS:
        lines.insert(
            0,
            ngettext(
                "Not enough history yet: %(n)s data point (a score needs %(min)s).",
                "Not enough history yet: %(n)s data points (a score needs %(min)s).",
                points,
            )
            % {"n": points, "min": MIN_POINTS},
        )
        return Trust(None, level, points, rates, lines)
    weights = [recency_weight(o.at, now) * o.weight for o in observations]
    ok_w = sum(w for o, w in zip(observations, weights, strict=True) if o.ok)
    total_w = sum(weights)
    score = (PRIOR * PRIOR_WEIGHT + ok_w) / (PRIOR_WEIGHT + total_w)
    value = round(100 * score)
    broken = sum(1 for o in observations if not o.ok)
    lines.insert(
        0,
        _(
            "Score %(value)s/100 from %(points)s data points (%(broken)s broken), recent ones weighing more "
            "(half-life %(days)s days); %(level)s confidence."
        )
        % {
            "value": value,
            "points": points,
            "broken": broken,
            "days": int(HALF_LIFE_DAYS),
            "level": CONFIDENCE_LABELS.get(level, level),
        },
    )
    if points < 10:
        lines.insert(1, _("Few data points: the score is pulled towards a neutral 75 until more history exists."))
    return Trust(value, level, points, rates, lines)
