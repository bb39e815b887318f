"""Status polls that start short and back off to the target's interval.

A rollout on a fast cluster finishes in a fraction of a second, so a fixed interval
makes the deploy wait most of one interval for nothing (benchmarks/deploy_targets.py
measured it: a 0.5 s poll took 4.6x the emulator's own 0.13 s rollout). Doubling from a
short first wait sees a fast rollout at once and still polls a slow one (or a
rate-limited API such as ECS's DescribeServices) no more often than its interval.
"""

from collections.abc import Iterator


def intervals(ceiling: float, first: float) -> Iterator[float]:
    """Seconds to wait before each next poll: ``first``, doubled up to ``ceiling``."""
    delay = min(first, ceiling)
    while True:
        yield delay
        delay = min(delay * 2, ceiling)
