"""The SVG chart module: scales, ticks and rendering are pure functions, tested without a database."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accord.web import charts
from accord.web.charts import Reference, Series

SVG = "{http://www.w3.org/2000/svg}"


def _plain(v: object) -> str:
    return str(v)


def _when(v: object) -> str:
    return v.isoformat() if isinstance(v, date | datetime) else str(v)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_linear_scale_maps_the_domain_onto_pixels_including_inverted_ranges() -> None:
    y = charts.linear_scale(0, 100, 200, 0)  # SVG y grows downwards
    assert (y(0), y(50), y(100)) == (200.0, 100.0, 0.0)
    assert y(-10) == 220.0
    flat = charts.linear_scale(5, 5, 0, 10)
    assert flat(5) == 5.0  # a single value sits in the middle instead of dividing by zero


@pytest.mark.parametrize(
    ("lo", "hi", "integer", "expected"),
    [
        (0, 97, False, ["0", "25", "50", "75", "100"]),
        (-30, 45, False, ["-40", "-20", "0", "20", "40", "60"]),
        (0, 0, False, ["0", "0.25", "0.5", "0.75", "1"]),
        (5, 5, False, ["0", "2", "4", "6"]),
        (-5, -5, False, ["-6", "-4", "-2", "0"]),
        (0, Decimal("0.37"), False, ["0", "0.1", "0.2", "0.3", "0.4"]),
        (0, 3, True, ["0", "1", "2", "3"]),
        (0, 1, True, ["0", "1"]),
        (0, 1_234_567, True, ["0", "500000", "1000000", "1500000"]),
        (45, 0, False, ["0", "20", "40", "60"]),  # reversed bounds are fine
    ],
)
def test_nice_ticks_are_round_cover_the_data_and_include_zero(
    lo: int | Decimal, hi: int | Decimal, integer: bool, expected: list[str]
) -> None:
    ticks = charts.nice_ticks(lo, hi, integer=integer)
    assert [str(t) for t in ticks] == expected
    assert ticks[0] <= min(lo, hi, 0) and ticks[-1] >= max(lo, hi, 0)


def test_time_ticks_fall_on_whole_days_inside_the_range() -> None:
    ticks = charts.time_ticks(date(2026, 11, 1), date(2026, 11, 30))
    assert len(ticks) <= 6
    assert all(t.tzinfo is UTC and (t.hour, t.minute) == (0, 0) for t in ticks)
    assert datetime(2026, 11, 1, tzinfo=UTC) <= ticks[0] and ticks[-1] <= datetime(2026, 11, 30, tzinfo=UTC)
    hours = charts.time_ticks(datetime(2026, 11, 1, 0, tzinfo=UTC), datetime(2026, 11, 1, 10, tzinfo=UTC))
    assert [t.hour for t in hours] == [0, 2, 4, 6, 8, 10]


def test_spread_labels_keeps_direct_labels_apart_and_inside() -> None:
    placed = charts.spread_labels([100, 101, 102], gap=14, top=0, bottom=200)
    assert sorted(placed) == [100, 114, 128]
    squeezed = charts.spread_labels([195, 196], gap=14, top=0, bottom=200)
    assert max(squeezed) <= 200 and abs(squeezed[0] - squeezed[1]) == 14


def test_time_chart_is_readable_without_colour() -> None:
    chart = charts.time_chart(
        [
            Series("Clicks", [(date(2026, 11, 1), 3), (date(2026, 11, 2), 7)]),
            Series("Conversions", [(date(2026, 11, 1), 1), (date(2026, 11, 2), 2)]),
        ],
        title="Clicks <and> conversions",
        uid="t1",
        references=[Reference("Target", 10)],
        fmt_y=_plain,
        fmt_x=_when,
        x_heading="Day",
    )
    root = _parse(chart.svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "t1-t t1-d"
    assert root.find(f"{SVG}title").text == "Clicks <and> conversions"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Clicks: 7 (2026-11-02); Conversions: 2 (2026-11-02); Target: 10"  # type: ignore[union-attr]
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 2
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray") == "8 4"
    groups = root.findall(f".//{SVG}g")
    assert [len(list(g)) for g in groups] == [3, 3]  # a line and one marker per point
    assert groups[0][1].tag == f"{SVG}circle" and groups[1][1].tag == f"{SVG}rect"  # different marker shapes
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "direct-label"]
    assert labels == ["Clicks", "Conversions"]
    assert any(t.text == "Target: 10" for t in root.iter(f"{SVG}text"))
    # The hidden table carries every number.
    table = _parse(chart.table)
    assert table.get("class") == "sr-only chart-data"
    rows = [[c.text for c in tr] for tr in table.iter("tr")]
    assert rows == [["Day", "Clicks", "Conversions"], ["2026-11-01", "3", "1"], ["2026-11-02", "7", "2"]]
    assert not chart.empty
    assert chart.html().startswith(
        '<figure class="chart" tabindex="0" aria-label="Clicks &lt;and&gt; conversions">'
        '<figcaption aria-hidden="true">Clicks &lt;and&gt; conversions'
    )


def test_time_chart_scales_points_onto_the_ticks() -> None:
    chart = charts.time_chart(
        [Series("S", [(date(2026, 1, 1), 0), (date(2026, 1, 3), 100)])], title="t", uid="s", fmt_y=_plain, fmt_x=_when
    )
    root = _parse(chart.svg)
    points = [tuple(float(v) for v in p.split(",")) for p in root.find(f".//{SVG}polyline").get("points").split()]  # type: ignore[union-attr]
    frame = charts._Frame(600, 260)
    assert points[0] == (frame.left + 8, frame.plot_bottom)  # first day at the left, 0 on the baseline
    assert points[1] == (600 - frame.right - 8, frame.top)  # last day at the right, 100 (the top tick) at the top
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"] == [
        "0",
        "25",
        "50",
        "75",
        "100",
    ]


def test_empty_series_give_an_empty_state_not_an_error() -> None:
    chart = charts.time_chart(
        [Series("Clicks", [])], title="Nothing", uid="e", empty_text="No data yet", fmt_y=_plain, fmt_x=_when
    )
    assert chart.empty
    root = _parse(chart.svg)
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No data yet"]
    assert "No data yet" in chart.table
    bars = charts.bar_chart([], [Series("x", [])], title="none", uid="b", empty_text="Nothing", fmt_y=_plain)
    assert bars.empty and "Nothing" in bars.svg


def test_negative_values_extend_the_axis_below_zero() -> None:
    chart = charts.time_chart(
        [Series("Net", [(date(2026, 1, 1), -30), (date(2026, 1, 2), 45)], kind="area")],
        title="Net",
        uid="n",
        fmt_y=_plain,
        fmt_x=_when,
    )
    root = _parse(chart.svg)
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks == ["-40", "-20", "0", "20", "40", "60"]
    zero_lines = [ln for ln in root.iter(f"{SVG}line") if ln.get("stroke-width") == "1.5"]
    assert len(zero_lines) == 1  # the zero baseline is drawn stronger
    area = root.find(f"{SVG}path")
    assert area is not None and area.get("fill-opacity") == "0.15"


def test_stacked_bars_put_negative_parts_below_zero_and_label_totals() -> None:
    chart = charts.bar_chart(
        ["low", "high"],
        [Series("cpa", [("low", 500), ("high", 1500)]), Series("clawback", [("low", -200)])],
        title="Forecast",
        uid="f",
        stacked=True,
        references=[Reference("earned so far", 800)],
        fmt_y=_plain,
    )
    root = _parse(chart.svg)
    patterns = root.findall(f".//{SVG}pattern")
    assert [p.get("id") for p in patterns] == ["f-p0", "f-p1"]
    rects = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    titles = [r.find(f"{SVG}title").text for r in rects]  # type: ignore[union-attr]
    assert titles == ["low · cpa: 500", "low · clawback: -200", "high · cpa: 1500"]
    zero = float(rects[0].get("y", 0)) + float(rects[0].get("height", 0))
    assert float(rects[1].get("y", 0)) == pytest.approx(zero, abs=0.1)  # the negative part hangs from zero
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "300" in texts and "1500" in texts  # totals on the bars
    assert "earned so far: 800" in texts and "cpa" in texts and "clawback" in texts  # reference and legend
    rows = [[c.text for c in tr] for tr in _parse(chart.table).iter("tr")]
    assert rows[1:] == [["low", "500", "-200"], ["high", "1500", "—"]]


def test_every_text_is_escaped() -> None:
    chart = charts.time_chart(
        [Series('<script>"x"</script>', [(date(2026, 1, 1), 1)])],
        title="<b>t</b>",
        uid="x",
        fmt_y=_plain,
        fmt_x=_when,
    )
    assert "<script>" not in chart.svg + chart.table and "<b>" not in chart.svg
    _parse(chart.svg)


def test_default_formatters_follow_the_active_language(settings: object) -> None:
    from django.utils import translation

    with translation.override("nl"):
        assert charts.default_number(1234567) == "1.234.567"
        assert charts.default_when(date(2026, 11, 23)) == "23 november"
    with translation.override("en"):
        assert charts.default_number(1234567) == "1,234,567"
        assert charts.default_when(date(2026, 11, 23)) == "November 23"
