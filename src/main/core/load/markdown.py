"""A load report as Markdown for the job summary: verdict, table, breaches, two charts.

The charts are Mermaid ``xychart-beta`` blocks, which GitHub renders in job summaries
and pull-request comments: throughput (bars) and p95 latency (a line) per interval of
the run. They are two charts, not one with two series, because an xychart has a single
y-axis and requests per second and milliseconds rarely share a scale. Everything taken
from the run (kind names, error lines) goes through core/text.py. Standard library only.
"""

from collections.abc import Sequence

from main.core.load.result import KindStats, LoadResult
from main.core.load.thresholds import number, percent
from main.core.text import markdown_code, markdown_inline

CELL = 300
HEADER = "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |"


def _figure(value: float) -> str:
    return f"{value:.1f}"


def _row(name: str, stats: KindStats) -> str:
    failures = f"{stats.failures} ({percent(stats.error_rate)})" if stats.failures else "0"
    cells = [
        name,
        str(stats.count),
        failures,
        _figure(stats.rps),
        *(_figure(v) for v in (stats.p50_ms, stats.p95_ms, stats.p99_ms, stats.max_ms)),
    ]
    return "| " + " | ".join(cells) + " |"


def _axis_value(value: float) -> str:
    """A number Mermaid parses: plain decimal, never an exponent."""
    text = f"{round(value, 1):.1f}"
    return text.removesuffix(".0")


def xychart(
    title: str, x_label: str, x_values: Sequence[str], y_label: str, series: tuple[str, list[float]]
) -> list[str]:
    """A fenced Mermaid ``xychart-beta``: one ``bar`` or ``line`` series over categories.

    ``title`` and the labels are the pipeline's own words (no quotes in them); the
    y-axis starts at 0 so that bars compare honestly, and never has a zero range.
    """
    kind, values = series
    top = max([*values, 0.0])
    upper = _axis_value(top * 1.1 if top > 0 else 1.0)
    return [
        "```mermaid",
        "xychart-beta",
        f'    title "{title}"',
        f'    x-axis "{x_label}" [{", ".join(x_values)}]',
        f'    y-axis "{y_label}" 0 --> {upper}',
        f"    {kind} [{', '.join(_axis_value(v) for v in values)}]",
        "```",
    ]


def charts(result: LoadResult) -> list[str]:
    """Throughput and p95 latency over the run, one point per interval."""
    if not result.timeline:
        return []
    x_values = [_axis_value(point.start_s) for point in result.timeline]
    x_label = f"seconds since start ({_axis_value(result.interval_s)} s per point)"
    rps = [point.rps for point in result.timeline]
    p95 = [point.p95_ms for point in result.timeline]
    return [
        *xychart("Throughput", x_label, x_values, "requests per second", ("bar", rps)),
        "",
        *xychart("p95 latency", x_label, x_values, "milliseconds", ("line", p95)),
    ]


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
