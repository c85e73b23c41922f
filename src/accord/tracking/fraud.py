"""Fraud rules (pure). Each returns a reason string when the fact looks fraudulent, else None.

A flagged fact is kept, excluded from counts and accruals, and shows its reason; an operator may clear the flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

CLICK_BURST = "click_burst"
NO_CLICK = "no_click"
SELF_PURCHASE = "self_purchase"
METRIC_JUMP = "metric_jump"
LEAKED_CODE = "leaked_code"
RULES = (CLICK_BURST, NO_CLICK, SELF_PURCHASE, METRIC_JUMP, LEAKED_CODE)


@dataclass(frozen=True)
class Thresholds:
    burst_window: timedelta = timedelta(minutes=1)
    burst_clicks: int = 20  # clicks on one link from one IP hash within burst_window
    leak_min_conversions: int = 10
    leak_max_rate: float = 0.5  # code conversions per counted click above this means the code circulates elsewhere
    jump_min_views: int = 50_000
    jump_factor: int = 20  # growth beyond this multiple of the previous value within jump_window
    jump_window: timedelta = timedelta(hours=24)


DEFAULT = Thresholds()


def click_burst(recent_clicks: int, t: Thresholds = DEFAULT) -> str | None:
    """``recent_clicks``: earlier clicks on the same link from the same IP hash within the burst window."""
    if recent_clicks >= t.burst_clicks:
        return f"{recent_clicks + 1} clicks from one visitor within {int(t.burst_window.total_seconds())} s"
    return None


def no_click(has_code: bool, has_click: bool) -> str | None:
    if not has_code and not has_click:
        return "conversion with neither a tracked click nor a promo code"
    return None


def self_purchase(buyer_email_hash: str, creator_email_hashes: set[str]) -> str | None:
    if buyer_email_hash and buyer_email_hash in creator_email_hashes:
        return "the buyer's e-mail belongs to a member of the creator organization"
    return None


def leaked_code(code_conversions: int, counted_clicks: int, t: Thresholds = DEFAULT) -> str | None:
    """``code_conversions`` include the one being judged; both counts cover the same trailing window."""
    if code_conversions >= t.leak_min_conversions and code_conversions > counted_clicks * t.leak_max_rate:
        return (
            f"{code_conversions} code conversions against {counted_clicks} counted clicks: "
            "the code appears to circulate outside the creator's audience"
        )
    return None


def metric_jump(
    previous: int | None, current: int, elapsed: timedelta, kpi: str, t: Thresholds = DEFAULT
) -> str | None:
    """Cumulative post counters: a decrease or an implausible jump within the window is flagged."""
    if previous is None:
        return None
    if current < previous:
        return f"{kpi} went down from {previous} to {current}"
    growth = current - previous
    if elapsed <= t.jump_window and growth >= t.jump_min_views and growth > max(previous, 1) * t.jump_factor:
        return f"{kpi} grew by {growth} within {elapsed} (more than {t.jump_factor}x)"
    return None
