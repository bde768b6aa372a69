"""Charts as SVG made on the server with pygal: no JavaScript and nothing from a CDN.

A chart is returned as a ``data:image/svg+xml`` URI for an ``<img>``: the page's Content-Security-Policy allows
no inline styles, and an SVG shown as an image keeps its own. Every chart on a page also has its figures in a
table next to it (for screen readers, for copying, and for the PDF). Labels come translated from the caller.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from decimal import Decimal

import pygal
from pygal.style import Style

FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif'
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#7b8794",
    guide_stroke_color="#d9e2ec",
    major_guide_stroke_color="#bcccdc",
    colors=("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490"),
    font_family=FONT,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
    title_font_size=15,
)
Number = Decimal | int | float | None


def _config(title: str, x_labels: Sequence[str], width: int, height: int) -> dict:
    return {
        "title": title,
        "x_labels": list(x_labels),
        "width": width,
        "height": height,
        "style": STYLE,
        "js": [],  # pygal would otherwise load its tooltip script from a CDN
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 1 if width < 500 else 2,  # a phone-sized drawing: one legend entry a line
        "show_minor_x_labels": len(x_labels) <= 12,
        "x_labels_major_every": max(1, len(x_labels) // 6),
        "truncate_legend": -1,
        "print_values": False,
    }


def _uri(chart: pygal.graph.graph.Graph) -> str:
    svg = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _values(values: Sequence[Number]) -> list[float | None]:
    # pygal draws with floats; the figures a reader relies on are in the table beside the chart
    return [None if v is None else float(v) for v in values]


def line_chart(
    title: str, x_labels: Sequence[str], series: Mapping[str, Sequence[Number]], *, width: int = 720, height: int = 360
) -> str:
    """One line per series over the x labels (e.g. policy years); None leaves a gap."""
    chart = pygal.Line(**_config(title, x_labels, width, height), dots_size=2, allow_interruptions=True)
    for name, values in series.items():
        chart.add(name, _values(values))
    return _uri(chart)


def bar_chart(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[Number]],
    *,
    width: int = 720,
    height: int = 360,
    counts: bool = False,
) -> str:
    """Grouped bars, one group per x label (e.g. a distribution's bands, or years actual against illustrated).
    ``counts``: the values are whole numbers (policies), so the axis is labelled in whole numbers only."""
    config = _config(title, x_labels, width, height)
    if counts:
        top = max((int(v) for values in series.values() for v in values if v is not None), default=0)
        step = max(1, -(-top // 5))
        config["y_labels"] = list(range(0, top + step + 1, step))
    chart = pygal.Bar(**config)
    for name, values in series.items():
        chart.add(name, _values(values))
    return _uri(chart)
