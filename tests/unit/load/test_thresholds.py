from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.load.result import KindStats, LoadResult
from main.core.load.thresholds import Thresholds, evaluate, judge, number, percent


def result(requests: dict[str, KindStats], *, rps: float = 100.0) -> LoadResult:
    count = sum(stats.count for stats in requests.values())
    failures = sum(stats.failures for stats in requests.values())
    total = KindStats(count=count, failures=failures, rps=rps)
    return LoadResult(target="http://t", users=5, duration_s=10.0, requests=requests, total=total)


def stats(count: int = 100, failures: int = 0, p95: float = 50.0, p99: float = 80.0) -> KindStats:
    return KindStats(count=count, failures=failures, rps=10.0, p50_ms=5, p95_ms=p95, p99_ms=p99)


def test_each_kind_is_held_to_each_limit_on_its_own() -> None:
    measured = result(
        {
            "health": stats(p95=3.0, p99=4.0),
            "mcp.tools_call": stats(failures=5, p95=812.0, p99=1500.4),
        }
    )
    limits = Thresholds(p95_ms=500, p99_ms=1000, max_error_rate=0.01)
    assert evaluate(measured, limits) == [
        "mcp.tools_call p95 812 ms > limit 500 ms",
        "mcp.tools_call p99 1500.4 ms > limit 1000 ms",
        "mcp.tools_call error rate 5% (5 of 100) > limit 1%",
    ]


def test_a_value_at_the_limit_passes() -> None:
    measured = result({"health": stats(failures=1, p95=500.0, p99=500.0)}, rps=20.0)
    limits = Thresholds(p95_ms=500, p99_ms=500, max_error_rate=0.01, min_rps=20)
    assert evaluate(measured, limits) == []


def test_throughput_is_judged_on_the_total() -> None:
    measured = result({"health": stats(), "mcp.tools_list": stats()}, rps=40.25)
    assert evaluate(measured, Thresholds(min_rps=100)) == [
        "throughput 40.2 req/s < minimum 100 req/s"
    ]


def test_a_kind_without_requests_breaks_no_limit() -> None:
    measured = result({"health": stats(), "mcp.tools_call": KindStats()})
    assert evaluate(measured, Thresholds(p95_ms=1, max_error_rate=0)) == [
        "health p95 50 ms > limit 1 ms"
    ]


def test_no_limits_judge_only_whether_the_target_answered() -> None:
    assert judge(result({"health": stats(failures=99)}), Thresholds()).passed
    down = judge(result({"health": stats(failures=100)}), Thresholds())
    assert not down.passed
    assert down.breaches == ("target failing: all 100 requests failed",)
    silent = judge(result({"health": KindStats()}), Thresholds(p95_ms=10))
    assert silent.breaches == ("target failing: no request finished in 10 s",)


def test_a_failing_target_comes_before_the_limits_it_also_breaks() -> None:
    down = judge(result({"health": stats(failures=100)}), Thresholds(max_error_rate=0.5))
    assert down.breaches[0].startswith("target failing")
    assert down.breaches[1] == "health error rate 100% (100 of 100) > limit 50%"


@pytest.mark.parametrize(
    ("value", "text"), [(812.0, "812"), (0.04, "0"), (1500.44, "1500.4"), (2.25, "2.2")]
)
def test_figures_in_breach_lines(value: float, text: str) -> None:
    assert number(value) == text


def test_shares_in_breach_lines() -> None:
    assert (percent(0.125), percent(0.01), percent(1 / 3)) == ("12.5%", "1%", "33.33%")


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_a_breach_figure_agrees_with_the_json_figure(value: float) -> None:
    # The JSON keeps two decimals: the breach line's figure must follow from that value
    # alone (59.2549 is 59.25 in the JSON: the line says 59.2, never 59.3).
    assert number(value) == number(round(value, 2))
    assert number(59.2549) == "59.2"


def test_a_kind_whose_every_request_failed_fails_the_run_without_any_limit() -> None:
    # The MCP endpoint answers 404 to everything while health is fine: with no error-rate
    # limit set (the command line's default), the service must still not pass.
    measured = result(
        {
            "health": stats(),
            "mcp.initialize": stats(count=7, failures=7),
            "mcp.tools_list": KindStats(),
        }
    )
    errors = ("mcp.initialize: initialize answered HTTP 404 (7 times)",)
    judged = judge(replace(measured, errors=errors), Thresholds())
    assert not judged.passed
    expected = (
        "target failing: all 7 mcp.initialize requests failed "
        "(e.g. initialize answered HTTP 404 (7 times))"
    )
    assert judged.breaches == (expected,)


def test_a_breach_line_never_shows_the_measured_value_equal_to_its_limit() -> None:
    measured = result({"health": stats(p95=100.04, p99=100.04)}, rps=99.96)
    limits = Thresholds(p95_ms=100.01, p99_ms=100, min_rps=100)
    assert evaluate(measured, limits) == [
        "health p95 100.04 ms > limit 100.01 ms",
        "health p99 100.04 ms > limit 100 ms",
        "throughput 99.96 req/s < minimum 100 req/s",
    ]


def test_an_error_rate_just_over_its_limit_shows_the_difference() -> None:
    measured = result({"health": stats(count=100_000, failures=1001)})
    assert evaluate(measured, Thresholds(max_error_rate=0.01)) == [
        "health error rate 1.001% (1001 of 100000) > limit 1%"
    ]


def test_large_figures_are_plain_decimals_never_exponents() -> None:
    measured = result({"health": stats(p95=2_500_000.0)}, rps=10.0)
    assert evaluate(measured, Thresholds(p95_ms=1_250_000, min_rps=1e7)) == [
        "health p95 2500000 ms > limit 1250000 ms",
        "throughput 10 req/s < minimum 10000000 req/s",
    ]


def test_a_kind_whose_requests_all_hung_past_the_stop_fails_the_run() -> None:
    # tools/call hangs: no call finishes within a short run, so it has no figures at all,
    # and judging only finished requests would pass the run on its fast health checks.
    measured = replace(
        result({"health": stats(), "mcp.tools_call": KindStats()}),
        in_flight={"mcp.tools_call": 3, "health": 1},
    )
    judged = judge(measured, Thresholds(p95_ms=500))
    assert judged.breaches == (
        "target failing: no mcp.tools_call request finished in 10 s (3 still waiting at the stop)",
    )


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        (Thresholds(p95_ms=0.001), "health p95 50 ms > limit 0.001 ms"),
        (Thresholds(p99_ms=0.00001), "health p99 80 ms > limit 0.00001 ms"),
        (Thresholds(p95_ms=49.999), "health p95 50 ms > limit 49.999 ms"),
        (Thresholds(min_rps=100.125), "throughput 100 req/s < minimum 100.125 req/s"),
        (Thresholds(max_error_rate=0.0001), "health error rate 1% (1 of 100) > limit 0.01%"),
        (Thresholds(max_error_rate=0.07), "health error rate 10% (10 of 100) > limit 7%"),
    ],
)
def test_a_limit_is_printed_as_given(limits: Thresholds, expected: str) -> None:
    # `--p95-ms 0.001` printed "> limit 0 ms": a limit rounded away reads as nonsense.
    failures = 10 if limits.max_error_rate == 0.07 else 1
    measured = result({"health": stats(failures=failures)}, rps=100.0)
    assert evaluate(measured, limits) == [expected]


@given(
    st.floats(min_value=1e-6, max_value=1e6, allow_nan=False),
    st.floats(min_value=1e-6, max_value=1e6, allow_nan=False),
)
def test_a_breach_figure_is_never_shown_on_the_wrong_side_of_its_limit(
    measured: float, limit: float
) -> None:
    from decimal import Decimal  # noqa: PLC0415

    if measured <= limit:
        return
    line = evaluate(result({"health": stats(p95=measured)}), Thresholds(p95_ms=limit))[0]
    shown, given_limit = line.removeprefix("health p95 ").removesuffix(" ms").split(" ms > limit ")
    assert Decimal(given_limit) == Decimal(repr(limit))
    assert Decimal(shown) >= Decimal(given_limit)


def test_a_per_kind_limit_replaces_the_global_one_for_that_kind_only() -> None:
    # A 6 s run with --p95-ms 500 failed on mcp.initialize (~1.05 s by design) while every
    # other kind stayed under 96 ms: the slow kind gets its own limit, the others keep 500.
    measured = result(
        {
            "health": stats(p95=96.0, p99=96.0),
            "mcp.initialize": stats(failures=3, p95=1100.0, p99=1200.0),
            "mcp.tools_call": stats(p95=600.0, p99=700.0),
        }
    )
    limits = Thresholds(
        p95_ms=500,
        max_error_rate=0.01,
        p95_by_kind={"mcp.initialize": 1500},
        error_rate_by_kind={"mcp.initialize": 0.05},
        p99_by_kind={"mcp.initialize": 1000},
    )
    assert evaluate(measured, limits) == [
        "mcp.initialize p99 1200 ms > limit 1000 ms",
        "mcp.tools_call p95 600 ms > limit 500 ms",
    ]


def test_a_per_kind_limit_is_checked_like_a_global_one() -> None:
    with pytest.raises(Exception, match=r"--p95-ms mcp.initialize must be a positive number"):
        Thresholds(p95_by_kind={"mcp.initialize": 0})
    with pytest.raises(Exception, match=r"--max-error-rate health is a share from 0 to 1"):
        Thresholds(error_rate_by_kind={"health": 1.5})


def test_limits_naming_a_kind_the_run_cannot_make_are_refused_with_the_kinds_it_makes() -> None:
    limits = Thresholds(p95_by_kind={"mcp.init": 1500})
    with pytest.raises(Exception, match=r"^--p95-ms names an unknown request kind 'mcp.init'") as e:
        limits.check_kinds(["health", "mcp.initialize"])
    assert "health, mcp.initialize" in str(e.value)
    Thresholds(p95_by_kind={"health": 5}).check_kinds(["health"])


def test_only_judged_requests_are_held_to_the_limits() -> None:
    # Reported: every request, warm-up included; judged: those started after it.
    measured = replace(
        result({"mcp.initialize": stats(count=10, failures=10, p95=3000.0)}),
        judged_requests={"mcp.initialize": stats(count=4, failures=0, p95=80.0)},
    )
    assert evaluate(measured, Thresholds(p95_ms=500, max_error_rate=0)) == []
    unjudged = replace(measured, judged_requests={"mcp.initialize": KindStats()})
    assert evaluate(unjudged, Thresholds(p95_ms=500, max_error_rate=0)) == []


def test_a_target_whose_certificate_is_not_trusted_is_told_how_to_trust_it() -> None:
    # Every request of a run against a self-signed https:// target fails alike: the
    # verdict says what to do (as the smoke test's does), not only OpenSSL's words.
    error = (
        "health: ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "self-signed certificate (_ssl.c:1000) (100 times)"
    )
    down = judge(replace(result({"health": stats(failures=100)}), errors=(error,)), Thresholds())
    (line,) = down.breaches
    assert line.startswith("target failing: all 100 requests failed (e.g. health: ConnectError")
    assert "SSL_CERT_FILE=" in line
