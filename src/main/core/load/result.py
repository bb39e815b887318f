"""The figures of a load run, computed from every recorded request, and their JSON.

Percentiles are computed here, from the exact response time of every request, by the
nearest-rank method (the p-th percentile is the smallest time that at least p% of the
requests took no longer than). Locust's own percentiles are bucketed (rounded to two
significant digits above 100 ms); its CSV is exported beside this report, but the
verdict rests on these exact figures. Failed requests count in the latencies, as in
Locust: a fast 500 is still an answer a client waited for.

``to_json`` has a stable core that other checks read::

    {"passed": bool, "breaches": [str],
     "requests": {KIND: {"count", "failures", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms"}}}

with further keys beside it (``total``, ``timeline``, ``errors``, ``notes``, ...).
Standard library only.
"""

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from main.core.errors import PipelineError
from main.core.redact import scrub
from main.core.text import clip

MAX_POINTS = 60  # the time series is cut into at most this many intervals
MAX_ERRORS = 5  # distinct error lines kept as samples
ERROR_LENGTH = 200
SLIVER = 0.05  # share of an interval too small to be a point of its own
STAT_KEYS = ("count", "failures", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms")


@dataclass(frozen=True, slots=True)
class Sample:
    """One finished request: its kind, when it ended (epoch seconds), how long it took."""

    kind: str
    ended: float
    ms: float
    error: str | None = None


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
    def from_dict(cls, data: Mapping[str, Any]) -> "KindStats":
        """Read the JSON form back."""
        try:
            return cls(
                count=int(data["count"]),
                failures=int(data["failures"]),
                **{key: float(data[key]) for key in STAT_KEYS[2:]},
            )
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"a request kind in the load report lacks {exc}: {data!r}"
            raise PipelineError(msg) from None


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
            "requests": {kind: stats.to_dict() for kind, stats in self.requests.items()},
            "total": self.total.to_dict(),
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
        }

    def to_json(self) -> str:
        """The JSON document as text."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "LoadResult":
        """Read a report printed by the load generator; one clear line if it is not one."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("requests"), dict):
            shown = clip(text, 200) or "nothing"
            msg = f"the load generator printed no JSON report, it printed: {shown}"
            raise PipelineError(msg)
        points = tuple(
            TimePoint(
                start_s=float(p["start_s"]),
                rps=float(p["rps"]),
                p95_ms=float(p["p95_ms"]),
                failures=int(p["failures"]),
            )
            for p in data.get("timeline", [])
        )
        return cls(
            target=str(data.get("target", "")),
            users=int(data.get("users", 0)),
            duration_s=float(data.get("duration_s", 0.0)),
            requests={k: KindStats.from_dict(v) for k, v in data["requests"].items()},
            total=KindStats.from_dict(data.get("total", _empty_total())),
            interval_s=float(data.get("interval_s", 1.0)),
            timeline=points,
            errors=tuple(str(line) for line in data.get("errors", [])),
            notes=tuple(str(line) for line in data.get("notes", [])),
            workers=int(data.get("workers", 0)),
            breaches=tuple(str(line) for line in data.get("breaches", [])),
            judged=bool(data.get("passed")) or bool(data.get("breaches")),
            in_flight=_waiting(data.get("in_flight", {})),
        )


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


def interval_for(seconds: float) -> float:
    """Whole seconds per point, so that a run of any length has at most ``MAX_POINTS``."""
    return float(max(1, math.ceil(seconds / MAX_POINTS)))


def _timeline(
    samples: list[Sample], started: float, seconds: float, interval: float
) -> tuple[TimePoint, ...]:
    # A run overshoots its duration by a few milliseconds: that sliver joins the last point.
    buckets = max(1, math.ceil(seconds / interval - SLIVER))
    times: list[list[float]] = [[] for _ in range(buckets)]
    failures = [0] * buckets
    for sample in samples:
        index = min(buckets - 1, max(0, int((sample.ended - started) / interval)))
        times[index].append(sample.ms)
        failures[index] += sample.error is not None
    points = []
    for index in range(buckets):
        start = index * interval
        width = seconds - start if index == buckets - 1 else interval
        ordered = sorted(times[index])
        points.append(
            TimePoint(start, len(ordered) / width, percentile(ordered, 95), failures[index])
        )
    return tuple(points)


def _failures(samples: list[Sample]) -> int:
    return sum(1 for sample in samples if sample.error is not None)


def _error_lines(samples: list[Sample]) -> tuple[str, ...]:
    seen = Counter(
        (sample.kind, clip(sample.error, ERROR_LENGTH)) for sample in samples if sample.error
    )
    return tuple(
        f"{kind}: {error} ({count} times)" for (kind, error), count in seen.most_common(10)
    )[:MAX_ERRORS]


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
) -> LoadResult:
    """The figures of a run from its samples; ``kinds`` are listed even without a request.

    Samples that ended outside ``[started, ended]`` (a straggler after a hard stop) are
    not counted, so that the throughput is requests per second of the stated duration.
    The target and the notes are scrubbed like the error lines: a note quotes what the
    server listed, and a URL may carry user-info; the JSON is exported as it is.
    """
    seconds = max(ended - started, 1e-9)
    kept = [sample for sample in samples if started <= sample.ended <= ended]
    by_kind: dict[str, list[Sample]] = {kind: [] for kind in kinds}
    for sample in kept:
        by_kind.setdefault(sample.kind, []).append(sample)
    requests = {
        kind: KindStats.of((s.ms for s in group), _failures(group), seconds)
        for kind, group in by_kind.items()
    }
    interval = interval_for(seconds)
    return LoadResult(
        target=scrub(target),
        users=users,
        duration_s=seconds,
        requests=requests,
        total=KindStats.of((s.ms for s in kept), _failures(kept), seconds),
        interval_s=interval,
        timeline=_timeline(kept, started, seconds, interval),
        errors=_error_lines(kept),
        notes=tuple(dict.fromkeys(clip(note, ERROR_LENGTH) for note in notes)),
        workers=workers,
        in_flight=_waiting(in_flight or {}),
    )
