import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.load.figures import RELATIVE_ERROR
from main.core.load.result import (
    JUDGED,
    MAX_POINTS,
    STAT_KEYS,
    KindStats,
    LoadResult,
    Sample,
    interval_for,
    percentile,
    summarize,
)

START = 1_000_000.0


def samples(
    kind: str, times_ms: list[float], *, every: float = 0.01, error: str | None = None
) -> list[Sample]:
    return [Sample(kind, START + (i + 1) * every, ms, error) for i, ms in enumerate(times_ms)]


def test_nearest_rank_percentiles_of_one_to_a_hundred() -> None:
    ordered = [float(n) for n in range(1, 101)]
    assert [percentile(ordered, p) for p in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile(ordered, 0.1) == 1.0


def test_percentiles_of_small_and_empty_runs() -> None:
    assert percentile([], 95) == 0.0
    assert percentile([7.0], 50) == 7.0
    # 95% of 10 requests is 9.5: the 10th is the first that covers it.
    assert percentile([float(n) for n in range(1, 11)], 95) == 10.0
    assert percentile([float(n) for n in range(1, 11)], 50) == 5.0


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=300), st.floats(1, 100))
def test_a_percentile_is_a_measured_value_covering_its_share(values: list[float], p: float) -> None:
    ordered = sorted(values)
    value = percentile(ordered, p)
    assert value in ordered
    at_or_below = sum(1 for v in ordered if v <= value)
    assert at_or_below >= p / 100 * len(ordered) - 1e-9
    below = sum(1 for v in ordered if v < value)
    assert below < p / 100 * len(ordered) + 1e-9


def test_per_kind_figures_from_samples_known_by_construction() -> None:
    # 90 fast answers of 10 ms and 10 slow failures of 200 ms, over 2 seconds.
    fast = samples("health", [10.0] * 90, every=0.02)
    slow = samples("health", [200.0] * 10, every=0.02, error="GET /health answered HTTP 500")
    result = summarize(fast + slow, target="http://t", users=3, started=START, ended=START + 2)
    health = result.requests["health"]
    assert (health.count, health.failures) == (100, 10)
    assert health.error_rate == pytest.approx(0.1)
    assert health.rps == pytest.approx(50.0)
    # percentiles within the stated error (never below, at most 1% above); the max is exact
    for estimate, exact in ((health.p50_ms, 10), (health.p95_ms, 200), (health.p99_ms, 200)):
        assert exact <= estimate <= exact * (1 + RELATIVE_ERROR)
    assert health.max_ms == 200
    assert result.total == health
    assert result.errors == ("health: GET /health answered HTTP 500 (10 times)",)


def test_configured_kinds_are_listed_even_without_a_request() -> None:
    result = summarize(
        samples("mcp.tools_list", [5.0]),
        target="http://t",
        users=1,
        started=START,
        ended=START + 1,
        kinds=["health", "mcp.initialize", "mcp.tools_list"],
    )
    assert list(result.requests) == ["health", "mcp.initialize", "mcp.tools_list"]
    assert result.requests["health"] == KindStats()


def test_requests_that_ended_after_the_stop_are_not_counted() -> None:
    inside = samples("health", [1.0] * 10, every=0.05)  # end at 0.05 .. 0.5 s
    late = [Sample("health", START + 1.5, 1.0)]
    result = summarize(inside + late, target="t", users=1, started=START, ended=START + 1)
    assert result.requests["health"].count == 10
    assert result.total.rps == pytest.approx(10.0)


def test_the_time_series_has_one_point_per_second_with_its_own_p95() -> None:
    first = [Sample("health", START + 0.5, 10.0) for _ in range(20)]
    second = [Sample("health", START + 1.5, 100.0, "boom") for _ in range(5)]
    # a run overshoots its 2 s by 3 ms: no third point for that sliver
    result = summarize(first + second, target="t", users=1, started=START, ended=START + 2.003)
    assert [(p.start_s, p.rps, p.p95_ms, p.failures) for p in result.timeline] == [
        (0.0, 20.0, 10.0, 0),
        (1.0, pytest.approx(5 / 1.003), 100.0, 5),
    ]


def test_a_long_run_has_at_most_thirty_points() -> None:
    # Beyond ~40 points a chart's x labels ran together: a timeline has at most 30.
    assert MAX_POINTS == 30
    assert interval_for(30) == 1
    assert interval_for(31) == 2
    assert interval_for(3600) == 120
    result = summarize([], target="t", users=1, started=START, ended=START + 600)
    assert len(result.timeline) == MAX_POINTS
    assert result.interval_s == 20


@pytest.mark.parametrize(
    "seconds", [1, 6, 30, 31, 999, 1000, 1020, 1050, 3000, 7_777, 40_000, 86_399, 86_400]
)
def test_a_long_run_is_cut_in_whole_minutes_so_its_labels_fit(seconds: float) -> None:
    # 40,000 s in points of 1334 s labelled the chart up to "38686": five digits, 30
    # times, cannot stay apart. Once a label would pass 999 s the points are whole
    # minutes (the chart then counts in minutes), still at most 30 of them.
    interval = interval_for(seconds)
    points = math.ceil(seconds / interval)
    assert points <= MAX_POINTS
    if (points - 1) * interval > 999:  # the longest label in seconds
        assert interval % 60 == 0, interval
    else:
        assert interval == max(1, math.ceil(seconds / MAX_POINTS))  # short runs as before


def test_warm_up_requests_are_reported_but_not_judged() -> None:
    # Judged by when they were sent: one sent at 0.9 s that took 1 s is still warm-up.
    measured = [
        Sample("mcp.initialize", START + 1.9, 1000.0, None),
        Sample("mcp.initialize", START + 0.5, 400.0, "refused"),
        Sample("mcp.initialize", START + 2.5, 20.0),
        Sample("health", START + 1.5, 5.0),
    ]
    result = summarize(measured, target="t", users=1, started=START, ended=START + 3, warmup=1.0)
    assert result.requests["mcp.initialize"].count == 3
    assert result.judged_figures["mcp.initialize"].count == 1
    assert result.judged_figures["mcp.initialize"].failures == 0
    assert result.judged_total.count == 2
    assert result.judged_total.rps == pytest.approx(1.0)
    document = json.loads(result.to_json())
    assert document["requests"]["mcp.initialize"][JUDGED] == 1
    assert document["requests"]["health"][JUDGED] == 1
    assert document["warmup_s"] == 1.0
    again = LoadResult.from_json(result.to_json())
    assert again.judged_figures["mcp.initialize"].count == 1
    assert again.judged_total.count == 2


def test_error_samples_are_scrubbed_flattened_and_few() -> None:
    noisy = [
        Sample("health", START + 0.1, 1.0, f"error {n}\nwith token=ghp_{'a' * 36}")
        for n in range(8)
    ]
    result = summarize(noisy, target="t", users=1, started=START, ended=START + 1)
    assert len(result.errors) == 5
    assert all("\n" not in line and "ghp_" not in line for line in result.errors)


def test_the_json_has_the_stable_shape_and_reads_back() -> None:
    result = summarize(
        samples("mcp.tools_call", [12.345, 20.0]),
        target="http://app:8000",
        users=2,
        started=START,
        ended=START + 1,
        notes=["a note", "a note"],
    ).with_breaches(["mcp.tools_call p95 20 ms > limit 15 ms"])
    document = json.loads(result.to_json())
    assert document["passed"] is False
    assert document["breaches"] == ["mcp.tools_call p95 20 ms > limit 15 ms"]
    assert set(document["requests"]["mcp.tools_call"]) == {*STAT_KEYS, JUDGED}
    assert document["requests"]["mcp.tools_call"][JUDGED] == 2
    assert 12.345 <= document["requests"]["mcp.tools_call"]["p50_ms"] <= 12.345 * 1.01
    assert document["notes"] == ["a note"]
    assert {"timeline", "errors", "duration_s", "users", "total"} <= set(document)
    again = LoadResult.from_json(result.to_json())
    assert again.breaches == result.breaches
    assert not again.passed
    assert again.requests["mcp.tools_call"].count == 2
    assert again.timeline == result.timeline


def test_a_result_is_not_passed_until_judged() -> None:
    result = summarize([], target="t", users=1, started=START, ended=START + 1)
    assert not result.passed
    assert result.with_breaches([]).passed
    assert LoadResult.from_json(result.with_breaches([]).to_json()).passed


@pytest.mark.parametrize(
    "text", ["", "Traceback (most recent call last):", "[]", '{"passed": true}']
)
def test_output_that_is_not_a_report_is_one_clear_line(text: str) -> None:
    with pytest.raises(PipelineError, match=r"^not a load-test result: "):
        LoadResult.from_json(text)


def test_rates_are_finite_for_an_empty_run() -> None:
    stats = KindStats.of([], 0, 0.0)
    assert stats.rps == 0.0
    assert math.isfinite(stats.error_rate)


def test_nothing_credential_shaped_from_the_target_or_the_server_reaches_the_json() -> None:
    # A note quotes what the server listed (a tool name); the target may carry user-info.
    token = "ghp_" + "b" * 36
    result = summarize(
        [],
        target="http://deploy:hunter2@app:8000",
        users=1,
        started=START,
        ended=START + 1,
        notes=[f"tools/call calls {token!r}\nthe first listed tool"],
    )
    text = result.with_breaches([]).to_json()
    assert token not in text
    assert "hunter2" not in text
    assert json.loads(text)["notes"] == ["tools/call calls '***' the first listed tool"]
    assert json.loads(text)["target"] == "http://***@app:8000"


def test_requests_still_waiting_at_the_stop_are_reported_per_kind() -> None:
    result = summarize(
        samples("health", [1.0]),
        target="t",
        users=4,
        started=START,
        ended=START + 1,
        kinds=["health", "mcp.tools_call"],
        in_flight={"mcp.tools_call": 3, "health": 0},
    )
    assert result.in_flight == {"mcp.tools_call": 3}
    document = json.loads(result.to_json())
    assert document["in_flight"] == {"mcp.tools_call": 3}
    assert LoadResult.from_json(result.to_json()).in_flight == {"mcp.tools_call": 3}
