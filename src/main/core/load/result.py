"""The figures of a load run and their JSON.

Percentiles follow the nearest-rank method (the p-th percentile is the smallest time
that at least p% of the requests took no longer than), computed from every request's
exact response time folded into a fixed-size histogram (``figures``): a reported
percentile is never below the exact value and at most 1% above it, and memory does
not grow with the run's length. Locust's own percentiles are coarser (two significant
digits above 100 ms); its CSV is exported beside this report, but the verdict rests on
these figures. Failed requests count in the latencies, as in Locust: a fast 500 is
still an answer a client waited for.

``to_json`` has a stable core that other checks read::

    {"passed": bool, "breaches": [str],
     "requests": {KIND: {"count", "failures", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms",
                         "judged"}}}

where ``judged`` counts the requests held to the limits (those started after the
warm-up: every request is reported, not every one judged), with further keys beside
it (``warmup_s``, ``judged_requests`` and ``judged_total``: the figures the verdict
rests on, ``aborted``: why ``--abort-on-breach`` stopped the run early, ``total``,
``timeline``, ``errors``, ``notes``, ``in_flight`` and ``after_stop``: requests per
kind still waiting when the run stopped, and answered after it, neither in the figures).
Standard library only.
"""

import json
import math
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from main.core.load.figures import (
    ERROR_LENGTH,
    MAX_POINTS,
    SLIVER,
    Latencies,
    RunFigures,
    Sample,
    interval_for,
)
from main.core.readback import json_kind, json_object, reading, strings
from main.core.redact import scrub
from main.core.text import clip

__all__ = ["MAX_POINTS", "KindStats", "LoadResult", "Sample", "interval_for", "summarize"]

MAX_ERRORS = 5  # distinct error lines kept as samples
STAT_KEYS = ("count", "failures", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms")
JUDGED = "judged"  # beside STAT_KEYS in each kind of "requests": how many were judged
WHAT = "load-test result"  # what a text that cannot be read back is not


def percentile(ordered: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile of ascending ``ordered``; 0 when it is empty."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class KindStats:
    """Count, failures, throughput and latency of one request kind."""

    count: int = 0
    failures: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0

    @property
    def error_rate(self) -> float:
        """Share of failed requests, 0 to 1 (0 when none was made)."""
        return self.failures / self.count if self.count else 0.0

    @classmethod
    def of(cls, times_ms: Iterable[float], failures: int, seconds: float) -> "KindStats":
        """The figures of requests that took ``times_ms``, over a run of ``seconds``."""
        ordered = sorted(times_ms)
        return cls(
            count=len(ordered),
            failures=failures,
            rps=len(ordered) / seconds if seconds > 0 else 0.0,
            p50_ms=percentile(ordered, 50),
            p95_ms=percentile(ordered, 95),
            p99_ms=percentile(ordered, 99),
            max_ms=ordered[-1] if ordered else 0.0,
        )

    @classmethod
    def of_latencies(cls, latencies: Latencies, seconds: float) -> "KindStats":
        """The figures of the requests ``latencies`` counted, over a run of ``seconds``."""
        return cls(
            count=latencies.count,
            failures=latencies.failures,
            rps=latencies.count / seconds if seconds > 0 else 0.0,
            p50_ms=latencies.percentile(50),
            p95_ms=latencies.percentile(95),
            p99_ms=latencies.percentile(99),
            max_ms=latencies.max_ms,
        )

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form: counts exact, rates and times to two decimals."""
        return {
            "count": self.count,
            "failures": self.failures,
            "rps": round(self.rps, 2),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
        }

    @classmethod
    def from_dict(cls, data: object) -> "KindStats":
        """Read the JSON form back.

        Raises:
            PipelineError: ``not a load-test result: ...`` when it is not a kind's figures.
        """
        with reading(WHAT):
            if not isinstance(data, Mapping):
                msg = f"a request kind's figures must be an object, got {json_kind(data)}"
                raise TypeError(msg)
            return cls(
                count=int(data["count"]),
                failures=int(data["failures"]),
                **{key: float(data[key]) for key in STAT_KEYS[2:]},
            )


@dataclass(frozen=True, slots=True)
class TimePoint:
    """One interval of the time series: from ``start_s`` (since the run began)."""

    start_s: float
    rps: float
    p95_ms: float
    failures: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "start_s": round(self.start_s, 2),
            "rps": round(self.rps, 2),
            "p95_ms": round(self.p95_ms, 2),
            "failures": self.failures,
        }


@dataclass(frozen=True)
class LoadResult:
    """A finished run: per-kind figures, the total, the time series, what went wrong."""

    target: str
    users: int
    duration_s: float
    requests: Mapping[str, KindStats]
    total: KindStats
    interval_s: float = 1.0
    timeline: tuple[TimePoint, ...] = ()
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    workers: int = 0
    breaches: tuple[str, ...] = ()
    judged: bool = field(default=False)
    # Requests per kind still waiting for an answer when the run stopped (not counted
    # above): a kind that only hangs has no figures, and must not pass for it.
    in_flight: Mapping[str, int] = field(default_factory=dict)
    # Requests per kind answered after the stop was called (not counted above either):
    # with ``in_flight`` they account for every request the target saw.
    after_stop: Mapping[str, int] = field(default_factory=dict)
    interrupted: str | None = None  # the signal that ended the run early, e.g. "SIGTERM"
    # The warm-up's seconds, and the figures of the requests started after it (None:
    # every request is judged, the figures above).
    warmup_s: float = 0.0
    judged_requests: Mapping[str, KindStats] | None = None
    judged_total_stats: KindStats | None = None
    aborted: str | None = None  # the breach --abort-on-breach stopped the run for

    @property
    def judged_figures(self) -> Mapping[str, KindStats]:
        """The per-kind figures the limits are held to: requests after the warm-up."""
        return self.requests if self.judged_requests is None else self.judged_requests

    @property
    def judged_total(self) -> KindStats:
        """The total the throughput limit is held to: requests after the warm-up."""
        return self.total if self.judged_total_stats is None else self.judged_total_stats

    def judged_count(self, kind: str) -> int:
        """How many requests of ``kind`` were held to the limits."""
        return self.judged_figures.get(kind, KindStats()).count

    @property
    def passed(self) -> bool:
        """True once judged with no breach (an unjudged result has passed nothing yet)."""
        return self.judged and not self.breaches

    def with_breaches(self, breaches: Iterable[str]) -> "LoadResult":
        """The result judged: these are the thresholds it broke (none: it passed)."""
        return replace(self, breaches=tuple(breaches), judged=True)

    def summary(self) -> str:
        """One line: the verdict, the volume, and the first breach."""
        volume = (
            f"{self.total.count} requests in {self.duration_s:.1f} s "
            f"({self.total.rps:.1f} req/s, {self.total.error_rate:.1%} failed) "
            f"from {self.users} users"
        )
        if self.passed:
            return f"load test passed: {volume}"
        first = self.breaches[0] if self.breaches else "not judged"
        more = f" (+{len(self.breaches) - 1} more)" if len(self.breaches) > 1 else ""
        return f"load test failed: {first}{more}; {volume}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: the stable core first, then the detail."""
        return {
            "passed": self.passed,
            "breaches": list(self.breaches),
            "requests": {
                kind: {**stats.to_dict(), JUDGED: self.judged_count(kind)}
                for kind, stats in self.requests.items()
            },
            "total": {**self.total.to_dict(), JUDGED: self.judged_total.count},
            "summary": self.summary(),
            "target": self.target,
            "users": self.users,
            "workers": self.workers,
            "duration_s": round(self.duration_s, 3),
            "interval_s": self.interval_s,
            "timeline": [point.to_dict() for point in self.timeline],
            "errors": list(self.errors),
            "notes": list(self.notes),
            "in_flight": dict(self.in_flight),
            "after_stop": dict(self.after_stop),
            "interrupted": self.interrupted,
            "warmup_s": round(self.warmup_s, 3),
            "judged_requests": {
                kind: stats.to_dict() for kind, stats in self.judged_figures.items()
            },
            "judged_total": self.judged_total.to_dict(),
            "aborted": self.aborted,
        }

    def to_json(self) -> str:
        """The JSON document as text."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> "LoadResult":
        """Read a report printed by the load generator, or kept in a file.

        Whatever the text holds (a crash message, bytes that are not UTF-8, JSON of the
        wrong shape), a reader gets one bounded line, never a traceback.

        Raises:
            PipelineError: ``not a load-test result: ...`` when the text is not one.
        """
        data = json_object(text, WHAT)
        with reading(WHAT):
            return cls._from_dict(data)

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> "LoadResult":
        requests = data["requests"]
        if not isinstance(requests, Mapping):
            msg = f"requests must be an object of figures per kind, got {json_kind(requests)}"
            raise TypeError(msg)
        timeline = data.get("timeline", [])
        if not isinstance(timeline, list):
            msg = f"timeline must be a list, got {json_kind(timeline)}"
            raise TypeError(msg)
        interrupted, aborted = data.get("interrupted"), data.get("aborted")
        return cls(
            target=str(data.get("target", "")),
            users=int(data.get("users", 0)),
            duration_s=float(data.get("duration_s", 0.0)),
            requests={str(k): KindStats.from_dict(v) for k, v in requests.items()},
            total=KindStats.from_dict(data.get("total", _empty_total())),
            interval_s=float(data.get("interval_s", 1.0)),
            timeline=tuple(_point(point) for point in timeline),
            errors=strings(data.get("errors", []), "errors"),
            notes=strings(data.get("notes", []), "notes"),
            workers=int(data.get("workers", 0)),
            breaches=strings(data.get("breaches", []), "breaches"),
            judged=bool(data.get("passed")) or bool(data.get("breaches")),
            in_flight=_waiting(data.get("in_flight", {})),
            after_stop=_waiting(data.get("after_stop", {})),
            interrupted=None if interrupted is None else str(interrupted),
            warmup_s=float(data.get("warmup_s", 0.0)),
            judged_requests=_kinds(data.get("judged_requests")),
            judged_total_stats=_stats(data.get("judged_total")),
            aborted=None if aborted is None else str(aborted),
        )


def _point(data: object) -> TimePoint:
    """One interval of the time series from its JSON form."""
    if not isinstance(data, Mapping):
        msg = f"a point of the timeline must be an object, got {json_kind(data)}"
        raise TypeError(msg)
    return TimePoint(
        start_s=float(data["start_s"]),
        rps=float(data["rps"]),
        p95_ms=float(data["p95_ms"]),
        failures=int(data["failures"]),
    )


def _kinds(data: object) -> dict[str, KindStats] | None:
    """Per-kind figures from their JSON form; None when absent (an older report)."""
    if not isinstance(data, Mapping):
        return None
    return {str(kind): KindStats.from_dict(stats) for kind, stats in data.items()}


def _stats(data: object) -> KindStats | None:
    return KindStats.from_dict(data) if isinstance(data, Mapping) else None


def _waiting(counts: object) -> dict[str, int]:
    """The kinds with requests in flight, from a mapping of kind to count; others dropped."""
    if not isinstance(counts, Mapping):
        return {}
    waiting: dict[str, int] = {}
    for kind, count in counts.items():
        with suppress(TypeError, ValueError):
            if int(count) > 0:
                waiting[str(kind)] = int(count)
    return waiting


def _empty_total() -> dict[str, Any]:
    return KindStats().to_dict()


def _timeline(figures: RunFigures, seconds: float) -> tuple[TimePoint, ...]:
    # A run overshoots its duration by a few milliseconds: that sliver joins the last point.
    interval = figures.interval
    buckets = max(1, math.ceil(seconds / interval - SLIVER))
    points = [Latencies() for _ in range(buckets)]
    for index, latencies in figures.points.items():
        points[min(index, buckets - 1)].merge(latencies)
    timeline = []
    for index, latencies in enumerate(points):
        start = index * interval
        width = seconds - start if index == buckets - 1 else interval
        rps = latencies.count / width if width > 0 else 0.0
        timeline.append(TimePoint(start, rps, latencies.percentile(95), latencies.failures))
    return tuple(timeline)


def _error_lines(figures: RunFigures) -> tuple[str, ...]:
    common = figures.errors.most_common(MAX_ERRORS)
    return tuple(f"{kind}: {error} ({count} times)" for (kind, error), count in common)


def report(  # noqa: PLR0913 - what a run knows about itself, said once
    figures: RunFigures,
    *,
    target: str,
    users: int,
    ended: float,
    kinds: Iterable[str] = (),
    notes: Iterable[str] = (),
    workers: int = 0,
    in_flight: Mapping[str, int] | None = None,
    interrupted: str | None = None,
    aborted: str | None = None,
) -> LoadResult:
    """The result of a run whose samples ``figures`` folded; ``kinds`` listed even if unused.

    The target and the notes are scrubbed like the error lines: a note quotes what the
    server listed, and a URL may carry user-info; the JSON is exported as it is.
    """
    figures.settle(ended)
    seconds = max(ended - figures.started, 1e-9)
    counted = {kind: figures.kinds.get(kind, Latencies()) for kind in kinds}
    counted.update(figures.kinds)
    judged_seconds = max(seconds - figures.warmup, 1e-9)
    judged = {
        kind: KindStats.of_latencies(figures.judged.get(kind, Latencies()), judged_seconds)
        for kind in counted
    }
    return LoadResult(
        target=scrub(target),
        users=users,
        duration_s=seconds,
        requests={kind: KindStats.of_latencies(lat, seconds) for kind, lat in counted.items()},
        total=KindStats.of_latencies(figures.total, seconds),
        interval_s=figures.interval,
        timeline=_timeline(figures, seconds),
        errors=_error_lines(figures),
        notes=tuple(dict.fromkeys(clip(note, ERROR_LENGTH) for note in notes)),
        workers=workers,
        in_flight=_waiting(in_flight or {}),
        after_stop=figures.late(),
        interrupted=interrupted,
        warmup_s=figures.warmup,
        judged_requests=judged,
        judged_total_stats=KindStats.of_latencies(figures.judged_total, judged_seconds),
        aborted=aborted,
    )


def summarize(  # noqa: PLR0913 - what a run knows about itself, said once
    samples: Iterable[Sample],
    *,
    target: str,
    users: int,
    started: float,
    ended: float,
    kinds: Iterable[str] = (),
    notes: Iterable[str] = (),
    workers: int = 0,
    in_flight: Mapping[str, int] | None = None,
    warmup: float = 0.0,
) -> LoadResult:
    """The figures of a run from a list of its samples (see :func:`report`).

    Samples that ended outside ``[started, ended]`` (a straggler after a hard stop) are
    not counted, so that the throughput is requests per second of the stated duration.
    """
    figures = RunFigures(started, ended - started, warmup)
    figures.hold_after(ended)
    figures.add_all(samples)
    return report(
        figures,
        target=target,
        users=users,
        ended=ended,
        kinds=kinds,
        notes=notes,
        workers=workers,
        in_flight=in_flight,
    )
