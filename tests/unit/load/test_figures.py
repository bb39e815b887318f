import random
import tracemalloc

from hypothesis import given
from hypothesis import strategies as st

from main.core.load.figures import (
    BUCKETS,
    FLOOR_MS,
    MAX_DISTINCT_ERRORS,
    OTHER_ERRORS,
    RELATIVE_ERROR,
    Latencies,
    RunFigures,
    Sample,
)
from main.core.load.result import percentile

START = 1_000_000.0


@given(
    st.lists(st.floats(min_value=0, max_value=1e7), min_size=1, max_size=300),
    st.sampled_from([50.0, 95.0, 99.0, 100.0, 0.1]),
)
def test_a_percentile_is_never_below_the_exact_one_and_at_most_one_percent_above(
    values: list[float], p: float
) -> None:
    latencies = Latencies()
    for value in values:
        latencies.add(value)
    exact = percentile(sorted(values), p)
    estimate = latencies.percentile(p)
    assert exact <= estimate <= max(exact * (1 + RELATIVE_ERROR), FLOOR_MS)
    assert latencies.max_ms == max(values)
    assert latencies.count == len(values)


def test_counts_failures_and_the_maximum_are_exact() -> None:
    latencies = Latencies()
    for n in range(1, 101):
        latencies.add(float(n), failed=n % 10 == 0)
    assert (latencies.count, latencies.failures, latencies.max_ms) == (100, 10, 100.0)
    assert latencies.percentile(100) == 100.0


def feed(figures: RunFigures, count: int, rng: random.Random) -> None:
    kinds = ("health", "mcp.initialize", "mcp.tools_list", "mcp.tools_call")
    errors = ("answered HTTP 500", "ReadTimeout: timed out", "initialize answered HTTP 307")
    for _ in range(count):
        failed = rng.random() < 0.1
        figures.add(
            Sample(
                rng.choice(kinds),
                START + rng.uniform(0, 60),
                rng.lognormvariate(3, 1.5),
                rng.choice(errors) if failed else None,
            )
        )


def test_memory_does_not_grow_with_the_number_of_requests() -> None:
    # Samples kept one by one grew ~180 B per request: 40,000 more would be ~7 MB.
    rng = random.Random(20)  # noqa: S311 - test data, not a secret
    tracemalloc.start()
    try:
        figures = RunFigures(START, 60.0)
        feed(figures, 10_000, rng)
        before, _ = tracemalloc.get_traced_memory()
        feed(figures, 40_000, rng)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert figures.total.count == 50_000
    assert after - before < 16 * 1024
    # what it holds is bounded by construction: 61 points and 4 kinds of BUCKETS counters
    assert before < (61 + 4 + 1) * BUCKETS * 8 + 1024 * 1024


def test_distinct_error_lines_are_capped() -> None:
    figures = RunFigures(START, 10.0)
    for n in range(MAX_DISTINCT_ERRORS + 50):
        figures.add(Sample("health", START + 1, 1.0, f"request {n} failed"))
    assert len(figures.errors) == MAX_DISTINCT_ERRORS + 1
    assert figures.errors["health", OTHER_ERRORS] == 50
    assert figures.total.failures == MAX_DISTINCT_ERRORS + 50


def test_samples_after_the_stop_are_held_then_counted_or_said_to_be_late() -> None:
    figures = RunFigures(START, 2.0)
    figures.hold_after(START + 2)
    figures.add(Sample("health", START + 1.0, 5.0))
    figures.add(Sample("health", START + 2.01, 5.0))  # a worker's, before its stop arrived
    figures.add(Sample("health", START + 2.5, 5.0))  # after the run's end
    assert figures.total.count == 1
    figures.settle(START + 2.02)
    assert figures.total.count == 2
    assert figures.late() == {"health": 1}
