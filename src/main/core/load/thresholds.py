"""Limits a load run must stay within, and the verdict against them.

p95, p99 and the error rate apply to each request kind on its own (a slow
``tools/call`` must not hide behind fast health checks); a kind may have limits of
its own on top of the global ones (``--p95-ms 500 --p95-ms mcp.initialize=1500``:
a stateful initialize that takes a second by design must not fail a healthy
service). The minimum throughput applies to the total. Only judged requests (those
started after the warm-up) are held to the limits. Every breach is one line naming
the kind, the measure, the measured value and the limit:
``mcp.tools_call p95 812 ms > limit 500 ms``.

Beyond the configured limits, a target that answered nothing is never a pass: no
request finished, every request failed, or every request of one kind failed (an MCP
endpoint answering 404 beside a healthy health check). Standard library only.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from main.core.errors import PipelineError
from main.core.load.result import LoadResult
from main.core.mcp.certificates import with_tls_hint


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Each limit is optional; none set judges only whether the target answered at all."""

    p95_ms: float | None = None
    p99_ms: float | None = None
    max_error_rate: float | None = None  # a share, 0 to 1
    min_rps: float | None = None
    # Limits of single kinds, replacing the global one for that kind.
    p95_by_kind: Mapping[str, float] = field(default_factory=dict)
    p99_by_kind: Mapping[str, float] = field(default_factory=dict)
    error_rate_by_kind: Mapping[str, float] = field(default_factory=dict)
    # Stop the run once a limit is broken beyond recovery (see ``core/load/abort``).
    abort_on_breach: bool = False

    def __post_init__(self) -> None:
        """Refuse a limit no run could be measured against."""
        for option, value in (
            ("--p95-ms", self.p95_ms),
            ("--p99-ms", self.p99_ms),
            ("--min-rps", self.min_rps),
            *((f"--p95-ms {kind}", ms) for kind, ms in self.p95_by_kind.items()),
            *((f"--p99-ms {kind}", ms) for kind, ms in self.p99_by_kind.items()),
        ):
            check_limit(option, value)
        for option, rate in (
            ("--max-error-rate", self.max_error_rate),
            *((f"--max-error-rate {kind}", r) for kind, r in self.error_rate_by_kind.items()),
        ):
            check_share(option, rate)

    def limits_of(self, kind: str) -> tuple[float | None, float | None, float | None]:
        """The p95, p99 and error-rate limits ``kind`` is held to (its own, else global)."""
        return (
            self.p95_by_kind.get(kind, self.p95_ms),
            self.p99_by_kind.get(kind, self.p99_ms),
            self.error_rate_by_kind.get(kind, self.max_error_rate),
        )

    def check_kinds(self, kinds: Iterable[str]) -> None:
        """Refuse a limit of a kind the run cannot make: a typo would judge nothing."""
        known = list(kinds)
        for option, table in (
            ("--p95-ms", self.p95_by_kind),
            ("--p99-ms", self.p99_by_kind),
            ("--max-error-rate", self.error_rate_by_kind),
        ):
            for kind in table:
                if kind not in known:
                    msg = (
                        f"{option} names an unknown request kind {kind!r}; "
                        f"kinds of this run: {', '.join(known)}"
                    )
                    raise PipelineError(msg)


def check_limit(option: str, value: float | None) -> None:
    """A latency or throughput limit is a positive finite number (or not set)."""
    if value is not None and not (value > 0 and math.isfinite(value)):
        msg = f"{option} must be a positive number, got {value!r}"
        raise PipelineError(msg)


def check_share(option: str, rate: float | None) -> None:
    """An error-rate limit is a share from 0 to 1 (or not set)."""
    if rate is not None and not (0 <= rate <= 1):
        msg = f"{option} is a share from 0 to 1 (0.01 = 1%), got {rate!r}"
        raise PipelineError(msg)


MOST_DECIMALS = 15  # beyond this a float has no more digits to show


def _fixed(value: float, decimals: int) -> str:
    """``value`` to ``decimals`` places, trailing zeros dropped, never an exponent.

    Up to two places it is rounded from the two decimals the JSON result keeps, so the
    line and the JSON never disagree on the last digit (59.2549 is 59.25 there, and
    59.2 here, not 59.3).
    """
    rounded = round(round(value, 2), decimals) if decimals <= 2 else round(value, decimals)  # noqa: PLR2004 - the JSON's two decimals
    return f"{rounded:.{decimals}f}".rstrip("0").rstrip(".")


def number(value: float) -> str:
    """A figure for a line: at most one decimal, no trailing zero, no exponent."""
    return _fixed(value, 1)


def given(limit: float, scale: int = 1) -> str:
    """A limit as it was written (its shortest exact form), times ``scale``, no exponent.

    Limits are the user's own numbers: ``--p95-ms 0.001`` reads ``limit 0.001 ms`` and
    ``--max-error-rate 0.07`` ``limit 7%``, never a rounded ``0`` or ``7.000000000000001``.
    """
    text = format(Decimal(repr(float(limit))) * scale, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def apart(measured: float, limit: float, scale: int = 1) -> tuple[str, str]:
    """A measured figure and its limit (as given), the figure with as few decimals as it needs.

    One decimal usually does; a p95 of 100.04 against a limit of 100.01 would read
    ``100 ms > limit 100.01 ms`` with one (the wrong side of the limit), so it gets two.
    The figure is never shown equal to the limit, nor on its other side, while some
    number of decimals tells them apart.
    """
    limit_text = given(limit, scale)
    exact = Decimal(limit_text)
    value = measured * scale
    above = value > float(exact)
    shown = _fixed(value, 1)
    for decimals in range(1, MOST_DECIMALS + 1):
        shown = _fixed(value, decimals)
        figure = Decimal(shown)
        if figure != exact and (figure > exact) == above:
            break
    return shown, limit_text


def percent(share: float) -> str:
    """A share as a percentage with at most two decimals: 0.125 -> 12.5%."""
    return f"{_fixed(share * 100, 2)}%"


def evaluate(result: LoadResult, thresholds: Thresholds) -> list[str]:
    """One line per broken limit, kinds in the result's order, the throughput last.

    Only judged requests count (those started after the warm-up); a kind with none
    breaks no limit.
    """
    breaches: list[str] = []
    judged = result.judged_figures
    for kind in result.requests:
        stats = judged.get(kind)
        if stats is None or stats.count == 0:
            continue
        p95, p99, rate = thresholds.limits_of(kind)
        for name, limit, measured in (
            ("p95", p95, stats.p95_ms),
            ("p99", p99, stats.p99_ms),
        ):
            if limit is not None and measured > limit:
                shown, most = apart(measured, limit)
                breaches.append(f"{kind} {name} {shown} ms > limit {most} ms")
        if rate is not None and stats.error_rate > rate:
            shown, most = apart(stats.error_rate, rate, scale=100)
            breaches.append(
                f"{kind} error rate {shown}% ({stats.failures} of {stats.count}) > limit {most}%"
            )
    least = thresholds.min_rps
    rps = result.judged_total.rps
    if least is not None and rps < least:
        shown, least_shown = apart(rps, least)
        breaches.append(f"throughput {shown} req/s < minimum {least_shown} req/s")
    return breaches


def target_failures(result: LoadResult) -> list[str]:
    """Why the target cannot pass whatever the limits: it answered nothing usable.

    Also per kind: an MCP endpoint that fails every request is broken even when the
    health checks beside it succeed and no error-rate limit is set.
    """
    total = result.total
    if total.count == 0:
        return [f"target failing: no request finished in {number(result.duration_s)} s"]
    if total.failures == total.count:
        first = f" (e.g. {result.errors[0]})" if result.errors else ""
        return [with_tls_hint(f"target failing: all {total.count} requests failed{first}")]
    failing: list[str] = []
    for kind, stats in result.requests.items():
        waiting = result.in_flight.get(kind, 0)
        if stats.count == 0 and waiting:
            failing.append(
                f"target failing: no {kind} request finished in {number(result.duration_s)} s "
                f"({waiting} still waiting at the stop)"
            )
        elif stats.count and stats.failures == stats.count:
            example = _example(result, kind)
            failing.append(f"target failing: all {stats.count} {kind} requests failed{example}")
    return failing


def _example(result: LoadResult, kind: str) -> str:
    """`` (e.g. ERROR)`` from the first error line of ``kind``, or nothing."""
    prefix = f"{kind}: "
    for line in result.errors:
        if line.startswith(prefix):
            return f" (e.g. {line.removeprefix(prefix)})"
    return ""


def interrupted(result: LoadResult) -> list[str]:
    """A run a signal ended early measured less than was asked: it cannot pass."""
    if result.interrupted is None:
        return []
    seconds = number(result.duration_s)
    return [f"run interrupted by {result.interrupted} after {seconds} s: the figures cover it only"]


def judge(result: LoadResult, thresholds: Thresholds) -> LoadResult:
    """The result with its verdict: an interruption, a failing target, every broken limit."""
    return result.with_breaches(
        [*interrupted(result), *target_failures(result), *evaluate(result, thresholds)]
    )
