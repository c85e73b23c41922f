"""How people read the evaluator's codes: KPI names, rule kinds, periods and the default forecast scenarios.

The codes stay in the data and the API (``revenue_net``, ``tiered_bonus``, ``2026-W19``); pages show these labels in
the reader's language. An unknown code (a custom scenario name, a period key) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

KPI_LABELS = {
    "views": _("views"),
    "impressions": _("impressions"),
    "reach": _("reach"),
    "clicks": _("clicks"),
    "unique_clicks": _("unique clicks"),
    "engagements": _("engagements"),
    "likes": _("likes"),
    "comments": _("comments"),
    "shares": _("shares"),
    "saves": _("saves"),
    "conversions": _("conversions"),
    "refunded_conversions": _("refunded conversions"),
    "conversions_net": _("net conversions"),
    "revenue": _("revenue"),
    "refunded": _("refunded revenue"),
    "revenue_net": _("net revenue"),
    "hours": _("approved hours"),
    "milestones": _("approved milestones"),
}

RULE_KIND_LABELS = {
    "flat": _("fixed fee per milestone"),
    "hourly": _("per hour"),
    "cpm": _("per thousand views (CPM)"),
    "cpc": _("per click (CPC)"),
    "cpa": _("per conversion (CPA)"),
    "revenue_share": _("share of revenue"),
    "tiered_bonus": _("tiered bonus"),
}

PERIOD_LABELS = {"all": _("whole term")}

SCENARIO_LABELS = {"low": _("low"), "expected": _("expected"), "high": _("high")}


def label(labels: Mapping[str, object], code: str | None) -> str:
    if not code:
        return ""
    return str(labels.get(code, code))
