"""A server-rendered SVG bar chart of a forecast: one stacked bar per scenario, one segment per rule.

Readable without colour: every rule has its own fill *pattern* (solid, hatch, cross-hatch, dots…) named in a legend,
each bar carries its total as text, the actual earnings so far are a labelled dashed line, and the chart has a
``<title>``/``<desc>`` and ``role="img"`` for screen readers (the table next to it carries the same numbers). Pure:
imports no Django model.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from accord.core.money import Money
from accord.incentives.rules import ForecastRow

_PATTERNS = [
    '<rect width="8" height="8" fill="#333"/>',
    '<rect width="8" height="8" fill="#fff"/>'
    '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#333" stroke-width="2"/>',
    '<rect width="8" height="8" fill="#fff"/><circle cx="4" cy="4" r="1.8" fill="#333"/>',
    '<rect width="8" height="8" fill="#fff"/><path d="M0,4 h8 M4,0 v8" stroke="#333" stroke-width="1.5"/>',
    '<rect width="8" height="8" fill="#999"/>',
    '<rect width="8" height="8" fill="#fff"/><path d="M0,0 l8,8 M8,0 l-8,8" stroke="#333" stroke-width="1.2"/>',
    '<rect width="8" height="8" fill="#fff"/><path d="M0,2 h8 M0,6 h8" stroke="#333" stroke-width="1.5"/>',
    '<rect width="8" height="8" fill="#ddd"/><path d="M2,0 v8 M6,0 v8" stroke="#333" stroke-width="1.5"/>',
]


def _money(amount: int, currency: str) -> str:
    try:
        return Money(int(amount), currency).format()
    except (TypeError, ValueError):
        return f"{currency} {amount}"


def forecast_svg(
    rows: Sequence[ForecastRow],
    currency: str,
    *,
    actual: int | None = None,
    title: str = "Forecast earnings per scenario",
    uid: str = "fc",
) -> str:
    """The chart as an SVG string (safe to embed inline: every text is escaped)."""
    rule_ids: list[str] = []
    for row in rows:
        for rule_id in row.by_rule:
            if rule_id not in rule_ids:
                rule_ids.append(rule_id)
    width, bar_w, gap, left, top, plot_h = 640, 80, 40, 110, 30, 220
    legend_h = 22 * ((len(rule_ids) + 2) // 3) + 10
    height = top + plot_h + 50 + legend_h
    peak = max([r.total for r in rows] + [actual or 0, 1])
    scale = plot_h / peak
    width = max(width, left + len(rows) * (bar_w + gap) + gap)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" aria-labelledby="{uid}-t {uid}-d" font-family="sans-serif" '
        'font-size="12">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">'
        + escape(
            "; ".join(f"{r.scenario}: {_money(r.total, currency)}" for r in rows)
            + (f"; earned so far: {_money(actual, currency)}" if actual is not None else "")
        )
        + "</desc>",
        "<defs>",
    ]
    for i, _rule in enumerate(rule_ids):
        out.append(
            f'<pattern id="{uid}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f"{_PATTERNS[i % len(_PATTERNS)]}</pattern>"
        )
    out.append("</defs>")
    base_y = top + plot_h
    # Axis with four gridlines, labelled in money.
    for step in range(5):
        value = peak * step // 4
        y = base_y - value * scale
        out.append(f'<line x1="{left - 5}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(_money(value, currency))}</text>')
    for n, row in enumerate(rows):
        x = left + gap + n * (bar_w + gap)
        y = base_y
        for i, rule_id in enumerate(rule_ids):
            amount = max(row.by_rule.get(rule_id, 0), 0)
            if not amount:
                continue
            h = amount * scale
            y -= h
            out.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar_w}" height="{h:.1f}" fill="url(#{uid}-p{i})" '
                f'stroke="#000"><title>{escape(f"{row.scenario} · {rule_id}: {_money(amount, currency)}")}</title>'
                "</rect>"
            )
        out.append(
            f'<text x="{x + bar_w / 2}" y="{y - 6:.1f}" text-anchor="middle" font-weight="bold">'
            f"{escape(_money(row.total, currency))}</text>"
        )
        out.append(
            f'<text x="{x + bar_w / 2}" y="{base_y + 18}" text-anchor="middle">{escape(row.scenario[:18])}</text>'
        )
    if actual is not None:
        y = base_y - actual * scale
        out.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#000" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<text x="{width - 12}" y="{y - 5:.1f}" text-anchor="end">'
            f"{escape('earned so far: ' + _money(actual, currency))}</text>"
        )
    legend_y = base_y + 40
    for i, rule_id in enumerate(rule_ids):
        lx = left + (i % 3) * 170
        ly = legend_y + (i // 3) * 22
        out.append(f'<rect x="{lx}" y="{ly}" width="16" height="16" fill="url(#{uid}-p{i})" stroke="#000"/>')
        out.append(f'<text x="{lx + 22}" y="{ly + 12}">{escape(rule_id)}</text>')
    out.append("</svg>")
    return "".join(out)
