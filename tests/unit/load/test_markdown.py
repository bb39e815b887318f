import json
import re
from dataclasses import replace
from typing import Any

from main.core.load.markdown import ANSWERED, FAILED, render_markdown, xychart
from main.core.load.result import Sample, TimePoint, summarize

START = 2_000_000.0


def run(samples: list[Sample], seconds: float = 3.0, breaches: tuple[str, ...] = ()) -> str:
    result = summarize(
        samples,
        target="http://app:8000",
        users=4,
        started=START,
        ended=START + seconds,
        kinds=["health", "mcp.tools_call"],
        notes=["tools/call skipped: the first listed tool 'add' needs arguments (a, b)"],
    ).with_breaches(breaches)
    return render_markdown(result)


def blocks(markdown: str) -> list[list[str]]:
    """The body lines of each ```mermaid block."""
    found = re.findall(r"```mermaid\n(.*?)\n```", markdown, flags=re.DOTALL)
    return [block.splitlines() for block in found]


def test_the_verdict_the_table_and_the_notes() -> None:
    samples = [Sample("health", START + 0.5 + i / 100, 10.0) for i in range(50)]
    samples += [Sample("mcp.tools_call", START + 1.5, 40.0, "tools/call answered HTTP 500")]
    text = run(samples)
    assert text.startswith("### Load test ✅ passed\n")
    assert "- 4 users for 3 s: 51 requests, 17.0 req/s, 1.96% failed" in text
    assert "| `health` | 50 | 0 | 16.7 | 10.0 | 10.0 | 10.0 | 10.0 |" in text
    assert "| `mcp.tools_call` | 1 | 1 (100%) | 0.3 | 40.0 | 40.0 | 40.0 | 40.0 |" in text
    assert "| **total** | 51 |" in text
    assert "first listed tool 'add' needs arguments (a, b)" in text
    assert "tools/call answered HTTP 500 (1 times)" in text


def test_breaches_are_listed_under_a_failed_verdict() -> None:
    text = run([Sample("health", START + 1, 900.0)], breaches=("health p95 900 ms > limit 500 ms",))
    assert text.startswith("### Load test ❌ failed\n")
    assert "**Breaches**\n\n- health p95 900 ms &gt; limit 500 ms" in text


def init(block: list[str]) -> dict[str, Any]:
    """The Mermaid init directive of a chart block, as JSON."""
    first = block[0]
    assert first.startswith("%%{init: "), first
    assert first.endswith("}%%"), first
    value: dict[str, Any] = json.loads(first.removeprefix("%%{init: ").removesuffix("}%%"))
    return value


def luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted([luminance(one), luminance(other)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_throughput_with_failures_beside_it_and_p95_only_where_something_finished() -> None:
    samples = [Sample("health", START + 0.5, 10.0) for _ in range(20)]
    samples += [Sample("health", START + 2.5, 30.0) for _ in range(8)]
    samples += [Sample("health", START + 2.5, 1.0, "HTTP 500") for _ in range(2)]
    throughput, latency = blocks(run(samples))
    assert throughput[1:] == [
        "xychart-beta",
        '    title "Throughput, req/s (failed in red: 6.67%)"',
        '    x-axis "seconds since start (1 s per point)" [0, 1, 2]',
        '    y-axis "requests per second" 0 --> 22',
        # Every request in red, then those that succeeded in blue over it: what stays
        # red is the failures. Mermaid draws a bar of 0 a few pixels tall, so a red bar
        # of 0 failures on top would show red on every interval.
        "    bar [20, 0, 10]",
        "    bar [20, 0, 8]",
    ]
    # Nothing finished in the second interval: it is left out, not drawn as p95 = 0.
    assert latency[1:] == [
        "xychart-beta",
        '    title "p95 latency, ms (intervals in which nothing finished left out)"',
        '    x-axis "seconds since start (1 s per point)" [0, 2]',
        '    y-axis "milliseconds" 0 --> 33',
        "    line [10, 30]",
    ]


def test_the_palette_is_explicit_and_high_contrast_in_every_chart() -> None:
    # The default palette drew bars and the p95 line in #ECECFF on white (about 1.2:1).
    samples = [Sample("health", START + 0.5, 10.0, "x" if i % 2 else None) for i in range(9)]
    for block in blocks(run(samples)):
        variables = init(block)["themeVariables"]["xyChart"]
        background = variables["backgroundColor"]
        assert background == "#ffffff"
        palette = [c.strip() for c in variables["plotColorPalette"].split(",")]
        assert palette
        for color in palette:
            assert contrast(color, background) >= 4.5, color
        for key in ("titleColor", "xAxisLabelColor", "yAxisLabelColor", "xAxisLineColor"):
            assert contrast(variables[key], background) >= 4.5, key
    throughput = blocks(run(samples))[0]
    failed, answered = init(throughput)["themeVariables"]["xyChart"]["plotColorPalette"].split(",")
    assert (failed.strip(), answered.strip()) == (FAILED, ANSWERED)  # every request, then the good
    assert contrast(answered.strip(), failed.strip()) >= 2


def test_a_long_timeline_is_charted_in_at_most_thirty_points() -> None:
    # Beyond ~40 points the x labels ran together.
    result = summarize(
        [Sample("health", START + s + 0.5, 10.0 + s) for s in range(90)],
        target="t",
        users=1,
        started=START,
        ended=START + 90,
    )
    many = replace(
        result,
        interval_s=1.0,
        timeline=tuple(TimePoint(float(s), 1.0, 10.0 + s, 0) for s in range(90)),
    )
    for block in blocks(render_markdown(many)):
        x_axis = next(line for line in block if "x-axis" in line)
        labels = x_axis.split("[")[1].rstrip("]").split(", ")
        assert len(labels) <= 30
        assert labels[:2] == ["0", "3"]
        assert "(3 s per point)" in x_axis
    latency = blocks(render_markdown(many))[1]
    assert latency[-1].startswith("    line [12, 15, ")  # the worst p95 of each 3 merged


def test_a_run_where_every_request_failed_never_charts_as_healthy() -> None:
    # It charted as a healthy ~600 req/s at 15 ms.
    samples = [Sample("health", START + 0.2 + i / 100, 15.0, "HTTP 503") for i in range(250)]
    text = run(samples)
    (throughput,) = blocks(text)
    assert '"Throughput, req/s (failed in red: 100%)"' in throughput[2]
    every, succeeded = throughput[-2], throughput[-1]
    assert every.startswith("    bar [80, ")
    assert succeeded == "    bar [0, 0, 0]"  # nothing blue over the red: every bar wholly red
    assert "No latency chart: no request succeeded" in text


def test_kinds_that_never_ran_show_a_dash_not_zero_milliseconds() -> None:
    text = run([Sample("health", START + 0.5, 10.0)])
    assert "| `mcp.tools_call` | 0 | 0 | 0.0 | \u2013 | \u2013 | \u2013 | \u2013 |" in text
    assert "0.0 | 0.0" not in text


def test_the_warm_up_is_said() -> None:
    result = summarize(
        [Sample("health", START + 0.5, 10.0), Sample("health", START + 2.5, 10.0)],
        target="t",
        users=1,
        started=START,
        ended=START + 3,
        warmup=1.0,
    )
    text = render_markdown(result)
    assert "- warm-up: requests sent in the first 1 s are reported, not judged (1 of 2)" in text


def test_a_latency_chart_over_a_warm_up_says_so_in_its_title() -> None:
    # The first p95 point of a run is its warm-up (a ~1 s initialize per user): charted
    # unannounced it reads as a slow start that broke the limit, though it was not judged.
    samples = [Sample("mcp.initialize", START + 0.9, 1000.0), Sample("health", START + 2.5, 9.0)]
    result = summarize(samples, target="t", users=1, started=START, ended=START + 3, warmup=1.0)
    _, latency = blocks(render_markdown(result))
    assert (
        latency[2]
        == '    title "p95 latency, ms (first 1 s warm-up, not judged; empty intervals left out)"'
    )
    no_warmup = summarize(samples, target="t", users=1, started=START, ended=START + 3)
    _, latency = blocks(render_markdown(no_warmup))
    assert "warm-up" not in latency[2]


def test_chart_syntax_holds_for_any_figures() -> None:
    lines = xychart(
        "T", "x", ["0", "10"], "y", series=[("line", [1e-7, 123456789.123])], palette=["#000000"]
    )
    assert lines[0] == "```mermaid"
    assert lines[-1] == "```"
    series = lines[-2]
    assert re.fullmatch(r"    line \[\d+(\.\d)?, \d+(\.\d)?\]", series), series
    assert "e" not in series.removeprefix("    line")
    axis = lines[-3]
    assert re.fullmatch(r'    y-axis "y" 0 --> \d+(\.\d)?', axis), axis


def test_an_idle_chart_still_has_a_y_range() -> None:
    lines = xychart("T", "x", ["0"], "y", series=[("bar", [0.0])], palette=["#000000"])
    assert lines[-3] == '    y-axis "y" 0 --> 1'


def test_text_from_the_run_cannot_become_markdown() -> None:
    text = run([Sample("GET /a|b`c", START + 1, 1.0, "<img src=x> [link](http://evil)")])
    assert "<img" not in text
    assert "[link](http://evil)" not in text
    assert "\\[link\\](http:\u200b//evil)" in text  # escaped, and no bare-URL autolink


def test_a_chart_is_wide_enough_for_its_x_labels() -> None:
    # 30 labels of three digits ran together at Mermaid's default 700 px ("100104108").
    def size(labels: list[str]) -> dict[str, Any]:
        lines = xychart(
            "T", "x", labels, "y", series=[("bar", [1.0] * len(labels))], palette=["#000000"]
        )
        value: dict[str, Any] = init(lines[1:])["xyChart"]
        return value

    assert size(["0", "1", "2"]) == {"width": 700}  # Mermaid's own, when the labels fit
    two_digits = size([str(s) for s in range(30)])
    assert set(two_digits) == {"width"}  # wider, at Mermaid's own label size
    assert 700 < two_digits["width"] <= 900
    # Wider up to 900 px (a page shows it unscaled), then smaller labels, never overlapping:
    for digits in (3, 4, 5):
        labels = [str(10 ** (digits - 1) + s) for s in range(30)]
        chart = size(labels)
        assert 700 < chart["width"] <= 900
        font = chart.get("xAxis", {}).get("labelFontSize", 14)
        assert 8 <= font <= 14
        per_label = (chart["width"] - 120) / 30
        assert per_label >= 0.56 * font * digits, (digits, chart)  # a digit is ~0.56 em


def test_a_long_run_is_labelled_in_whole_minutes() -> None:
    # A day in 30 points of 2880 s: labels up to "83520" were too long to stay apart at
    # any readable size; in minutes they are at most four digits.
    result = summarize(
        [Sample("health", START + 10, 10.0)], target="t", users=1, started=START, ended=START + 1
    )
    day = replace(
        result,
        duration_s=86_400.0,
        interval_s=2880.0,
        timeline=tuple(TimePoint(s * 2880.0, 1.0, 10.0, 0) for s in range(30)),
    )
    for block in blocks(render_markdown(day)):
        x_axis = next(line for line in block if "x-axis" in line)
        assert x_axis.startswith('    x-axis "minutes since start (48 min per point)" [0, 48, 96, ')
        assert x_axis.endswith(", 1392]")


def test_a_run_in_seconds_that_are_not_whole_minutes_stays_in_seconds() -> None:
    result = summarize(
        [Sample("health", START + 10, 10.0)], target="t", users=1, started=START, ended=START + 1
    )
    odd = replace(
        result,
        duration_s=1020.0,
        interval_s=34.0,
        timeline=tuple(TimePoint(s * 34.0, 1.0, 10.0, 0) for s in range(30)),
    )
    x_axis = next(line for line in blocks(render_markdown(odd))[0] if "x-axis" in line)
    assert x_axis.startswith('    x-axis "seconds since start (34 s per point)" [0, 34, 68, ')


def test_a_slow_chart_still_has_a_y_range() -> None:
    # 600 requests in a day is 0.007 req/s: the axis rounded to "0 --> 0".
    lines = xychart("T", "x", ["0"], "y", series=[("bar", [0.0069])], palette=["#000000"])
    upper = float(lines[-3].rsplit(" ", 1)[1])
    assert upper > 0
