"""Server-rendered SVG charts: one image with a title and a description, text labels, CSS
classes instead of inline styles, and no bar (nor any trace of a value) for a hidden figure."""

from __future__ import annotations

import re

from web.charts import HIDDEN_MARK, Series, panels_per_row, small_multiples


def chart(*series: Series, periods: tuple[str, ...] = ("Jan", "Feb", "Mar")) -> str:
    return str(
        small_multiples(
            chart_id="c",
            title="Encounters by setting",
            description="The table lists them.",
            periods=periods,
            series=series,
        )
    )


def test_a_chart_is_one_labelled_image() -> None:
    svg = chart(Series("ICU", (3, 4, 5)))
    assert svg.startswith('<svg class="chart" id="c" role="img" aria-labelledby="c-title c-desc"')
    assert '<title id="c-title">Encounters by setting</title>' in svg
    assert '<desc id="c-desc">The table lists them.</desc>' in svg
    assert ">ICU</text>" in svg
    assert re.findall(r">(?:Jan|Feb|Mar)</text>", svg) == [
        ">Jan</text>",
        ">Feb</text>",
        ">Mar</text>",
    ]
    assert "style" not in svg


def test_bars_share_one_scale_and_a_zero_has_no_bar() -> None:
    svg = chart(Series("ICU", (10, 0, 5)), Series("Office", (2, 2, 2)))
    heights = [float(h) for h in re.findall(r'<rect class="chart-bar"[^>]* height="([\d.]+)"', svg)]
    assert len(heights) == 5  # the zero has none
    assert heights[0] == 2 * heights[1]  # 10 and 5 on one scale
    assert ">0</text>" in svg


def test_a_hidden_figure_has_no_bar_and_leaves_no_trace() -> None:
    svg = chart(Series("ICU", (None, 37, None)))
    assert svg.count('<rect class="chart-bar"') == 1
    assert svg.count('class="chart-hidden" ') == 2
    assert svg.count(HIDDEN_MARK) == 2


def test_names_are_escaped_and_long_ones_shortened() -> None:
    svg = chart(Series('<script>"x"</script>', (1, 2, 3)), Series("A" * 60, (1, 1, 1)))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "A" * 33 + "…" in svg


def test_many_periods_get_wider_panels_and_fewer_labels() -> None:
    assert [panels_per_row(n) for n in (1, 6, 12, 13, 36)] == [2, 2, 2, 1, 1]
    months = tuple(f"M{n}" for n in range(36))
    svg = chart(Series("ICU", tuple(range(36))), periods=months)
    labels = re.findall(r'class="chart-label"[^>]*>(M\d+)</text>', svg)
    assert 0 < len(labels) < 36
