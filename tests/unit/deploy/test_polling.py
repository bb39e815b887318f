"""Rollout polls: short at first, doubling to the target's interval, never beyond it."""

from itertools import islice

from main.core.deploy.polling import intervals


def test_the_waits_double_from_the_first_to_the_ceiling() -> None:
    assert list(islice(intervals(2.0, 0.25), 6)) == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_a_ceiling_below_the_first_wait_is_kept() -> None:
    assert list(islice(intervals(0.02, 0.05), 3)) == [0.02, 0.02, 0.02]
