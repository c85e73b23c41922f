"""The brand dashboard's performance panel: a campaign's daily figures drawn with ``accord.web.charts``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accord.campaigns.models import Campaign
from accord.contracts.templatetags.contract_tags import money
from accord.web import charts
from accord.web.charts import Number, Reference, Series
from accord.web.performance import Performance, campaign_performance


@dataclass(frozen=True)
class Panel:
    perf: Performance
    traffic: SafeString
    views: SafeString
    spend: SafeString
    roas: SafeString
    empty: bool


def ratio(value: Number) -> str:
    return number_format(value, decimal_pos=2, use_l10n=True) + "×"


def panel(campaign: Campaign) -> Panel:
    perf = campaign_performance(campaign)
    days = perf.days
    currency = campaign.currency
    uid = f"c{campaign.pk}"
    heading = _("Day")
    traffic = charts.time_chart(
        [
            Series(_("Clicks"), [(d.day, d.clicks) for d in days]),
            Series(_("Conversions"), [(d.day, d.conversions) for d in days]),
        ],
        title=_("Clicks and conversions per day"),
        uid=f"{uid}-traffic",
        x_heading=heading,
    )
    views = charts.time_chart(
        [Series(_("Views"), [(d.day, d.views) for d in days], kind="area")],
        title=_("Views per day"),
        uid=f"{uid}-views",
        x_heading=heading,
    )
    spend = charts.time_chart(
        [Series(_("Spent to date"), [(d.day, d.spend_to_date) for d in days], kind="area")],
        title=_("Spend against budget"),
        uid=f"{uid}-spend",
        references=[Reference(_("Budget"), campaign.budget)] if campaign.budget else [],
        fmt_y=lambda v: money(int(v), currency),
        x_heading=heading,
    )
    roas_points: list[tuple[object, Number]] = [(d.day, d.roas_to_date) for d in days if d.roas_to_date is not None]
    roas = charts.time_chart(
        [Series(_("ROAS to date"), roas_points)],
        title=_("Return on ad spend (net revenue ÷ spend) to date"),
        uid=f"{uid}-roas",
        references=[Reference(_("Break-even"), Decimal(1))] if roas_points else [],
        fmt_y=ratio,
        x_heading=heading,
        empty_text=_("Nothing spent yet"),
        integer=False,
    )
    empty = not any(d.clicks or d.views or d.conversions or d.spend for d in days)
    return Panel(
        perf,
        mark_safe(traffic.html()),  # noqa: S308 - charts escape every text they draw
        mark_safe(views.html()),  # noqa: S308
        mark_safe(spend.html()),  # noqa: S308
        mark_safe(roas.html()),  # noqa: S308
        empty,
    )
