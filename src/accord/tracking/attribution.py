"""Attribution (pure): which creator, link and code a sale belongs to.

Promo code first; else the last counted click within the window (default 30 days). A sale that used a creator's
link and code counts once: the result names one creator, and the click is kept only when it is that creator's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class CodeCandidate:
    code_id: int
    creator_id: int
    campaign_id: int
    link_id: int | None = None


@dataclass(frozen=True)
class ClickCandidate:
    click_id: int
    at: datetime
    link_id: int
    creator_id: int
    campaign_id: int
    counted: bool = True
    excluded: bool = False


@dataclass(frozen=True)
class Attribution:
    method: str  # "code" | "click" | "none"
    creator_id: int | None = None
    campaign_id: int | None = None
    link_id: int | None = None
    code_id: int | None = None
    click_id: int | None = None

    @property
    def attributed(self) -> bool:
        return self.method != "none"


NONE = Attribution("none")


def eligible_click(click: ClickCandidate, at: datetime, window: timedelta = DEFAULT_WINDOW) -> bool:
    """A click counts when it was counted, is not excluded, and happened within ``window`` before the sale."""
    return click.counted and not click.excluded and at - window <= click.at <= at


def last_click(
    clicks: Sequence[ClickCandidate], at: datetime, window: timedelta = DEFAULT_WINDOW
) -> ClickCandidate | None:
    best: ClickCandidate | None = None
    for click in clicks:
        if eligible_click(click, at, window) and (
            best is None or (click.at, click.click_id) > (best.at, best.click_id)
        ):
            best = click
    return best


def attribute(
    at: datetime,
    codes: Sequence[CodeCandidate],
    clicks: Sequence[ClickCandidate],
    window: timedelta = DEFAULT_WINDOW,
) -> Attribution:
    """Attribute a sale at ``at``: the first matching promo code wins, else the last eligible click."""
    click = last_click(clicks, at, window)
    if codes:
        code = codes[0]
        same_creator = (
            click is not None and click.creator_id == code.creator_id and click.campaign_id == code.campaign_id
        )
        return Attribution(
            "code",
            creator_id=code.creator_id,
            campaign_id=code.campaign_id,
            link_id=click.link_id if same_creator and click else code.link_id,
            code_id=code.code_id,
            click_id=click.click_id if same_creator and click else None,
        )
    if click is not None:
        return Attribution(
            "click",
            creator_id=click.creator_id,
            campaign_id=click.campaign_id,
            link_id=click.link_id,
            click_id=click.click_id,
        )
    return NONE
