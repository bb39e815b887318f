"""A load-test summary with everything a chart must show honestly, made by the core.

Two minutes of four request kinds (health and an MCP round) plus one that never ran
(``GET /metrics``): a warm-up, a stretch in which nothing finished (the service
stalled), a stretch of HTTP 503s, and slower ``initialize`` calls that only a limit of
their own lets pass. Latencies follow from each request's place in the run, not from
chance, so the same summary (and screenshot) comes out every time.

``python -m tests.support.load_summaries`` prints it: the Markdown
``scripts/render-summary`` draws for docs/images/load-summary.png.
"""

import sys

from main.core.load.markdown import render_markdown
from main.core.load.result import LoadResult, Sample, summarize
from main.core.load.thresholds import Thresholds, judge

START = 1_800_000_000.0
SECONDS = 120.0
STALL = (40.0, 48.0)  # nothing finishes in here: no p95 may be drawn for it
OUTAGE = (64.0, 72.0)  # every health and tools/call answer is a 503 in here
KINDS = ("health", "mcp.initialize", "mcp.tools_list", "mcp.tools_call", "GET /metrics")
LIMITS = Thresholds(p95_ms=250, max_error_rate=0.05, p95_by_kind={"mcp.initialize": 1500})


def _samples() -> list[Sample]:
    samples: list[Sample] = []
    tick = 0.05  # twenty requests a second in the steady state
    for step in range(int(SECONDS / tick)):
        at = step * tick
        if STALL[0] <= at < STALL[1]:
            continue
        kind = ("health", "mcp.tools_list", "mcp.tools_call", "health")[step % 4]
        ms = 18.0 + (step % 17) * 3.5 + (40.0 if at > 90 else 0.0)  # slower in the last half-minute
        error = None
        if OUTAGE[0] <= at < OUTAGE[1] and kind != "mcp.tools_list":
            ms, error = 4.0, "HTTP 503: upstream unavailable"
        samples.append(Sample(kind, START + at + ms / 1000, ms, error))
    # Ten users connect in the first two seconds, a stateful initialize of about a second.
    samples += [Sample("mcp.initialize", START + 0.2 * u + 1.05, 1050.0 + 5 * u) for u in range(10)]
    return samples


def sample_result() -> LoadResult:
    """The run, judged against a global p95 and error rate and initialize's own p95."""
    run = summarize(
        _samples(),
        target="http://app:8000",
        users=10,
        started=START,
        ended=START + SECONDS,
        kinds=KINDS,
        warmup=2.0,
    )
    return judge(run, LIMITS)


def steady_markdown(seconds: float, requests: int = 600) -> str:
    """The summary of a steady run of ``seconds`` (one failure in 50): long-run labels."""
    step = seconds / requests
    samples = [
        Sample("health", START + i * step + 0.01, 10.0 + i % 7, None if i % 50 else "HTTP 500")
        for i in range(requests)
    ]
    run = summarize(samples, target="t", users=1, started=START, ended=START + seconds)
    return render_markdown(judge(run, Thresholds()))


def sample_markdown() -> str:
    """The run's summary, as the load test writes it (``--markdown-out``)."""
    return render_markdown(sample_result())


if __name__ == "__main__":
    sys.stdout.write(sample_markdown())
