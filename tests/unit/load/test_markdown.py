import re

from main.core.load.markdown import render_markdown, xychart
from main.core.load.result import Sample, summarize

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


def test_two_xycharts_throughput_as_bars_and_p95_as_a_line() -> None:
    samples = [Sample("health", START + 0.5, 10.0) for _ in range(20)]
    samples += [Sample("health", START + 2.5, 30.0) for _ in range(10)]
    throughput, latency = blocks(run(samples))
    assert throughput == [
        "xychart-beta",
        '    title "Throughput"',
        '    x-axis "seconds since start (1 s per point)" [0, 1, 2]',
        '    y-axis "requests per second" 0 --> 22',
        "    bar [20, 0, 10]",
    ]
    assert latency[1:] == [
        '    title "p95 latency"',
        '    x-axis "seconds since start (1 s per point)" [0, 1, 2]',
        '    y-axis "milliseconds" 0 --> 33',
        "    line [10, 0, 30]",
    ]


def test_chart_syntax_holds_for_any_figures() -> None:
    lines = xychart("T", "x", ["0", "10"], "y", ("line", [1e-7, 123456789.123]))
    assert lines[0] == "```mermaid"
    assert lines[-1] == "```"
    series = lines[-2]
    assert re.fullmatch(r"    line \[\d+(\.\d)?, \d+(\.\d)?\]", series), series
    assert "e" not in series.removeprefix("    line")
    axis = lines[-3]
    assert re.fullmatch(r'    y-axis "y" 0 --> \d+(\.\d)?', axis), axis


def test_an_idle_chart_still_has_a_y_range() -> None:
    lines = xychart("T", "x", ["0"], "y", ("bar", [0.0]))
    assert lines[-3] == '    y-axis "y" 0 --> 1'


def test_text_from_the_run_cannot_become_markdown() -> None:
    text = run([Sample("GET /a|b`c", START + 1, 1.0, "<img src=x> [link](http://evil)")])
    assert "<img" not in text
    assert "[link](http://evil)" not in text
    assert "\\[link\\](http:\u200b//evil)" in text  # escaped, and no bare-URL autolink
