"""A load report as Markdown for the job summary: verdict, table, breaches, two charts.

The charts are Mermaid ``xychart-beta`` blocks, which GitHub renders in job summaries
and pull-request comments: throughput (a red bar of every request with a blue bar of
those that succeeded over it, so what shows red is the failures) and p95 latency (a
line) per interval of the run, at most 30 points whatever its length, with x labels
that stay apart (a wider chart, then smaller labels; long runs in minutes). They are
two charts, not one, because an xychart has a single y-axis and requests per second
and milliseconds rarely share a scale. Each block sets its own high-contrast palette
(an init directive), so the theme cannot wash it out. Everything taken from the run
(kind names, error lines) goes through core/text.py. Standard library only.
"""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from main.core.load.figures import LONGEST_SECONDS_LABEL, MINUTE
from main.core.load.result import KindStats, LoadResult
from main.core.load.thresholds import number, percent
from main.core.text import markdown_code, markdown_inline

CELL = 300
HEADER = "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |"


# Colours set in each chart, not left to the theme: the default drew bars and lines in
# #ECECFF on white (about 1.2:1). All at least 4.5:1 on the white background (WCAG AA).
BACKGROUND = "#ffffff"
INK = "#1f2328"  # titles, labels, axes
ANSWERED = "#0969da"  # throughput bars: requests that succeeded
FAILED = "#82071e"  # failed requests: darker than the blue, so hue is not all that tells them

LATENCY = "#953800"  # the p95 line
NO_TIME = "\u2013"  # an en dash: the cell of a figure a kind that never ran cannot have
CHART_POINTS = 30  # beyond ~40 the x labels run together
# Mermaid's xychart is 700 px wide unless told; 30 labels of three digits ran together in
# it ("100104108"). It grows to fit its labels up to a width a page shows unscaled (a
# chart scaled down is measured scaled: Mermaid then cuts off its last x label), and
# beyond that its x labels get smaller. Digits are ~0.56 em wide.
CHART_WIDTH = 700
WIDEST_CHART = 900
LABEL_FONT_PX = 14  # Mermaid's own
SMALLEST_LABEL_PX = 8
LABEL_CHAR_EM = 0.6
LABEL_GAP_PX = 6
AXIS_ROOM_PX = 120  # the y-axis, its title and labels, and the padding around the plot


def _figure(value: float) -> str:
    return f"{value:.1f}"


def _row(name: str, stats: KindStats) -> str:
    failures = f"{stats.failures} ({percent(stats.error_rate)})" if stats.failures else "0"
    # A kind that never ran has no latency: a dash, never a reassuring 0.0 ms.
    times = (stats.p50_ms, stats.p95_ms, stats.p99_ms, stats.max_ms)
    cells = [
        name,
        str(stats.count),
        failures,
        _figure(stats.rps),
        *((_figure(v) if stats.count else NO_TIME) for v in times),
    ]
    return "| " + " | ".join(cells) + " |"


def _axis_value(value: float) -> str:
    """A number Mermaid parses: plain decimal, never an exponent."""
    text = f"{round(value, 1):.1f}"
    return text.removesuffix(".0")


INK_KEYS = (
    "titleColor",
    "xAxisLabelColor",
    "xAxisTitleColor",
    "xAxisLineColor",
    "xAxisTickColor",
    "yAxisLabelColor",
    "yAxisTitleColor",
    "yAxisLineColor",
    "yAxisTickColor",
)


def chart_size(x_values: Sequence[str]) -> dict[str, object]:
    """Mermaid's xychart settings that hold every x label apart: a width, a label size.

    Mermaid's own 700 px and 14 px labels when they fit; else wider, up to
    ``WIDEST_CHART``; else smaller labels (down to ``SMALLEST_LABEL_PX``).
    """
    count = max(len(x_values), 1)
    longest = max((len(value) for value in x_values), default=1)

    def needed(font: float) -> float:
        return AXIS_ROOM_PX + count * (LABEL_CHAR_EM * font * longest + LABEL_GAP_PX)

    width = max(CHART_WIDTH, min(WIDEST_CHART, math.ceil(needed(LABEL_FONT_PX))))
    if needed(LABEL_FONT_PX) <= width:
        return {"width": width}
    room = (width - AXIS_ROOM_PX) / count - LABEL_GAP_PX
    font = max(SMALLEST_LABEL_PX, math.floor(room / (LABEL_CHAR_EM * longest)))
    return {"width": width, "xAxis": {"labelFontSize": font}}


def _init(palette: Sequence[str], size: dict[str, object]) -> str:
    """Mermaid's init directive: a white chart, dark ink, our own series colours, its size."""
    xy = {"backgroundColor": BACKGROUND, "plotColorPalette": ", ".join(palette)}
    xy |= dict.fromkeys(INK_KEYS, INK)
    directive = {"theme": "base", "xyChart": size, "themeVariables": {"xyChart": xy}}
    return "%%{init: " + json.dumps(directive) + "}%%"


def xychart(  # noqa: PLR0913 - a chart's parts, said once
    title: str,
    x_label: str,
    x_values: Sequence[str],
    y_label: str,
    *,
    series: Sequence[tuple[str, Sequence[float]]],
    palette: Sequence[str],
) -> list[str]:
    """A fenced Mermaid ``xychart-beta``: ``bar`` or ``line`` series over categories.

    ``title`` and the labels are the pipeline's own words (no quotes in them); the
    y-axis starts at 0 so that bars compare honestly, and never has a zero range. Bars
    of later series are drawn over earlier ones, in the palette's order.
    """
    top = max([0.0, *(v for _, values in series for v in values)])
    upper = _axis_value(top * 1.1 if top > 0 else 1.0)
    if float(upper) == 0:  # every value rounds to 0 (0.007 req/s): still a range to draw in
        upper = "1"
    return [
        "```mermaid",
        _init(palette, chart_size(x_values)),
        "xychart-beta",
        f'    title "{title}"',
        f'    x-axis "{x_label}" [{", ".join(x_values)}]',
        f'    y-axis "{y_label}" 0 --> {upper}',
        *(f"    {kind} [{', '.join(_axis_value(v) for v in values)}]" for kind, values in series),
        "```",
    ]


@dataclass(frozen=True, slots=True)
class _Point:
    """One charted interval: its start, width, requests, failures and (worst) p95."""

    start: float
    width: float
    count: float
    failures: int
    p95_ms: float


def _points(result: LoadResult) -> tuple[list[_Point], float]:
    """The timeline in at most ``CHART_POINTS`` intervals, and the seconds of each.

    Neighbours are merged when there are more: counts and failures add up, and the
    p95 is the worst of the merged ones (percentiles do not add; the worst never
    flatters the run).
    """
    timeline = result.timeline
    points = []
    for index, point in enumerate(timeline):
        end = timeline[index + 1].start_s if index + 1 < len(timeline) else result.duration_s
        width = max(end - point.start_s, 0.0)
        points.append(_Point(point.start_s, width, point.rps * width, point.failures, point.p95_ms))
    group = max(1, math.ceil(len(points) / CHART_POINTS))
    merged = [
        _Point(
            start=chunk[0].start,
            width=sum(p.width for p in chunk),
            count=sum(p.count for p in chunk),
            failures=sum(p.failures for p in chunk),
            p95_ms=max(p.p95_ms for p in chunk),
        )
        for chunk in (points[i : i + group] for i in range(0, len(points), group))
    ]
    return merged, result.interval_s * group


def _time_axis(points: Sequence[_Point], seconds: float) -> tuple[str, float]:
    """The x-axis title and the seconds per label unit: seconds, or whole minutes.

    Seconds read best, until the labels grow past three digits (30 labels of "83520"
    cannot stay apart at a readable size); then minutes, when every point starts on a
    whole minute (a 24-hour run: one point per 48 minutes, labels up to 1392).
    """
    starts = [point.start for point in points]
    if max(starts) > LONGEST_SECONDS_LABEL and all(
        value % MINUTE == 0 for value in (*starts, seconds)
    ):
        return f"minutes since start ({_axis_value(seconds / MINUTE)} min per point)", MINUTE
    return f"seconds since start ({_axis_value(seconds)} s per point)", 1.0


def _latency_title(result: LoadResult) -> str:
    """The p95 chart's title, which says when its first points are the warm-up's.

    The warm-up's requests are charted (they were sent) but not judged, and they are
    often the slowest (a ~1 s stateful initialize per user): untold, that first point
    reads as a broken limit. Kept short: Mermaid does not wrap a title.
    """
    if result.warmup_s <= 0:
        return "p95 latency, ms (intervals in which nothing finished left out)"
    warmup = number(result.warmup_s)
    return f"p95 latency, ms (first {warmup} s warm-up, not judged; empty intervals left out)"


def _per_second(amount: float, width: float) -> float:
    return amount / width if width > 0 else 0.0


def charts(result: LoadResult) -> list[str]:
    """Throughput with its failures, and p95 latency, over the run.

    The p95 chart leaves out every interval in which nothing finished (a p95 of 0 ms
    would read as fast) or everything failed (fast errors are no latency to show); a
    run where nothing succeeded gets no latency chart at all, and says so.
    """
    points, seconds = _points(result)
    if not points:
        return []
    x_label, unit = _time_axis(points, seconds)
    failed_share = percent(result.total.error_rate)
    # Every request in red, those that succeeded in blue over it: what stays red is the
    # failures. Not a red bar of failures over the blue: Mermaid draws a bar of 0 a few
    # pixels tall, which would show red on every interval, failures or not.
    lines = xychart(
        f"Throughput, req/s (failed in red: {failed_share})",
        x_label,
        [_axis_value(p.start / unit) for p in points],
        "requests per second",
        series=[
            ("bar", [_per_second(p.count, p.width) for p in points]),
            ("bar", [_per_second(max(p.count - p.failures, 0.0), p.width) for p in points]),
        ],
        palette=[FAILED, ANSWERED],
    )
    answered = [p for p in points if round(p.count) > p.failures]
    if not answered:
        return [*lines, "", "No latency chart: no request succeeded."]
    return [
        *lines,
        "",
        *xychart(
            _latency_title(result),
            x_label,
            [_axis_value(p.start / unit) for p in answered],
            "milliseconds",
            series=[("line", [p.p95_ms for p in answered])],
            palette=[LATENCY],
        ),
    ]


def _warmup_line(result: LoadResult) -> list[str]:
    if result.warmup_s <= 0:
        return []
    unjudged = result.total.count - result.judged_total.count
    line = f"- warm-up: requests sent in the first {number(result.warmup_s)} s are reported,"
    return [f"{line} not judged ({unjudged} of {result.total.count})"]


def failure_markdown(line: str) -> str:
    """The report of a run that produced no figures: the verdict and why."""
    return f"### Load test ❌ failed\n\n- {markdown_inline(line, CELL)}\n"


def render_markdown(result: LoadResult) -> str:
    """The report as a Markdown section."""
    verdict = "✅ passed" if result.passed else "❌ failed"
    total = result.total
    lines = [
        f"### Load test {verdict}",
        "",
        f"- target: {markdown_code(result.target, CELL)}",
        f"- {result.users} users"
        + (f" on {result.workers} workers" if result.workers else "")
        + f" for {number(result.duration_s)} s: {total.count} requests, "
        f"{_figure(total.rps)} req/s, {percent(total.error_rate)} failed",
        *_warmup_line(result),
        "",
        HEADER,
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    lines += [_row(markdown_code(kind, 80), stats) for kind, stats in result.requests.items()]
    lines.append(_row("**total**", total))
    if result.breaches:
        lines += ["", "**Breaches**", ""]
        lines += [f"- {markdown_inline(line, CELL)}" for line in result.breaches]
    if result.notes:
        lines += ["", "**Notes**", ""]
        lines += [f"- {markdown_inline(line, CELL)}" for line in result.notes]
    if result.errors:
        lines += ["", "**Errors seen** (most frequent first)", ""]
        lines += [f"- {markdown_inline(line, CELL)}" for line in result.errors]
    chart = charts(result)
    if chart:
        lines += ["", *chart]
    return "\n".join(lines) + "\n"
