"""The figures of a run, kept as they arrive in memory that does not grow with the run.

A 24-hour run at a few thousand requests a second is hundreds of millions of requests:
keeping each one (~180 bytes) would take gigabytes. Instead every kind, and every
point of the time series, keeps a :class:`Latencies` histogram of fixed size, and the
distinct error lines are capped, so memory is flat in the run's length.

Percentiles come from the histogram with a stated error: a reported percentile is
never below the exact nearest-rank value and at most ``RELATIVE_ERROR`` (1%) above it
(times under ``FLOOR_MS``, 1 µs, share one bucket). Erring upward means a limit is
never passed by rounding. Counts, failures and the maximum are exact. Standard library.
"""

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import TypeVar

from main.core.text import clip

K = TypeVar("K")
RELATIVE_ERROR = 0.01
FLOOR_MS = 0.001  # the first bucket holds every time up to 1 µs
CEILING_MS = 1e9  # ~11 days: beyond any request a run can wait for
_GAMMA = 1 + RELATIVE_ERROR
_LOG_GAMMA = math.log(_GAMMA)
BUCKETS = math.ceil(math.log(CEILING_MS / FLOOR_MS) / _LOG_GAMMA) + 1
MAX_DISTINCT_ERRORS = 1000  # distinct (kind, error) lines counted; the rest as one line
OTHER_ERRORS = "(other errors, too many distinct ones to list)"
ERROR_LENGTH = 200
SLIVER = 0.05  # share of an interval too small to be a point of its own
MAX_POINTS = 30  # the time series is cut into at most this many intervals (a readable chart)
LAST_POINT = 2 * MAX_POINTS  # points kept while running; the report folds the tail
LONGEST_SECONDS_LABEL = 999  # a chart's x labels in seconds up to three digits, then minutes
MINUTE = 60


@dataclass(frozen=True, slots=True)
class Sample:
    """One finished request: its kind, when it ended (epoch seconds), how long it took."""

    kind: str
    ended: float
    ms: float
    error: str | None = None


def interval_for(seconds: float) -> float:
    """Whole seconds per point, so that a run of any length has at most ``MAX_POINTS``.

    Once a point would start past ``LONGEST_SECONDS_LABEL`` the chart counts in minutes,
    which it can only do when every point starts on a whole minute: a long run's
    interval is rounded up to whole minutes (40,000 s: 23 min, not 1334 s, whose
    five-digit labels ran together).
    """
    interval = max(1, math.ceil(seconds / MAX_POINTS))
    if (math.ceil(seconds / interval) - 1) * interval > LONGEST_SECONDS_LABEL:
        interval = MINUTE * math.ceil(interval / MINUTE)
    return float(interval)


def _bucket(ms: float) -> int:
    """The bucket of ``ms``: bucket i holds times in (FLOOR * GAMMA**(i-1), FLOOR * GAMMA**i]."""
    if ms <= FLOOR_MS:
        return 0
    index = math.ceil(math.log(ms / FLOOR_MS) / _LOG_GAMMA)
    # The float logarithm may land one off at a boundary: settle it against the bound.
    if FLOOR_MS * _GAMMA**index < ms:
        index += 1
    elif index > 0 and FLOOR_MS * _GAMMA ** (index - 1) >= ms:
        index -= 1
    return min(index, BUCKETS - 1)


class Latencies:
    """Response times in a fixed-size log histogram, with the exact count and maximum."""

    __slots__ = ("_counts", "count", "failures", "max_ms")

    def __init__(self) -> None:
        """Empty; its memory is allocated once (``BUCKETS`` counters) and never grows."""
        self._counts = array("Q", bytes(8 * BUCKETS))
        self.count = 0
        self.failures = 0
        self.max_ms = 0.0

    def add(self, ms: float, *, failed: bool = False) -> None:
        """Count one request that took ``ms``."""
        self._counts[_bucket(ms)] += 1
        self.count += 1
        self.failures += failed
        self.max_ms = max(self.max_ms, ms)

    def merge(self, other: "Latencies") -> None:
        """Add every request ``other`` counted."""
        for index, count in enumerate(other._counts):  # noqa: SLF001 - the same class
            if count:
                self._counts[index] += count
        self.count += other.count
        self.failures += other.failures
        self.max_ms = max(self.max_ms, other.max_ms)

    def certainly_above(self, ms: float) -> int:
        """How many requests surely took longer than ``ms`` (their bucket lies above it)."""
        return sum(self._counts[_bucket(ms) + 1 :])

    def percentile(self, p: float) -> float:
        """The nearest-rank ``p``-th percentile, within the stated error; 0 when empty."""
        if not self.count:
            return 0.0
        rank = min(self.count, max(1, math.ceil(p / 100 * self.count)))
        index = bisect_left(list(accumulate(self._counts)), rank)
        return min(FLOOR_MS * _GAMMA**index, self.max_ms)


def _latencies(table: dict[K, Latencies], key: K) -> Latencies:
    """The histogram of ``key``, made on first use (each one is a few kilobytes)."""
    found = table.get(key)
    if found is None:
        found = table[key] = Latencies()
    return found


@lru_cache(maxsize=256)
def _error_line(error: str) -> str:
    """An error as it is listed: scrubbed, one line, cut (the same few repeat)."""
    return clip(error, ERROR_LENGTH)


class RunFigures:
    """Everything a report needs, folded in one sample at a time.

    ``hold_after(t)`` holds back samples that ended after ``t`` (the stop was called, the
    run's end is not settled yet); ``settle(ended)`` counts those that ended by then, and
    counts the rest as answered after the stop: not in the figures, but said.
    """

    def __init__(self, started: float, planned_seconds: float, warmup: float = 0.0) -> None:
        """A run that started at ``started`` (epoch) and is to last ``planned_seconds``.

        Requests started in its first ``warmup`` seconds are counted but not judged:
        ``judged`` and ``judged_total`` hold only those started after.
        """
        self.started = started
        self.warmup = warmup
        self.interval = interval_for(planned_seconds)
        self.kinds: dict[str, Latencies] = {}
        self.total = Latencies()
        self.judged: dict[str, Latencies] = {}
        self.judged_total = Latencies()
        self.points: dict[int, Latencies] = {}
        self.errors: Counter[tuple[str, str]] = Counter()
        self.after_stop: Counter[str] = Counter()
        self._cutoff: float | None = None
        self._held: list[Sample] = []

    def add(self, sample: Sample) -> None:
        """Count one finished request (held back if it ended after ``hold_after``)."""
        if sample.ended < self.started:
            return
        if self._cutoff is not None and sample.ended > self._cutoff:
            self._held.append(sample)
            return
        failed = sample.error is not None
        _latencies(self.kinds, sample.kind).add(sample.ms, failed=failed)
        self.total.add(sample.ms, failed=failed)
        # Judged by when it was sent: a request sent during the warm-up is not judged
        # (without one, every counted request is, even one sent as the run began).
        if self.warmup <= 0 or sample.ended - sample.ms / 1000 >= self.started + self.warmup:
            _latencies(self.judged, sample.kind).add(sample.ms, failed=failed)
            self.judged_total.add(sample.ms, failed=failed)
        # Past the plan (a sliver, a master waiting for its workers) joins the last point.
        index = min(LAST_POINT, int((sample.ended - self.started) / self.interval))
        _latencies(self.points, index).add(sample.ms, failed=failed)
        if sample.error is not None:
            key = (sample.kind, _error_line(sample.error))
            if key not in self.errors and len(self.errors) >= MAX_DISTINCT_ERRORS:
                key = (sample.kind, OTHER_ERRORS)
            self.errors[key] += 1

    def add_all(self, samples: Iterable[Sample]) -> None:
        """Count each of ``samples``."""
        for sample in samples:
            self.add(sample)

    def hold_after(self, moment: float) -> None:
        """Hold back samples that end after ``moment`` until the run's end is settled."""
        self._cutoff = moment

    def settle(self, ended: float) -> None:
        """The run ended at ``ended``: count held samples up to it, the rest as late."""
        held, self._held = self._held, []
        self._cutoff = ended
        for sample in held:
            if sample.ended <= ended:
                self.add(sample)
            else:
                self.after_stop[sample.kind] += 1

    def late(self) -> Mapping[str, int]:
        """Requests per kind answered after the stop (not in the figures)."""
        return dict(+self.after_stop)
