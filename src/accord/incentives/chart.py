"""The forecast chart: one stacked bar per scenario, one segment per rule, the earnings so far as a reference line.

Drawn by the generic ``accord.web.charts`` so every chart on Accord reads the same way: each rule has its own fill
pattern named in a legend (readable without colour), each bar carries its total as text, the earnings so far are a
labelled dashed line, amounts are written the way the active language writes money, and the SVG has a
``<title>``/``<desc>`` for screen readers (the forecast table next to it carries the same numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from accord.incentives.rules import ForecastRow
from accord.web.charts import Chart, Reference, Series, bar_chart
from accord.web.formatting import format_money


def forecast_chart(rows: Sequence[ForecastRow], currency: str, *, actual: int | None = None, uid: str = "fc") -> Chart:
    rule_ids: list[str] = []
    for row in rows:
        rule_ids += [rule_id for rule_id in row.by_rule if rule_id not in rule_ids]
    series = [
        Series(rule_id, [(row.scenario, max(row.by_rule.get(rule_id, 0), 0)) for row in rows]) for rule_id in rule_ids
    ]

    def money(value: int | Decimal) -> str:
        return format_money(int(value), currency)

    return bar_chart(
        [row.scenario for row in rows],
        series,
        title=_("Forecast earnings per scenario"),
        uid=uid,
        stacked=True,
        references=[Reference(_("earned so far"), actual)] if actual is not None else [],
        fmt_y=money,
        x_heading=_("Scenario"),
        empty_text=_("No forecast: these terms pay no performance rules"),
    )


def forecast_svg(rows: Sequence[ForecastRow], currency: str, *, actual: int | None = None, uid: str = "fc") -> str:
    """The chart as an SVG string (safe to embed inline: every text is escaped)."""
    return forecast_chart(rows, currency, actual=actual, uid=uid).svg
