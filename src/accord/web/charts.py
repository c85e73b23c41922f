"""Server-rendered SVG charts: lines or areas over time, and grouped or stacked bars.

Readable without colour: every series has its own dash pattern and marker shape (lines) or fill pattern (bars), is
named by a direct label at its last point and in a legend, and each chart carries a ``<title>``/``<desc>`` plus a
visually hidden data table with the same numbers for screen readers. Reference lines (a budget, "earned so far")
are dashed and labelled. Tick labels go through formatter callables; the defaults use Django's locale-aware number
and date formats, so ticks follow the active language.

Pure: imports no Django model and touches no database, so scales, ticks and rendering are unit-tested directly.
Numbers stay ``int``/``Decimal`` until they become pixel positions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from html import escape
from typing import Literal

Number = int | Decimal
When = date | datetime
Formatter = Callable[[Number], str]

# Dark enough for 4.5:1 contrast on white; never the only difference between series (dashes and markers are).
COLOURS = ("#0b5cad", "#b42318", "#1a7f37", "#6f42c1", "#8a4b00", "#1b1f24")
DASHES = ("", "8 4", "2 4", "10 4 2 4", "4 4", "12 3 3 3 3 3")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "bar")
# Fill patterns for bars: solid, hatch, dots, grid, light solid, cross-hatch, stripes, columns.
PATTERNS = (
    '<rect width="8" height="8" fill="{c}"/>',
    '<rect width="8" height="8" fill="#fff"/><path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{c}" '
    'stroke-width="2"/>',
    '<rect width="8" height="8" fill="#fff"/><circle cx="4" cy="4" r="1.8" fill="{c}"/>',
    '<rect width="8" height="8" fill="#fff"/><path d="M0,4 h8 M4,0 v8" stroke="{c}" stroke-width="1.5"/>',
    '<rect width="8" height="8" fill="{c}" fill-opacity="0.35"/>',
    '<rect width="8" height="8" fill="#fff"/><path d="M0,0 l8,8 M8,0 l-8,8" stroke="{c}" stroke-width="1.2"/>',
    '<rect width="8" height="8" fill="#fff"/><path d="M0,2 h8 M0,6 h8" stroke="{c}" stroke-width="1.5"/>',
    '<rect width="8" height="8" fill="#ddd"/><path d="M2,0 v8 M6,0 v8" stroke="{c}" stroke-width="1.5"/>',
)


@dataclass(frozen=True)
class Series:
    """One named series. ``points`` are (when, value) for time charts, (category, value) for bar charts."""

    name: str
    points: Sequence[tuple[object, Number]]
    kind: Literal["line", "area"] = "line"


@dataclass(frozen=True)
class Reference:
    """A labelled horizontal line, e.g. the budget a spend line runs up against."""

    name: str
    value: Number


@dataclass(frozen=True)
class Chart:
    svg: str
    table: str  # visually hidden HTML table carrying the same numbers
    empty: bool
    title: str = ""

    def html(self) -> str:
        """The figure to embed: a visible caption, the SVG and its data table (all escaped)."""
        # Focusable, so a keyboard can scroll the chart where a phone screen is narrower than it.
        caption = f'<figcaption aria-hidden="true">{escape(self.title)}</figcaption>' if self.title else ""
        label = f' aria-label="{escape(self.title)}"' if self.title else ""
        return f'<figure class="chart" tabindex="0"{label}>{caption}{self.svg}{self.table}</figure>'


@dataclass(frozen=True)
class Scale:
    """Linear map from the data domain [lo, hi] onto the pixel range [start, end] (end may be below start)."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: Number | float) -> float:
        if self.hi == self.lo:
            return (self.start + self.end) / 2
        return self.start + (float(value) - self.lo) * (self.end - self.start) / (self.hi - self.lo)


def linear_scale(lo: Number | float, hi: Number | float, start: float, end: float) -> Scale:
    return Scale(float(lo), float(hi), start, end)


_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def nice_ticks(lo: Number, hi: Number, count: int = 5, *, integer: bool = False) -> list[Decimal]:
    """Round tick values (1, 2, 2.5 or 5 × 10^k apart) that cover [lo, hi] with about ``count`` ticks.

    The range always includes 0 when the data crosses it, an empty or flat range still gets a usable axis, and
    ``integer`` keeps steps whole (counts and minor units cannot be split).
    """
    low, high = Decimal(lo), Decimal(hi)
    if low > high:
        low, high = high, low
    if low == high:
        if low == 0:
            high = Decimal(1)
        elif low > 0:
            low = Decimal(0)
        else:
            high = Decimal(0)
    raw = (high - low) / max(count - 1, 1)
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(m * magnitude for m in _STEPS if m * magnitude >= raw)
    if integer and step < 1:
        step = Decimal(1)
    if integer and step != step.to_integral_value():
        step = step.to_integral_value(ROUND_CEILING)
    first = (low / step).to_integral_value(ROUND_FLOOR) * step
    last = (high / step).to_integral_value(ROUND_CEILING) * step
    n = int((last - first) / step)
    return [_tidy(first + i * step) for i in range(n + 1)]


def _tidy(value: Decimal) -> Decimal:
    """Drop the exponent noise of Decimal arithmetic: 100 not 1E+2, 0.5 not 0.50."""
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


def _seconds(when: object) -> float:
    if isinstance(when, datetime):
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    if isinstance(when, date):
        return datetime(when.year, when.month, when.day, tzinfo=UTC).timestamp()
    raise TypeError(f"time charts need dates or datetimes, not {type(when).__name__}")


def _when(value: object) -> When:
    if isinstance(value, date):
        return value
    raise TypeError(f"time charts need dates or datetimes, not {type(value).__name__}")


_TIME_STEPS = tuple(
    timedelta(hours=h) for h in (1, 2, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 28, 24 * 56, 24 * 91, 24 * 182)
)


def time_ticks(first: When, last: When, count: int = 6) -> list[datetime]:
    """At most ``count`` evenly spaced UTC instants inside [first, last], on whole hours or days."""
    lo, hi = _seconds(first), _seconds(last)
    if hi < lo:
        lo, hi = hi, lo
    span = hi - lo
    step = next((s for s in _TIME_STEPS if span / s.total_seconds() <= max(count - 1, 1)), _TIME_STEPS[-1])
    size = step.total_seconds()
    start = math.ceil(lo / size) * size
    out = []
    t = start
    while t <= hi + 1e-6:
        out.append(datetime.fromtimestamp(t, UTC))
        t += size
    if not out:
        out.append(datetime.fromtimestamp(lo, UTC))
    return out


def _(text: str) -> str:
    from django.utils.translation import gettext

    return gettext(text)


def default_number(value: Number) -> str:
    from django.utils.formats import number_format

    return number_format(value, use_l10n=True, force_grouping=True)


def default_when(value: object) -> str:
    from django.utils.formats import date_format

    if isinstance(value, datetime) and (value.hour or value.minute):
        return date_format(value, "TIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "MONTH_DAY_FORMAT")
    return str(value)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if shape == "triangle":
        return f'<path d="M{x:.1f},{y - 4.5:.1f} l4.5,8 h-9 z" fill="{colour}"/>'
    if shape == "diamond":
        return f'<path d="M{x:.1f},{y - 5:.1f} l5,5 l-5,5 l-5,-5 z" fill="#fff" stroke="{colour}" stroke-width="2"/>'
    if shape == "cross":
        return (
            f'<path d="M{x - 4:.1f},{y - 4:.1f} l8,8 M{x + 4:.1f},{y - 4:.1f} l-8,8" stroke="{colour}" '
            'stroke-width="2"/>'
        )
    return f'<rect x="{x - 1.5:.1f}" y="{y - 5:.1f}" width="3" height="10" fill="{colour}"/>'


def spread_labels(ys: Sequence[float], gap: float, top: float, bottom: float) -> list[float]:
    """Move label positions apart so none is closer than ``gap`` to the next, keeping them inside [top, bottom]."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = [0.0] * len(ys)
    previous = top - gap
    for i in order:
        placed[i] = max(ys[i], previous + gap)
        previous = placed[i]
    overflow = previous - bottom
    if overflow > 0:
        for i in order:
            placed[i] = max(top, placed[i] - overflow)
    return placed


@dataclass
class _Frame:
    width: int
    height: int
    left: int = 80
    right: int = 130
    top: int = 20
    bottom: int = 40
    parts: list[str] = field(default_factory=list)

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


def _open(frame: _Frame, uid: str, title: str, desc: str) -> None:
    frame.parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="100%" style="max-width:{frame.width}px" aria-labelledby="{uid}-t {uid}-d" '
        'font-family="sans-serif" font-size="12" class="chart-svg">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
    )


def _y_axis(frame: _Frame, ticks: list[Decimal], y: Scale, fmt: Formatter) -> None:
    for tick in ticks:
        py = y(tick)
        stroke = 'stroke="#57606a" stroke-width="1.5"' if tick == 0 else 'stroke="#d0d7de"'
        frame.parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right + 10}" y1="{py:.1f}" y2="{py:.1f}" {stroke}/>'
            f'<text x="{frame.left - 6}" y="{py + 4:.1f}" text-anchor="end" fill="#1b1f24">'
            f"{escape(fmt(_plain(tick)))}</text>"
        )


def _plain(value: Decimal) -> Number:
    return int(value) if value == value.to_integral_value() else value


def _references(frame: _Frame, refs: Sequence[Reference], y: Scale, fmt: Formatter) -> None:
    for ref in refs:
        py = y(ref.value)
        frame.parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right + 10}" y1="{py:.1f}" y2="{py:.1f}" '
            'stroke="#1b1f24" stroke-width="2" stroke-dasharray="3 3" class="reference"/>'
            f'<text x="{frame.width - frame.right + 14}" y="{py + 4:.1f}" fill="#1b1f24">'
            f"{escape(ref.name)}: {escape(fmt(ref.value))}</text>"
        )


def _table(
    title: str, head: str, rows: Sequence[tuple[str, Sequence[str]]], names: Sequence[str], empty_text: str
) -> str:
    cols = "".join(f'<th scope="col">{escape(n)}</th>' for n in names)
    body = (
        "".join(
            f'<tr><th scope="row">{escape(label)}</th>{"".join(f"<td>{escape(c)}</td>" for c in cells)}</tr>'
            for label, cells in rows
        )
        or f'<tr><td colspan="{len(names) + 1}">{escape(empty_text)}</td></tr>'
    )
    return (
        f'<table class="sr-only chart-data"><caption>{escape(title)}</caption>'
        f'<thead><tr><th scope="col">{escape(head)}</th>{cols}</tr></thead><tbody>{body}</tbody></table>'
    )


def _domain(values: Sequence[Number], refs: Sequence[Reference]) -> tuple[Number, Number]:
    every = [*values, *(r.value for r in refs), 0]
    return min(every), max(every)


def _empty(frame: _Frame, text: str) -> None:
    frame.parts.append(
        f'<text x="{frame.width / 2:.0f}" y="{frame.height / 2:.0f}" text-anchor="middle" fill="#57606a">'
        f"{escape(text)}</text>"
    )


def time_chart(
    series: Sequence[Series],
    *,
    title: str,
    uid: str,
    references: Sequence[Reference] = (),
    fmt_y: Formatter = default_number,
    fmt_x: Callable[[object], str] = default_when,
    x_heading: str | None = None,
    empty_text: str | None = None,
    integer: bool = True,
    width: int = 600,
    height: int = 260,
) -> Chart:
    """Lines (or areas) over time, one dash pattern, marker and direct label per series."""
    x_heading = _("Date") if x_heading is None else x_heading
    empty_text = _("No data yet") if empty_text is None else empty_text
    frame = _Frame(width, height)
    whens: list[When] = sorted({_when(w) for s in series for w, _v in s.points}, key=_seconds)
    values = [v for s in series for _, v in s.points]
    desc = (
        "; ".join(f"{s.name}: {fmt_y(s.points[-1][1])} ({fmt_x(s.points[-1][0])})" for s in series if s.points)
        or empty_text
    )
    if references:
        desc += "; " + "; ".join(f"{r.name}: {fmt_y(r.value)}" for r in references)
    _open(frame, uid, title, desc)
    names = [s.name for s in series]
    if not values:
        _empty(frame, empty_text)
        frame.parts.append("</svg>")
        return Chart("".join(frame.parts), _table(title, x_heading, [], names, empty_text), True, title)
    ticks = nice_ticks(*_domain(values, references), integer=integer)
    y = linear_scale(ticks[0], ticks[-1], frame.plot_bottom, frame.top)
    x = linear_scale(_seconds(whens[0]), _seconds(whens[-1]), frame.left + 8, frame.width - frame.right - 8)
    _y_axis(frame, ticks, y, fmt_y)
    for t in time_ticks(whens[0], whens[-1]):
        px = x(_seconds(t))
        frame.parts.append(
            f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{frame.plot_bottom}" y2="{frame.plot_bottom + 5}" '
            'stroke="#57606a"/>'
            f'<text x="{px:.1f}" y="{frame.plot_bottom + 18}" text-anchor="middle" fill="#1b1f24">'
            f"{escape(fmt_x(t))}</text>"
        )
    _references(frame, references, y, fmt_y)
    ends: list[tuple[int, float, float]] = []
    for i, s in enumerate(series):
        if not s.points:
            continue
        colour, dash, shape = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)], MARKERS[i % len(MARKERS)]
        pts = [(x(_seconds(w)), y(v)) for w, v in sorted(s.points, key=lambda p: _seconds(p[0]))]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
        if s.kind == "area":
            zero = y(0)
            frame.parts.append(
                f'<path d="M{pts[0][0]:.1f},{zero:.1f} L{path} L{pts[-1][0]:.1f},{zero:.1f} Z" fill="{colour}" '
                'fill-opacity="0.15" stroke="none"/>'
            )
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        frame.parts.append(
            f'<g class="series" data-series="{escape(s.name)}"><polyline points="{path}" fill="none" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
            + "".join(_marker(shape, px, py, colour) for px, py in pts)
            + "</g>"
        )
        ends.append((i, pts[-1][0], pts[-1][1]))
    label_ys = spread_labels([e[2] for e in ends], 14, frame.top, frame.plot_bottom)
    for (i, px, _py), ly in zip(ends, label_ys, strict=True):
        frame.parts.append(
            f'<text x="{px + 8:.1f}" y="{ly + 4:.1f}" fill="{COLOURS[i % len(COLOURS)]}" font-weight="bold" '
            f'class="direct-label">{escape(series[i].name)}</text>'
        )
    frame.parts.append("</svg>")
    by_series = [{_seconds(w): v for w, v in s.points} for s in series]
    rows = [(fmt_x(w), [_cell(m.get(_seconds(w)), fmt_y) for m in by_series]) for w in whens]
    return Chart("".join(frame.parts), _table(title, x_heading, rows, names, empty_text), False, title)


def _cell(value: Number | None, fmt: Formatter) -> str:
    return "—" if value is None else fmt(value)


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    uid: str,
    stacked: bool = False,
    references: Sequence[Reference] = (),
    fmt_y: Formatter = default_number,
    x_heading: str = "",
    empty_text: str | None = None,
    integer: bool = True,
    width: int = 600,
    height: int = 260,
) -> Chart:
    """Bars per category: side by side, or ``stacked`` (negative parts stack below zero); one fill pattern each."""
    empty_text = _("No data yet") if empty_text is None else empty_text
    frame = _Frame(width, height, right=140, bottom=40 + 22 * ((len(series) + 2) // 3))
    lookup = [{c: v for c, v in s.points} for s in series]
    totals: list[Number] = []
    values: list[Number] = []
    for c in categories:
        parts = [m.get(c, 0) for m in lookup]
        totals.append(sum(parts))
        if stacked:
            values += [sum(p for p in parts if p > 0), sum(p for p in parts if p < 0)]
        else:
            values += parts
    desc = "; ".join(f"{c}: {fmt_y(t)}" for c, t in zip(categories, totals, strict=True)) or empty_text
    _open(frame, uid, title, desc)
    names = [s.name for s in series]
    frame.parts.append(
        "<defs>"
        + "".join(
            f'<pattern id="{uid}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f"{PATTERNS[i % len(PATTERNS)].format(c=COLOURS[i % len(COLOURS)])}</pattern>"
            for i in range(len(series))
        )
        + "</defs>"
    )
    if not categories or not any(values):
        _empty(frame, empty_text)
        frame.parts.append("</svg>")
        return Chart("".join(frame.parts), _table(title, x_heading, [], names, empty_text), True, title)
    ticks = nice_ticks(*_domain(values, references), integer=integer)
    y = linear_scale(ticks[0], ticks[-1], frame.plot_bottom, frame.top)
    _y_axis(frame, ticks, y, fmt_y)
    band = (frame.width - frame.right - frame.left) / len(categories)
    bar_w = band * 0.6 if stacked else band * 0.7 / max(len(series), 1)
    zero = y(0)
    for n, c in enumerate(categories):
        x0 = frame.left + n * band + (band * 0.2 if stacked else band * 0.15)
        up, down = zero, zero
        for i, s in enumerate(series):
            v = lookup[i].get(c, 0)
            if not v:
                continue
            h = abs(y(v) - zero)
            if stacked:
                top_y = up - h if v > 0 else down
                up, down = (top_y, down) if v > 0 else (up, down + h)
                bx = x0
            else:
                top_y = y(v) if v > 0 else zero
                bx = x0 + i * bar_w
            frame.parts.append(
                f'<rect x="{bx:.1f}" y="{top_y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="url(#{uid}-p{i})" '
                f'stroke="{COLOURS[i % len(COLOURS)]}"><title>{escape(f"{c} · {s.name}: {fmt_y(v)}")}</title></rect>'
            )
        label_y = (up if totals[n] >= 0 else down + 14) - 4
        frame.parts.append(
            f'<text x="{x0 + (bar_w if stacked else bar_w * len(series)) / 2:.1f}" y="{label_y:.1f}" '
            f'text-anchor="middle" font-weight="bold" fill="#1b1f24">{escape(fmt_y(totals[n]))}</text>'
            f'<text x="{frame.left + (n + 0.5) * band:.1f}" y="{frame.plot_bottom + 18}" text-anchor="middle" '
            f'fill="#1b1f24">{escape(c[:18])}</text>'
        )
    _references(frame, references, y, fmt_y)
    legend_y = frame.plot_bottom + 32
    for i, s in enumerate(series):
        lx, ly = frame.left + (i % 3) * 180, legend_y + (i // 3) * 22
        frame.parts.append(
            f'<rect x="{lx}" y="{ly}" width="16" height="16" fill="url(#{uid}-p{i})" '
            f'stroke="{COLOURS[i % len(COLOURS)]}"/><text x="{lx + 22}" y="{ly + 12}" fill="#1b1f24">'
            f"{escape(s.name)}</text>"
        )
    frame.parts.append("</svg>")
    rows = [(c, [_cell(m.get(c), fmt_y) for m in lookup]) for c in categories]
    return Chart("".join(frame.parts), _table(title, x_heading, rows, names, empty_text), False, title)
