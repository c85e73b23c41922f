"""Creator tiers and rate suggestions, as pure functions and data (no Django models).

A tier is reached by completed collaborations, the on-time delivery rate and performance against forecast
(delivered impressions / forecast impressions; None when there is no tracking data yet). Each tier's benefits are
data — commission lock window, payout frequency, platform fee — applied to NEW contracts only, by
``accord.reputation.tiers.benefits_for_new_contract``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Benefits:
    commission_lock_days: int
    payout_frequency: str  # accord.payouts schedule frequency
    platform_fee_bps: int


@dataclass(frozen=True)
class Tier:
    name: str
    min_completed: int
    min_on_time: float
    min_performance: float | None  # None: not required
    benefits: Benefits


TIERS: tuple[Tier, ...] = (
    Tier("new", 0, 0.0, None, Benefits(90, "monthly", 1000)),  # 90 days: the longest window terms allow (no cap)
    Tier("rising", 3, 0.80, None, Benefits(14, "biweekly", 900)),
    Tier("trusted", 10, 0.90, 0.90, Benefits(7, "weekly", 800)),
    Tier("top", 25, 0.95, 1.10, Benefits(7, "weekly", 700)),
)
TIER_NAMES = tuple(t.name for t in TIERS)


@dataclass(frozen=True)
class TierInputs:
    completed: int
    on_time_rate: float | None
    performance: float | None


@dataclass(frozen=True)
class TierResult:
    tier: Tier
    reasons: list[str]
    next_tier: Tier | None
    missing: list[str]  # what the next tier still needs


def _meets(t: Tier, x: TierInputs) -> list[str]:
    """What ``x`` lacks for tier ``t`` (empty: it qualifies)."""
    lacks = []
    if x.completed < t.min_completed:
        lacks.append(_("%(n)s completed collaborations (has %(has)s)") % {"n": t.min_completed, "has": x.completed})
    if t.min_on_time > 0 and (x.on_time_rate is None or x.on_time_rate < t.min_on_time):
        have = _("no data") if x.on_time_rate is None else f"{x.on_time_rate:.0%}"
        lacks.append(_("%(rate)s on-time delivery (has %(has)s)") % {"rate": f"{t.min_on_time:.0%}", "has": have})
    if t.min_performance is not None and (x.performance is None or x.performance < t.min_performance):
        have = _("no data") if x.performance is None else f"{x.performance:.2f}×"
        lacks.append(
            _("%(factor)s forecast performance (has %(has)s)") % {"factor": f"{t.min_performance:.2f}×", "has": have}
        )
    return lacks


def tier_for(x: TierInputs) -> TierResult:
    reached = TIERS[0]
    for t in TIERS:
        if not _meets(t, x):
            reached = t
        else:
            break
    idx = TIERS.index(reached)
    nxt = TIERS[idx + 1] if idx + 1 < len(TIERS) else None
    reasons = [_("%(n)s completed collaborations") % {"n": x.completed}]
    if x.on_time_rate is not None:
        reasons.append(_("%(rate)s on-time delivery") % {"rate": f"{x.on_time_rate:.0%}"})
    if x.performance is not None:
        reasons.append(_("%(factor)s forecast performance") % {"factor": f"{x.performance:.2f}×"})
    return TierResult(reached, reasons, nxt, _meets(nxt, x) if nxt else [])


# -- rate suggestions ----------------------------------------------------------------------------------------------

SIZE_BUCKETS = (0, 10_000, 50_000, 250_000, 1_000_000)  # followers: nano, micro, mid, macro, mega
MIN_PEERS = 3
BEAT_MARGIN = Decimal("0.8")  # suggest when the creator's CPM is below 80 % of the market's
MAX_RAISE = Decimal("1.5")


def size_bucket(followers: int) -> int:
    return max(i for i, low in enumerate(SIZE_BUCKETS) if followers >= low)


@dataclass(frozen=True)
class Delivered:
    creator_id: int
    followers: int
    paid: int  # minor units paid for the delivered posts
    impressions: int

    @property
    def cpm(self) -> Decimal | None:
        """Cost per thousand impressions, minor units (None without impressions)."""
        return Decimal(self.paid) * 1000 / Decimal(self.impressions) if self.impressions > 0 else None


@dataclass(frozen=True)
class Suggestion:
    creator_id: int
    current_price: int
    suggested_price: int
    creator_cpm: Decimal
    market_cpm: Decimal
    peers: int
    bucket: int
    explanation: str


def _median(values: list[Decimal]) -> Decimal:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def suggest_rate(
    me: Delivered, peers: list[Delivered], current_price: int, money: Callable[[int], str] = str
) -> Suggestion | None:
    """A higher price when the creator delivers impressions cheaper than the market for their size.

    Market = the median CPM of at least ``MIN_PEERS`` other creators in the same follower bucket. Suggested price =
    current price × market CPM / creator CPM, capped at +50 %, rounded half-even to the minor unit. ``money``
    writes an amount of minor units for people (the caller knows the currency).
    """
    mine = me.cpm
    if mine is None or mine <= 0 or current_price <= 0:
        return None
    bucket = size_bucket(me.followers)
    cpms = [c for p in peers if p.creator_id != me.creator_id and size_bucket(p.followers) == bucket if (c := p.cpm)]
    if len(cpms) < MIN_PEERS:
        return None
    market = _median(cpms)
    if mine >= market * BEAT_MARGIN:
        return None
    factor = min(market / mine, MAX_RAISE)
    price = int((Decimal(current_price) * factor).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    explanation = _(
        "You delivered %(impressions)s impressions for %(paid)s (CPM %(cpm)s); creators of your size "
        "(%(peers)s peers) cost a median CPM of %(market)s. At the market CPM your current price of %(price)s "
        "would be %(suggested)s."
    ) % {
        "impressions": number_format(me.impressions, force_grouping=True),
        "paid": money(me.paid),
        "cpm": money(int(mine)),
        "peers": len(cpms),
        "market": money(int(market)),
        "price": money(current_price),
        "suggested": money(price),
    }
    if factor == MAX_RAISE:
        explanation += " " + _("The suggestion is capped at one and a half times the current price.")
    return Suggestion(me.creator_id, current_price, price, mine, market, len(cpms), bucket, explanation)
