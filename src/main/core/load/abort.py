"""``--abort-on-breach``: stop a run once a limit is broken beyond recovery.

As k6's ``abortOnFail``, but only when the rest of the run could not repair the
verdict: a limit that is broken now may still pass at the end, once more good
requests dilute the bad ones. So the question is, per kind: if every request still
to come were fast and succeeded, would the limit still be broken at the end?

How many requests are still to come is not known; it is bounded by ``GROWTH`` (2)
times the judged throughput so far over the time left. A service that speeds up
more than that could, in principle, have recovered: that is the price of stopping
early, and why the option is off by default. Only judged requests (after the
warm-up) count, only after ``SETTLE`` seconds of them, and only figures known for
certain: a request counts as slower than the limit only when its histogram bucket
lies wholly above it. Standard library only.
"""

import math

from main.core.load.figures import Latencies, RunFigures
from main.core.load.thresholds import Thresholds, given

GROWTH = 2.0  # the most the throughput is assumed to grow for the rest of the run
SETTLE = 1.0  # judged seconds before any abort, as k6's delayAbortEval


def _allowed_slow(total: float, p: float) -> int:
    """How many of ``total`` requests may be slower than the limit for the p-th percentile."""
    whole = math.floor(total)
    return whole - math.ceil(p / 100 * whole)


def beyond_recovery(
    figures: RunFigures, thresholds: Thresholds, *, now: float, end: float
) -> str | None:
    """The first limit the run can no longer meet, as a line; None while all still can."""
    judged_since = figures.started + figures.warmup
    elapsed = now - judged_since
    if elapsed < SETTLE:
        return None
    left = max(end - now, 0.0)
    for kind, latencies in figures.judged.items():
        if not latencies.count:
            continue
        most = latencies.count + GROWTH * latencies.count / elapsed * left
        line = _kind_beyond(kind, latencies, thresholds, most)
        if line is not None:
            return line
    return None


def _kind_beyond(
    kind: str, latencies: Latencies, thresholds: Thresholds, most: float
) -> str | None:
    p95, p99, rate = thresholds.limits_of(kind)
    for name, p, limit in (("p95", 95, p95), ("p99", 99, p99)):
        if limit is None:
            continue
        slow = latencies.certainly_above(limit)
        if slow > _allowed_slow(most, p):
            return (
                f"{kind} {name} > limit {given(limit)} ms whatever comes: {slow} of "
                f"{latencies.count} requests already slower"
            )
    if rate is not None and latencies.failures > rate * most:
        return (
            f"{kind} error rate > limit {given(rate, 100)}% whatever comes: "
            f"{latencies.failures} of {latencies.count} requests already failed"
        )
    return None
