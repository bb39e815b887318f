import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.load.backoff import CAP, FIRST, Backoff, attempts_within


def test_pauses_double_up_to_the_cap_and_a_success_starts_over() -> None:
    backoff = Backoff()
    assert [backoff.failed() for _ in range(7)] == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    backoff.succeeded()
    assert backoff.failed() == FIRST


def test_attempts_within_a_run_follow_the_pauses() -> None:
    # attempts start at 0, 0.05, 0.15, 0.35, 0.75, 1.55, 2.55, ...
    assert attempts_within(0.0) == 1
    assert attempts_within(0.1) == 2
    assert attempts_within(1.5) == 5
    assert attempts_within(60.0) == 64


@given(st.floats(min_value=0, max_value=3600))
def test_a_failing_user_makes_at_most_about_one_attempt_a_second(seconds: float) -> None:
    assert attempts_within(seconds) <= seconds / CAP + 6


@pytest.mark.parametrize("cap", [0.05, 0.3])
def test_the_pause_never_exceeds_the_cap(cap: float) -> None:
    backoff = Backoff(cap=cap)
    assert max(backoff.failed() for _ in range(20)) == cap
