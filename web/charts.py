"""Charts as server-rendered SVG: no JavaScript, text labels, readable in both themes.

Pure: figures in, markup out. The SVG is one image (`role="img"` with a title and a
description); the table beside it is the accessible version of the same figures. Colours come
from CSS classes (`chart-*` in the stylesheet, light and dark), never from `style` attributes,
which the content security policy forbids.

A hidden figure (`None`, a suppressed report cell) never gets a bar: it is drawn as a dash, so
nothing in the markup, not even a bar's height, carries its value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

HIDDEN_MARK = "–"  # an en dash: what a hidden figure shows, in the chart and the table
WIDTH = 600
PANEL_GAP = 24
PANEL_TITLE = 22  # room above a panel's columns for its name
COUNT_LABEL = 14  # room above a column for its count
PERIOD_LABEL = 18  # room below the columns for the periods
PLOT_HEIGHT = 84
LABEL_WIDTH = 46  # the room a period's label ("Jan '26") needs
COUNT_WIDTH = 26  # the room a count needs above its column
BAR_WIDTH = 28
TITLE_CHARACTERS = 34


@dataclass(frozen=True)
class Series:
    """One panel: a name and one figure per period (`None` when hidden)."""

    name: str
    figures: Sequence[int | None]


def panels_per_row(periods: int) -> int:
    """Two panels side by side up to a year of months, one beyond."""
    if periods <= 12:
        return 2
    return 1


def small_multiples(
    *,
    chart_id: str,
    title: str,
    description: str,
    periods: Sequence[str],
    series: Sequence[Series],
) -> Markup:
    """One column chart per series, on one shared scale, in a grid; `periods` are the short
    labels under the columns."""
    per_row = panels_per_row(len(periods))
    panel_width = (WIDTH - PANEL_GAP * (per_row - 1)) / per_row
    panel_height = PANEL_TITLE + COUNT_LABEL + PLOT_HEIGHT + PERIOD_LABEL
    rows = max(1, math.ceil(len(series) / per_row))
    height = rows * panel_height + (rows - 1) * PANEL_GAP
    highest = max((n for s in series for n in s.figures if n is not None), default=0)
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    for index, one in enumerate(series):
        x = (index % per_row) * (panel_width + PANEL_GAP)
        y = (index // per_row) * (panel_height + PANEL_GAP)
        parts.append(_panel(one, periods, x=x, y=y, width=panel_width, highest=highest))
    if not series:
        parts.append(f'<text class="chart-label" x="0" y="{PANEL_TITLE}">Nothing to show.</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (names are escaped above, the rest are numbers)


def _panel(
    one: Series, periods: Sequence[str], *, x: float, y: float, width: float, highest: int
) -> str:
    baseline = y + PANEL_TITLE + COUNT_LABEL + PLOT_HEIGHT
    slot = width / max(1, len(periods))
    bar_width = max(2.0, min(BAR_WIDTH, slot * 0.7))
    label_every = max(1, math.ceil(LABEL_WIDTH / slot))
    parts = [
        '<g class="chart-panel">',
        f'<text class="chart-name" x="{_n(x)}" y="{_n(y + 14)}">'
        f"{escape(_shortened(one.name))}</text>",
        f'<line class="chart-axis" x1="{_n(x)}" y1="{_n(baseline)}" '
        f'x2="{_n(x + width)}" y2="{_n(baseline)}"/>',
    ]
    for index, (period, figure) in enumerate(zip(periods, one.figures, strict=True)):
        middle = x + slot * index + slot / 2
        if figure is None:
            parts.append(
                f'<text class="chart-hidden" x="{_n(middle)}" y="{_n(baseline - 4)}" '
                f'text-anchor="middle">{HIDDEN_MARK}</text>'
            )
        else:
            bar = PLOT_HEIGHT * figure / highest if highest else 0.0
            if figure > 0:
                parts.append(
                    f'<rect class="chart-bar" x="{_n(middle - bar_width / 2)}" '
                    f'y="{_n(baseline - bar)}" width="{_n(bar_width)}" height="{_n(bar)}"/>'
                )
            if slot >= COUNT_WIDTH or figure == highest:
                parts.append(
                    f'<text class="chart-count" x="{_n(middle)}" y="{_n(baseline - bar - 4)}" '
                    f'text-anchor="middle">{figure}</text>'
                )
        if index % label_every == 0:
            parts.append(
                f'<text class="chart-label" x="{_n(middle)}" y="{_n(baseline + 14)}" '
                f'text-anchor="middle">{escape(period)}</text>'
            )
    parts.append("</g>")
    return "".join(parts)


def _shortened(name: str) -> str:
    if len(name) <= TITLE_CHARACTERS:
        return name
    return name[: TITLE_CHARACTERS - 1].rstrip() + "…"


def _n(number: float) -> str:
    """Coordinates with at most one decimal: smaller markup, the same picture."""
    return f"{number:.1f}".removesuffix(".0")
